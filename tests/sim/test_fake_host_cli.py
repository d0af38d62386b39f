"""``sysmon --fake-host``: the installed service over a host tree or a scenario file,
written to a temporary directory that is gone when the service exits."""

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sysmon.adapters.fake_host import FakeHost
from sysmon.app.config import ConfigError
from sysmon.app.fake_host_mode import play, read_scenario
from sysmon.app.sim_time import Tick, run_ticks

ROOT = Path(__file__).resolve().parents[2]
HOSTS = ROOT / "sysmon" / "hosts"
GIB = 1 << 30


def sysmon(*args, stdin=b"", tmp_path):
    beside = Path(sys.executable).with_name("sysmon")
    command = str(beside) if beside.exists() else shutil.which("sysmon")
    env = {k: v for k, v in os.environ.items() if k not in ("RPC_INPUT_FD", "RPC_OUTPUT_FD")}
    env["TMPDIR"] = str(tmp_path / "tmp")  # where the fake host is written, to check it goes
    env.pop("PROCESS_ID", None)
    os.makedirs(env["TMPDIR"], exist_ok=True)
    return subprocess.run(
        [command, *args],
        input=stdin,
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def request(method, cid):
    message = {"type": "request", "id": method, "source": "access", "correlation_id": cid}
    return json.dumps(message).encode() + b"\n"


@pytest.mark.e2e
@pytest.mark.parametrize("where", ["before", "after"])
def test_serving_a_host_tree(tmp_path, where):
    tree = str(HOSTS / "odd-host")
    args = ["--fake-host", tree, "serve"] if where == "before" else ["serve", "--fake-host", tree]
    result = sysmon(
        *args,
        stdin=request("RPCGetSystemInfo", "1") + request("RPCGetProcessStats", "2"),
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    ready, info, processes = (json.loads(line) for line in result.stdout.splitlines())
    assert ready["id"] == "subprocess_ready"
    assert info["payload"]["platform"] == "aarch64"  # odd-host's machine, from its host.json
    # odd-host: 22 pid directories, one with a truncated stat: 21 counted, 147 threads
    assert (processes["payload"]["processes_total"], processes["payload"]["threads"]) == (21, 147)
    assert b"serving the fake host" in result.stderr
    assert os.listdir(tmp_path / "tmp") == []  # the temporary host is gone


@pytest.mark.e2e
def test_calling_once_on_a_scenario(tmp_path):
    scenario = {
        "tree": os.path.relpath(HOSTS / "container", tmp_path),
        "steps": [
            {"do": "spawn", "name": "nginx: worker (1)", "state": "R", "threads": 3},
            {"do": "mount", "path": "/mnt/nfs", "fstype": "nfs4", "total": GIB, "used": 0},
            {"do": "mount", "path": "/scratch", "fstype": "ext4", "total": 4 * GIB, "used": GIB},
        ],
        "hang": ["/mnt/nfs"],
    }
    scenario["steps"][2]["free"] = 2 * GIB  # a real directory keeps reserved blocks
    (tmp_path / "scenario.json").write_text(json.dumps(scenario))
    result = sysmon("call", "RPCGetDiskUsage", "--fake-host", "scenario.json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    disk = json.loads(result.stdout)
    assert disk["unavailable"] == {"/mnt/nfs": "timed out after 1s"}
    # 1 GiB used and 2 GiB free of 4 GiB: df's percentage is 1 / (1 + 2)
    assert disk["disk"]["/scratch"] == {
        "used": GIB, "total": 4 * GIB, "free": 2 * GIB, "used_percent": 33.33, "fstype": "ext4",
    }  # fmt: skip
    result = sysmon("call", "RPCGetProcessStats", "--fake-host", "scenario.json", tmp_path=tmp_path)
    stats = json.loads(result.stdout)
    # container: 3 processes (S S R, 7 threads), and the spawned one
    assert (stats["processes_running"], stats["threads"]) == (2, 10)
    assert os.listdir(tmp_path / "tmp") == []


@pytest.mark.e2e
def test_a_scenario_that_cannot_be_built_is_fatal(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"steps": [{"do": "spawn", "state": "R"}]}))
    result = sysmon("--fake-host", "bad.json", tmp_path=tmp_path)
    assert result.returncode == 1
    message = json.loads(result.stdout)
    assert message["id"] == "fatal"
    assert message["error"].startswith("--fake-host bad.json: step 1 (spawn): ")
    assert "name" in message["error"]  # the missing argument is named
    assert os.listdir(tmp_path / "tmp") == []


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ("[]", "expected an object with keys among cpus, hang, steps, tick, time, tree"),
        ('{"tick": {"seconds": 1, "steps": {}}}', 'tick is {"seconds": s above 0'),
        ('{"time": {"step": 0}}', 'time is {"step": seconds above 0'),
        ('{"time": {"step": 1, "speed": 2}}', 'time is {"step": seconds above 0'),
        ('{"time": {"step": 1, "start": true}}', 'time is {"step": seconds above 0'),
        ('{"tick": {"seconds": 0}}', 'tick is {"seconds": s above 0'),
        ('{"tick": {"seconds": 1, "bogus": 1}}', 'tick is {"seconds": s above 0'),
        ("{", "not valid JSON"),
    ],
)
def test_bad_scenarios_are_named(tmp_path, document, error):
    path = tmp_path / "scenario.json"
    path.write_text(document)
    with pytest.raises(ConfigError, match=error.replace("{", r"\{")):
        read_scenario(str(path))


def test_a_missing_scenario_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"--fake-host .*nowhere\.json: No such file"):
        read_scenario(str(tmp_path / "nowhere.json"))


def test_ticks_advance_the_host_until_stopped(tmp_path):
    host = FakeHost(str(tmp_path / "host"))

    class TwoTicks(threading.Event):
        """Lets two intervals pass, then says stop: no real waiting in the test."""

        def __init__(self):
            super().__init__()
            self.waits = []

        def wait(self, timeout=None):
            self.waits.append(timeout)
            return len(self.waits) > 2

    stop = TwoTicks()
    run_ticks(host, Tick(0.5, {"busy": 25}), play, stop)
    assert stop.waits == [0.5, 0.5, 0.5]
    assert host.uptime == 1001.0
    assert host.reader().kernel_stat().cpu.user == 10050
