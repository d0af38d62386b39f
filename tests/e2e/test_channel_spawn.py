"""The installed sysmon finds its channel by itself, as the broker starts it.

Each test uses its own ``PROCESS_ID``, so the default socket path
(``/tmp/v2e_uds_<id>.sock``) is its own and never a real broker's.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import uuid

import pytest
from spawned import sysmon_executable

pytestmark = pytest.mark.e2e

GUARD = 30.0


def environment(process_id: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RPC_INPUT_FD", "RPC_OUTPUT_FD")}
    env["PROCESS_ID"] = process_id
    return env


@pytest.fixture
def process_id():
    pid = f"sysmon-test-{uuid.uuid4().hex[:8]}"
    yield pid
    path = f"/tmp/v2e_uds_{pid}.sock"
    if os.path.exists(path):
        os.unlink(path)


@pytest.fixture
def listener(process_id):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(f"/tmp/v2e_uds_{process_id}.sock")
    server.listen(1)
    server.settimeout(GUARD)
    yield server
    server.close()


def start(process_id, tmp_path, *args, stdin=subprocess.DEVNULL):
    return subprocess.Popen(
        [sysmon_executable(), *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=environment(process_id),
    )


def reap(child):
    """A child the test could not see to its end is killed, never left running."""
    if child.poll() is None:
        child.kill()
        child.wait(timeout=GUARD)


def test_without_the_brokers_socket_it_says_so_once_and_exits_253(process_id, tmp_path):
    child = start(process_id, tmp_path)
    stdout, stderr = child.communicate(timeout=GUARD)
    assert child.returncode == 253
    assert stdout == b""
    path = f"/tmp/v2e_uds_{process_id}.sock"
    assert stderr.decode().splitlines()[-1] == (
        f"sysmon: [FATAL] cannot connect to the broker's socket {path}: "
        "No such file or directory (3 tries)"
    )


def test_stdin_on_dev_null_dials_the_socket_and_serves_on_it(process_id, tmp_path, listener):
    child = start(process_id, tmp_path, "--log-level", "info")
    try:
        connection, _ = listener.accept()
        connection.settimeout(GUARD)
        reader = connection.makefile("rb")
        ready = json.loads(reader.readline())
        assert ready == {
            "type": "event",
            "id": "subprocess_ready",
            "payload": {"id": process_id},
            "source": process_id,
        }
        ask = {"type": "request", "id": "RPCGetLoadAverage", "source": "access",
               "target": process_id, "correlation_id": "l-1"}  # fmt: skip
        connection.sendall(json.dumps(ask).encode() + b"\n")
        reply = json.loads(reader.readline())
        assert (reply["type"], reply["correlation_id"], reply["target"]) == (
            "response", "l-1", "access",
        )  # fmt: skip
        reader.close()
        connection.close()  # end of file on the socket: the broker is gone
        stdout, stderr = child.communicate(timeout=GUARD)
    finally:
        reap(child)
    assert child.returncode == 0
    assert stdout == b""  # nothing on stdout: the socket carries the protocol
    assert (
        f"serving on the Unix socket /tmp/v2e_uds_{process_id}.sock "
        "(stdin is /dev/null, as the current broker starts a child)"
    ) in stderr.decode()


def test_a_bad_config_sends_the_fatal_message_on_the_socket(process_id, tmp_path, listener):
    (tmp_path / "config.json").write_text('{"sysmon_cache_duration": "soon"}')
    child = start(process_id, tmp_path)
    try:
        connection, _ = listener.accept()
        connection.settimeout(GUARD)
        line = connection.makefile("rb").readline()
        connection.close()
        _, stderr = child.communicate(timeout=GUARD)
    finally:
        reap(child)
    assert child.returncode == 1
    fatal = json.loads(line)
    assert (fatal["type"], fatal["id"], fatal["source"]) == ("error", "fatal", process_id)
    assert fatal["error"].startswith('sysmon_cache_duration: bad value "soon"')
    assert b"sysmon: fatal: sysmon_cache_duration" in stderr


def test_a_pure_json_rpc_server_keeps_its_fatal_off_the_channel(process_id, tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    child = start(process_id, tmp_path, "--dialect", "jsonrpc", stdin=subprocess.PIPE)
    stdout, stderr = child.communicate(b"", timeout=GUARD)
    assert child.returncode == 1
    assert stdout == b""  # JSON-RPC and nothing else: no broker envelope
    assert stderr.decode().startswith("sysmon: fatal: config file config.json is not valid JSON")


def test_transport_stdio_overrides_a_dev_null_stdin(process_id, tmp_path):
    child = start(process_id, tmp_path, "--transport", "stdio")
    stdout, _ = child.communicate(timeout=GUARD)
    assert child.returncode == 0  # end of input at once, no socket tried
    assert [json.loads(line)["id"] for line in stdout.splitlines()] == ["subprocess_ready"]


def test_a_socket_that_closes_at_once_ends_sysmon_quietly(process_id, tmp_path, listener):
    child = start(process_id, tmp_path)
    try:
        connection, _ = listener.accept()
        connection.close()  # a broker that hangs up at once
        stdout, stderr = child.communicate(timeout=GUARD)
    finally:
        reap(child)
    assert child.returncode == 0
    assert stdout == b""
    assert b"Traceback" not in stderr
