"""--fake-host in-process: the container served from a temporary host, then cleaned up."""

import threading
from pathlib import Path

import pytest

from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.shipped import shipped_hosts
from sysmon.app.config import ConfigError, Settings
from sysmon.app.container import build_container
from sysmon.app.fake_host_mode import Scenario, build_host, fake_host_mode, play, read_scenario

HOSTS = Path(__file__).resolve().parents[2] / "sysmon" / "hosts"


def test_no_fake_host_changes_nothing():
    container = build_container(Settings())
    with fake_host_mode(None, container) as host:
        assert host is None


def test_a_tree_is_served_from_a_temporary_directory_removed_afterwards(tmp_path):
    container = build_container(Settings())
    with fake_host_mode(str(HOSTS / "container"), container) as host:
        root = Path(host.root)
        assert root.is_dir()
        metrics = container.metrics()
        metrics.start()
        assert metrics.collect("RPCGetProcessStats")["processes_total"] == 3
        assert metrics.collect("RPCGetSystemInfo")["distribution"].startswith("Alpine")
    assert not root.exists()


def test_a_ticking_scenario_starts_its_ticker_and_stops_it(tmp_path):
    scenario = tmp_path / "tick.json"
    scenario.write_text('{"cpus": 4, "tick": {"seconds": 3600, "busy": 5}}')
    container = build_container(Settings())
    with fake_host_mode(str(scenario), container) as host:
        (ticker,) = [t for t in threading.enumerate() if t.name == "sysmon-fake-host-tick"]
        assert ticker.is_alive()
        assert host.reader().kernel_stat().online_cpus == 4
    assert not ticker.is_alive()


@pytest.mark.parametrize(
    ("step", "error"),
    [
        ({"name": "x"}, 'step 1: expected {"do": verb, ...} with a verb among add_interface'),
        ({"do": "rm -rf"}, "step 1: expected"),
        (
            {"do": "unmount", "path": "/nowhere"},
            "step 1 (unmount): \"nothing mounted at b'/nowhere'\"",
        ),
        (
            {"do": "advance", "seconds": 1, "bogus": 2},
            "step 1 (advance): unknown CPU column: bogus",
        ),
    ],
)
def test_a_bad_step_is_named(tmp_path, step, error):
    scenario = Scenario(origin="s.json", steps=[step])
    with pytest.raises(ConfigError) as raised:
        build_host(scenario, str(tmp_path / "host"), FakeClock())
    assert str(raised.value).startswith(f"--fake-host s.json: {error}")


def test_a_missing_tree_is_named(tmp_path):
    scenario = Scenario(origin="s.json", tree=str(tmp_path / "no-such-tree"))
    with pytest.raises(ConfigError, match=r"--fake-host s\.json: cannot build the host: "):
        build_host(scenario, str(tmp_path / "host"), FakeClock())


def test_steps_play_the_host_verbs(tmp_path):
    host = build_host(Scenario(origin="s.json"), str(tmp_path / "host"), FakeClock())
    play(host, {"do": "spawn_many", "count": 3, "state": "R"}, "here")
    assert host.reader().process_tally().states == {"S": 1, "R": 3}


def test_a_shipped_tree_is_served_by_its_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no odd-host here: the name means the shipped tree
    container = build_container(Settings())
    with fake_host_mode("odd-host", container):
        metrics = container.metrics()
        metrics.start()
        # odd-host (sysmon/hosts/README.md): 22 pid directories, one truncated stat skipped
        assert metrics.collect("RPCGetProcessStats")["processes_total"] == 21


def test_a_scenario_tree_is_a_path_beside_the_file_or_a_shipped_name(tmp_path):
    (tmp_path / "mine" / "proc").mkdir(parents=True)
    beside = tmp_path / "beside.json"
    beside.write_text('{"tree": "mine"}')
    assert read_scenario(str(beside)).tree == str(tmp_path / "mine")
    named = tmp_path / "named.json"
    named.write_text('{"tree": "this-vm"}')
    assert read_scenario(str(named)).tree == str(HOSTS / "this-vm")


