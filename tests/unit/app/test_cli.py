"""The command line's shape: help that lists what there is, options where they apply,
and a one-shot call that samples a meaningful window for the windowed methods only."""

import json
from pathlib import Path

import pytest

from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.fake_host import FakeHost
from sysmon.app.cli import DEFAULT_INTERVAL, EXIT_NO_BROKER, collect_once, main
from sysmon.app.config import CONFIG_KEYS, Settings
from sysmon.app.container import build_container
from sysmon.domain.metrics import METHODS, WINDOWED_METHODS

ODD_PROC = str(Path(__file__).resolve().parents[3] / "sysmon" / "hosts" / "odd-host" / "proc")


def help_text(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_the_top_help_lists_methods_config_keys_exit_codes_and_docs(capsys):
    text = help_text(["--help"], capsys)
    listed = text.split("methods (sysmon call METHOD", 1)[1]
    for name in (*METHODS, *CONFIG_KEYS, "logging.level", "docs/*.md"):
        assert f"  {name}\n" in listed or name in listed, name
    for status in ("0", "1", "2", str(EXIT_NO_BROKER)):
        assert f"\n  {status} " in listed


def test_call_help_lists_only_what_applies_to_a_call(capsys):
    text = help_text(["call", "--help"], capsys)
    for flag in ("--pretty", "--interval", "--procfs", "--rootfs", "--config", "--fake-host"):
        assert flag in text
    for flag in ("--dialect", "--transport", "--uds-path"):
        assert flag not in text
    assert "methods (sysmon call METHOD" not in text  # the long listing is the top help's


@pytest.mark.parametrize(
    "argv",
    [
        ["--pretty", "call", "RPCGetLoadAverage", "--procfs", ODD_PROC],
        ["call", "RPCGetLoadAverage", "--pretty", "--procfs", ODD_PROC],
        ["--procfs", ODD_PROC, "call", "--pretty", "RPCGetLoadAverage"],
    ],
)
def test_pretty_goes_on_either_side(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    # odd-host/proc/loadavg: "1.50 0.75 0.25 3/1234 99999"
    assert out.startswith('{\n  "load1": 1.5,\n  "load5": 0.75,\n')
    assert json.loads(out)["last_pid"] == 99999


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dialect", "jsonrpc", "call", "RPCGetUptime"], "--dialect applies to serving only"),
        (["--pretty", "serve"], "--pretty applies to sysmon call only"),
        (["--interval", "2", "methods"], "--interval applies to sysmon call and sysmon top only"),
        (["--pretty", "top", "--once"], "--pretty applies to sysmon call only"),
        (["top", "--transport", "stdio"], "unrecognized arguments: --transport"),
        (["top", "--interval", "0"], "argument --interval: must be above 0"),
        (["call", "RPCCPUUsage", "--interval", "0"], "argument --interval: must be above 0"),
        (["call", "RPCCPUUsage", "--interval", "soon"], "argument --interval: "),
        (["call", "RPCGetUptime", "--dialect", "both"], "unrecognized arguments: --dialect"),
    ],
)
def test_misplaced_options_are_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_the_windowed_methods_are_the_cpu_figures():
    assert {"RPCCPUUsage", "RPCGetSysMetrics"} <= WINDOWED_METHODS
    assert set(METHODS) >= WINDOWED_METHODS
    assert DEFAULT_INTERVAL == 1.0


def served(tmp_path):
    host = FakeHost(str(tmp_path / "host"))
    container = build_container(Settings(cache_duration=0.0))
    clock = FakeClock()
    container.clock.override(clock)
    container.procfs.override(host.reader())
    container.host_facts.override(host.facts)
    return container.metrics(), clock


def test_a_windowed_method_waits_for_its_interval(tmp_path):
    metrics, clock = served(tmp_path)
    payload = collect_once(metrics, clock, "RPCCPUUsage", 2.5)
    assert payload["window_seconds"] == 2.5
    assert clock.slept == 2.5


@pytest.mark.parametrize("method", sorted(set(METHODS) - WINDOWED_METHODS))
def test_the_other_methods_answer_at_once(tmp_path, method):
    metrics, clock = served(tmp_path)
    collect_once(metrics, clock, method, 2.5)
    assert clock.slept == 0
    assert clock.monotonic() == FakeClock().monotonic()


@pytest.mark.e2e
def test_the_command_line_samples_one_second_by_default(tmp_path):
    import subprocess

    from spawned import sysmon_executable

    done = subprocess.run(
        [sysmon_executable(), "call", "RPCCPUUsage"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["window_seconds"] >= 1.0


def test_no_arguments_give_what_the_parser_gives_for_none():
    from sysmon.app.cli import build_parser, default_arguments

    assert vars(default_arguments()) == vars(build_parser().parse_args([]))


def test_serving_without_arguments_imports_no_argparse(tmp_path):
    import os
    import subprocess
    import sys
    import textwrap

    modules = tmp_path / "modules.txt"
    program = textwrap.dedent(f"""
        import atexit, sys
        atexit.register(lambda: open({str(modules)!r}, "w").write("\\n".join(sys.modules)))
        sys.argv = ["sysmon"]
        from sysmon.app.cli import main
        sys.exit(main())
    """)
    line = b'{"jsonrpc":"2.0","id":1,"method":"RPCGetUptime"}\n'
    # not under coverage, which itself imports argparse and the rest into the child
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE")}
    # a shipped host tree through ./config.json, as the broker would configure it: no
    # argument, and not this host's /proc (the hermetic suites run with it hidden)
    tree = Path(__file__).resolve().parents[3] / "sysmon" / "hosts" / "this-vm" / "proc"
    (tmp_path / "config.json").write_text(json.dumps({"sysmon_procfs_path": str(tree)}))
    done = subprocess.run([sys.executable, "-c", program], input=line, capture_output=True,
                          timeout=30, check=False, env=environ, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout.splitlines()[-1])["result"]["uptime"] == 770.77  # the tree's
    loaded = set(modules.read_text().split("\n"))
    assert not loaded & {"argparse", "shutil", "datetime", "gettext"}
