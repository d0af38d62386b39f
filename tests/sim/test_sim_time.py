"""Simulated time: a scenario moves only when stepped, by whole ticks, the clock with it."""

import json

import pytest

from sysmon.adapters.fake_clock import DEFAULT_EPOCH
from sysmon.app.cli import main
from sysmon.app.config import ConfigError, Settings
from sysmon.app.container import build_container
from sysmon.app.fake_host_mode import fake_host_mode, fake_host_session

GIB = 1 << 30
FILLING = {
    "cpus": 2,
    "tick": {
        "seconds": 1,
        "busy": 50,
        "iowait": 10,
        "steps": [{"do": "fill", "path": "/", "size": GIB}],
    },
    "time": {"step": 5},
}


def scenario(tmp_path, document):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_each_step_plays_whole_ticks_and_moves_the_clock(tmp_path):
    container = build_container(Settings(cache_duration=0))
    with fake_host_session(scenario(tmp_path, FILLING), container) as session:
        assert session.time is not None
        metrics = container.metrics()
        assert container.clock().time() == DEFAULT_EPOCH
        for _ in range(3):
            session.time.step()
        # 3 steps of 5 s, 15 one-second ticks: the clock and uptime move by 15 s
        assert container.clock().time() == DEFAULT_EPOCH + 15
        assert metrics.collect("RPCGetUptime")["uptime"] == 1015.0
        # user: the minimal host's 2 x 5000 ticks, plus 50 a tick; iowait 2 x 100 + 10 a tick
        cpu = container.procfs().kernel_stat().cpu
        assert (cpu.user, cpu.iowait) == (10000 + 15 * 50, 2000 + 15 * 10)
        # idle: the rest of 2 CPUs x 100 Hz, 200 - 60 = 140 a tick
        assert cpu.idle == 180000 + 15 * 140
        # the 64 GiB root had 16 GiB used; one GiB more a tick
        root = metrics.collect("RPCGetDiskUsage")["disk"]["/"]
        assert (root["used"], root["free"]) == (31 * GIB, 33 * GIB)
        assert session.time.steps == 3


def test_a_full_disk_stays_full(tmp_path):
    document = dict(FILLING, time={"step": 60})  # 60 GiB would be written; 48 GiB are free
    container = build_container(Settings(cache_duration=0))
    with fake_host_session(scenario(tmp_path, document), container) as session:
        session.time.step()
        root = container.metrics().collect("RPCGetDiskUsage")["disk"]["/"]
        assert (root["used"], root["free"], root["used_percent"]) == (64 * GIB, 0, 100.0)


def test_the_command_line_step_wins_and_a_scenario_without_tick_just_ages(tmp_path):
    container = build_container(Settings(cache_duration=0))
    with fake_host_session(scenario(tmp_path, {"cpus": 4}), container, sim_step=2.5) as session:
        session.time.step()
        session.time.step()
        assert container.clock().time() == DEFAULT_EPOCH + 5
        assert container.metrics().collect("RPCGetUptime")["uptime"] == 1005.0
        assert container.procfs().kernel_stat().cpu.user == 4 * 5000  # all idle


def test_the_start_of_simulated_time_can_be_set(tmp_path):
    container = build_container(Settings())
    source = scenario(tmp_path, {"time": {"step": 1, "start": 1_700_000_000}})
    with fake_host_session(source, container):
        assert container.clock().time() == 1_700_000_000
        # the minimal host booted 1000 s before its calendar's start
        assert container.procfs().kernel_stat().boot_time == 1_700_000_000 - 1000


def test_without_a_step_the_scenario_runs_in_real_time(tmp_path):
    container = build_container(Settings())
    with fake_host_session(scenario(tmp_path, {"cpus": 1}), container) as session:
        assert session.time is None
        assert type(container.clock()).__name__ == "SystemClock"


@pytest.mark.parametrize(
    ("document", "step", "error"),
    [
        (FILLING, 2.5, "a time step of 2.5s is not a whole number of 1s ticks"),
        (dict(FILLING, tick={"seconds": 2}), 1, "a time step of 1s is not a whole number of 2s"),
        ({}, -1, "a time step is above 0 s, not -1"),
    ],
)
def test_a_step_that_is_not_whole_ticks_is_refused(tmp_path, document, step, error):
    container = build_container(Settings())
    with (
        pytest.raises(ConfigError, match=error),
        fake_host_session(scenario(tmp_path, document), container, sim_step=step),
    ):
        pass


def test_a_tick_step_that_fails_is_named_when_played(tmp_path):
    document = dict(FILLING, tick={"seconds": 1, "steps": [{"do": "fill", "path": "/nowhere",
                                                                 "size": 1}]})  # fmt: skip
    container = build_container(Settings())
    with fake_host_session(scenario(tmp_path, document), container) as session:
        step = session.time.step
        with pytest.raises(ConfigError, match=r"tick 1, step 1 \(fill\): .*nothing mounted"):
            step()


def test_the_broker_child_refuses_simulated_time(tmp_path):
    container = build_container(Settings())
    refused = pytest.raises(ConfigError, match="serve it with `sysmon exporter` or `sysmon top`")
    with refused, fake_host_mode(scenario(tmp_path, FILLING), container):
        pass


def test_the_sim_step_option_is_checked(tmp_path, capsys):
    assert main(["--sim-step", "1"]) == 1
    assert "--sim-step: simulated time moves one step per scrape or frame" in (
        capsys.readouterr().err
    )


def test_sim_step_of_checks_the_option():
    from argparse import Namespace

    from sysmon.app.cli import sim_step_of

    assert sim_step_of(Namespace(sim_step=None, fake_host=None)) is None
    assert sim_step_of(Namespace(sim_step=2.0, fake_host="host.json")) == 2.0
    with pytest.raises(ConfigError, match="expected seconds above 0, not 0"):
        sim_step_of(Namespace(sim_step=0.0, fake_host="host.json"))
    with pytest.raises(ConfigError, match="simulated time is for a fake host"):
        sim_step_of(Namespace(sim_step=1.0, fake_host=None))