def test_a_scenario_tree_that_is_nowhere_names_the_resolved_path(tmp_path):
    scenario = tmp_path / "s.json"
    scenario.write_text('{"tree": "hosts/gone"}')
    with pytest.raises(ConfigError) as raised:
        read_scenario(str(scenario))
    assert str(raised.value) == (
        f"--fake-host {scenario}: tree 'hosts/gone': no directory {tmp_path}/hosts/gone, "
        f"nor a shipped tree (shipped: {', '.join(shipped_hosts())})"
    )


def test_an_unknown_fake_host_lists_the_shipped_trees(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as raised:
        read_scenario("no-such-host")
    assert str(raised.value) == (
        "--fake-host no-such-host: No such file or directory, and no shipped host tree is "
        f"so named (shipped: {', '.join(shipped_hosts())})"
    )


@pytest.mark.parametrize(
    ("step", "error"),
    [
        ({"do": "spawn", "name": "x", "threads": "four"},
         'step 1 (spawn): field \'threads\' is "four", expected an integer'),
        ({"do": "spawn"}, "step 1 (spawn): missing field 'name'"),
        ({"do": "set_load", "load1": 1, "load5": "2", "load15": 3},
         "step 1 (set_load): field 'load5' is \"2\", expected a number"),
        ({"do": "end", "pid": 1, "mid_scan": 1},
         "step 1 (end): field 'mid_scan' is 1, expected true or false"),
        ({"do": "mount", "path": 7},
         "step 1 (mount): field 'path' is 7, expected a string"),
        ({"do": "set_process", "pid": 1, "threads": 2.5},
         "step 1 (set_process): field 'threads' is 2.5, expected an integer or null"),
        ({"do": "set_memory", "extra": {"Foo": "x"}},
         "step 1 (set_memory): field 'extra' is {\"Foo\": \"x\"}, expected an object of "
         "integers or null"),
        ({"do": "set_memory", "remove": "MemAvailable"},
         "step 1 (set_memory): field 'remove' is \"MemAvailable\", expected a list of strings"),
        ({"do": "spawn", "name": "x", "nmae": "y"},
         "step 1 (spawn): unknown field 'nmae' (fields: name, state, threads, ppid)"),
        ({"do": "set_cpu", "user": True},
         "step 1 (set_cpu): field 'user' is true, expected an integer"),
    ],
)  # fmt: skip
def test_a_step_of_the_wrong_shape_names_its_step_and_field(tmp_path, step, error):
    scenario = Scenario(origin="s.json", steps=[{"do": "spawn", "name": "ok"}, step])
    with pytest.raises(ConfigError) as raised:
        build_host(scenario, str(tmp_path / "host"), FakeClock())
    assert str(raised.value) == f"--fake-host s.json: {error.replace('step 1', 'step 2')}"


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ('{"cpus": "four"}', 'cpus is "four", expected an integer above 0'),
        ('{"cpus": 0}', "cpus is 0, expected an integer above 0"),
        ('{"steps": {"do": "spawn"}}', 'steps is {"do": "spawn"}, expected a list'),
        ('{"hang": "/mnt"}', 'hang is "/mnt", expected a list of mount points'),
    ],
)
def test_a_scenario_field_of_the_wrong_type_is_named(tmp_path, document, error):
    path = tmp_path / "s.json"
    path.write_text(document)
    with pytest.raises(ConfigError) as raised:
        read_scenario(str(path))
    assert str(raised.value) == f"--fake-host {path}: {error}"


def test_a_well_formed_scenario_still_plays(tmp_path):
    steps = [
        {"do": "spawn", "name": "nginx: worker", "state": "R", "threads": 4},
        {"do": "set_memory", "extra": {"Hugepagesize": 2048}, "remove": ["MemAvailable"]},
        {"do": "set_process", "pid": 1, "threads": None},
        {"do": "set_cpu", "user": 5},
    ]
    host = build_host(Scenario(origin="s.json", steps=steps), str(tmp_path / "h"), FakeClock())
    assert host.reader().process_tally().threads == 5  # pid 1's one thread, and four
