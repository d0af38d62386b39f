"""The endpoint in spawned processes: ``sysmon exporter`` and ``sysmon --metrics-listen``."""

import json
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from prometheus_tools import get, poll, sysmon_exporter
from spawned import sysmon_executable

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
HOST = ROOT / "sysmon" / "hosts" / "this-vm"
HOST_ARGS = ["--procfs", str(HOST / "proc"), "--rootfs", str(HOST / "rootfs")]
UPTIME = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "RPCGetUptime"}).encode() + b"\n"


def test_a_plain_broker_child_never_imports_prometheus_client_nor_rich(tmp_path):
    modules = tmp_path / "modules.txt"
    program = textwrap.dedent(f"""
        import atexit, sys
        atexit.register(lambda: open({str(modules)!r}, "w").write("\\n".join(sys.modules)))
        from sysmon.app.cli import main
        sys.exit(main({["--dialect", "jsonrpc", *HOST_ARGS]!r}))
    """)
    done = subprocess.run(
        [sys.executable, "-c", program], input=UPTIME, capture_output=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout.splitlines()[-1])["result"]["uptime"] > 0  # it served
    loaded = modules.read_text().split("\n")
    assert "sysmon.app.server" in loaded
    extras = [
        name for name in loaded
        if name.split(".")[0] in ("prometheus_client", "rich")
        or name.startswith(("sysmon.app.exporter", "sysmon.app.top"))
    ]  # fmt: skip
    assert extras == []


def test_the_exporter_serves_a_captured_host_in_both_formats(tmp_path):
    with sysmon_exporter(tmp_path, "--fake-host", "this-vm") as port:
        content_type, body = get(f"http://127.0.0.1:{port}/metrics")
        assert content_type.startswith("text/plain; version=0.0.4")
        assert 'node_uname_info{domainname="(none)"' in body.decode()
        assert b'nodename="host-this-vm"' in body
        openmetrics = "application/openmetrics-text; version=1.0.0"
        content_type, body = get(f"http://127.0.0.1:{port}/metrics", {"Accept": openmetrics})
        assert content_type.startswith("application/openmetrics-text")
        assert body.endswith(b"# EOF\n")


def test_each_scrape_steps_simulated_time(tmp_path):
    gib = 1 << 30
    scenario = tmp_path / "filling.json"
    scenario.write_text(json.dumps({
        "steps": [{"do": "mount", "path": "/data", "fstype": "xfs", "total": 100 * gib,
                   "used": 50 * gib, "source": "/dev/sdb1"}],
        "tick": {"seconds": 1, "steps": [{"do": "fill", "path": "/data", "size": gib}]},
        "time": {"step": 15},
    }))  # fmt: skip
    avail = re.compile(rb'node_filesystem_avail_bytes\{[^}]*mountpoint="/data"\} (\S+)')
    clock = re.compile(rb"^node_time_seconds (\S+)$", re.M)
    with sysmon_exporter(tmp_path, "--fake-host", str(scenario)) as port:
        seen = []
        for _ in range(4):
            body = get(f"http://127.0.0.1:{port}/metrics")[1]
            seen.append((float(clock.search(body).group(1)), float(avail.search(body).group(1))))
    # each scrape 15 s later and 15 GiB fuller: 35, 20, 5 GiB left, then full
    assert [t - seen[0][0] for t, _ in seen] == [0, 15, 30, 45]
    assert [a / gib for _, a in seen] == [35, 20, 5, 0]


def test_the_exporter_fails_at_once_when_the_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sysmon_executable(), "exporter", "--listen", f"127.0.0.1:{port}"],
            capture_output=True, timeout=30, cwd=tmp_path, check=False,
        )  # fmt: skip
    assert done.returncode == 1
    assert f"sysmon exporter: cannot listen on 127.0.0.1:{port}: Address already in use" in (
        done.stderr.decode()
    )


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("127.0.0.1:99999", "the port is a number from 0 to 65535"),
        ("::1:80", "an IPv6 address goes in brackets"),
    ],
)
def test_a_bad_listen_address_is_named(tmp_path, address, message):
    done = subprocess.run(
        [sysmon_executable(), "exporter", "--listen", address],
        capture_output=True, timeout=30, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert message in done.stderr.decode()


def test_beside_the_broker_a_taken_port_is_retried_while_the_broker_is_served(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        log = tmp_path / "stderr.log"
        with open(log, "wb") as stderr:
            child = subprocess.Popen(
                [sysmon_executable(), "--dialect", "jsonrpc", *HOST_ARGS,
                 "--metrics-listen", str(port)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, cwd=tmp_path,
            )  # fmt: skip
        try:
            child.stdin.write(UPTIME)
            child.stdin.flush()
            line = poll(child.stdout.readline, "a reply while the port is taken", 20)
            assert json.loads(line)["result"]["uptime"] > 0
            poll(lambda: b"trying again in 1s" in log.read_bytes(), "the bind failure logged")
            taken.close()  # the port comes free: the next try (2 s later) binds it
            body = poll(
                lambda: get(f"http://127.0.0.1:{port}/metrics", timeout=2)[1],
                "the endpoint once the port is free", 20,
            )  # fmt: skip
            assert b"node_load1" in body
            child.stdin.write(UPTIME)
            child.stdin.flush()
            assert json.loads(poll(child.stdout.readline, "a reply", 20))["id"] == 1
        finally:
            child.stdin.close()
            child.wait(20)
    assert child.returncode == 0
    assert b"Traceback" not in log.read_bytes()


def test_a_broker_child_with_an_endpoint_serves_it_from_the_same_cache(tmp_path):
    port_probe = socket.socket()
    port_probe.bind(("127.0.0.1", 0))
    port = port_probe.getsockname()[1]
    port_probe.close()
    child = subprocess.Popen(
        [sysmon_executable(), "--dialect", "jsonrpc", *HOST_ARGS, "--metrics-listen",
         f"127.0.0.1:{port}"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tmp_path,
    )  # fmt: skip
    try:
        child.stdin.write(UPTIME)
        child.stdin.flush()
        assert json.loads(poll(child.stdout.readline, "a reply", 20))["result"]["uptime"] > 0
        body = poll(lambda: get(f"http://127.0.0.1:{port}/metrics", timeout=2)[1], "scrape", 20)
        assert b'sysmon_requests_total{method="RPCGetUptime"} 1.0' in body
        assert b"sysmon_message_stats_age_seconds" not in body  # no broker statistics here
    finally:
        child.stdin.close()
        child.wait(20)
