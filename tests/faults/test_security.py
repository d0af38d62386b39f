"""Security checks from SECURITY.md, each shown on the running service.

- No method takes a path, a command or parameters: JSON-RPC params other than absent,
  ``[]``, ``{}`` or ``null`` are -32602, and a broker payload is ignored, so one naming
  a path, a root or a command changes nothing in what is read or answered.
- The procfs and rootfs roots come only from the command line or config.json.
- The service writes no file but its log, opens for reading nothing but its roots, its
  config and its own code, and starts no process: shown by listing a directory before
  and after a run, and by a Python audit hook (PEP 578) in a child that serves
  requests naming paths and commands.
- It runs unprivileged: as uid 65534 on the real /proc it answers all eleven methods.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from needs import need, need_root, need_tool
from spawned import interpreter_runs_as, sysmon_command_for_any_user, sysmon_executable

from sysmon.adapters.deadline import InlineDeadline
from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.procfs import ProcfsReader
from sysmon.adapters.stdio import MemoryWriter
from sysmon.app.server import Server
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.metrics import METHODS, MetricsService
from sysmon.domain.models import HostFacts

ROOT = Path(__file__).resolve().parents[2]
HOSTS = ROOT / "sysmon" / "hosts"
HOST = HOSTS / "this-vm"
OTHER = HOSTS / "odd-host"
FACTS = HostFacts(user_hz=100, page_size=4096, machine="x86_64")
GUARD = 60.0
HOSTILE_PARAMS = (
    [1],
    ["/etc/passwd"],
    {"path": "/etc/shadow"},
    {"procfs": str(OTHER / "proc")},
    {"command": "touch /tmp/sysmon-owned"},
    "/bin/sh -c id",
    0,
    True,
)
HOSTILE_PAYLOADS = (
    *HOSTILE_PARAMS,
    {"procfs_path": str(OTHER / "proc"), "rootfs_path": str(OTHER / "rootfs")},
    {"sysmon_procfs_path": "/", "argv": ["--procfs", "/"], "exec": "import os"},
)


def without_coverage() -> dict[str, str]:
    """The environment without coverage's start-up hooks, for the children whose every
    file access is examined, or that run as a user who may not write its data file."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def tree_args(tree: Path) -> list[str]:
    return ["--procfs", str(tree / "proc"), "--rootfs", str(tree / "rootfs")]


def hostname(tree: Path) -> str:
    return (tree / "proc" / "sys" / "kernel" / "hostname").read_text().strip()


class Recording:
    """The real ProcfsReader, with every call through the port written down."""

    def __init__(self, reader: ProcfsReader) -> None:
        self._reader = reader
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._reader, name)

        def recorded(*args: Any) -> Any:
            self.calls.append((name, args))
            return method(*args)

        return recorded


def in_process(dialect: str = "both") -> tuple[Server, MemoryWriter, Recording]:
    port = Recording(ProcfsReader(str(HOST / "proc"), str(HOST / "rootfs")))
    metrics = MetricsService(port, FakeClock(), InlineDeadline(), FACTS, DiskPolicy(), 0.0)
    writer = MemoryWriter()
    server = Server(metrics, None, None, writer, dialect=dialect)
    server.start()
    writer.clear()
    return server, writer, port


# --------------------------------------------------------------------------------------
# No method takes anything


@pytest.mark.parametrize("method", METHODS)
def test_jsonrpc_params_are_refused_unless_empty(method):
    server, writer, _ = in_process("jsonrpc")
    for number, params in enumerate(HOSTILE_PARAMS):
        call = {"jsonrpc": "2.0", "id": number, "method": method, "params": params}
        server.handle_line(json.dumps(call).encode())
    for empty in ([], {}, None):
        call = {"jsonrpc": "2.0", "id": "empty", "method": method, "params": empty}
        server.handle_line(json.dumps(call).encode())
    replies = writer.messages()
    refused, accepted = replies[: len(HOSTILE_PARAMS)], replies[len(HOSTILE_PARAMS) :]
    for number, reply in enumerate(refused):
        assert reply == {
            "jsonrpc": "2.0",
            "id": number,
            "error": {
                "code": -32602,
                "message": "Invalid params",
                "data": {"detail": f"{method} takes no parameters"},
            },
        }
    assert len(accepted) == 3
    assert all("result" in reply for reply in accepted)


@pytest.mark.parametrize("method", METHODS)
def test_a_broker_payload_changes_nothing_read_or_answered(method):
    """The same request with and without hostile payloads, each to a fresh service: the
    same reply, and the same calls through the procfs port, none naming the payload."""
    base = {"type": "request", "id": method, "source": "access", "correlation_id": "c"}
    seen = []
    for payload in (None, *HOSTILE_PAYLOADS):
        server, writer, port = in_process()
        message = base if payload is None else base | {"payload": payload}
        server.handle_line(json.dumps(message).encode())
        (reply,) = writer.messages()
        seen.append((comparable(reply), port.calls))
    (plain, plain_calls), *hostile = seen
    assert plain["type"] == "response"
    assert hostile == [(plain, plain_calls)] * len(HOSTILE_PAYLOADS)
    table = (HOST / "proc" / "1" / "mountinfo").read_bytes().splitlines()
    mount_points = {row.split()[4] for row in table}
    for name, args in plain_calls:
        assert name != "fs_usage" or args[0] in mount_points  # from the kernel's table only


def comparable(reply: dict[str, Any]) -> dict[str, Any]:
    """A reply without the figures that change by themselves: the CPU window since the
    previous request (a window too short is waited out on the clock, which moves the
    timestamp), and the disk's byte counts (the tree's rootfs is on a real disk)."""
    payload = dict(reply.get("payload", {}))
    for key in ("usage_percent", "window_seconds", "cpu_usage", "disk_usage", "disk_total",
                "timestamp"):  # fmt: skip
        payload.pop(key, None)
    if "disk" in payload:
        payload["disk"] = {mount: entry["fstype"] for mount, entry in payload["disk"].items()}
    return reply | {"payload": payload}


# --------------------------------------------------------------------------------------
# The roots


def run_sysmon(workdir: Path, lines: list[bytes], *args: str, **options: Any) -> list[Any]:
    child = subprocess.Popen(
        [sysmon_executable(), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=workdir,
        **options,
    )
    stdout, stderr = child.communicate(b"".join(line + b"\n" for line in lines), timeout=GUARD)
    assert child.returncode == 0, stderr
    assert b"Traceback" not in stderr
    return [json.loads(line) for line in stdout.splitlines()]


def system_info(workdir: Path, *args: str, payload: Any = None, env: Any = None) -> str:
    message = {"type": "request", "id": "RPCGetSystemInfo", "source": "a", "correlation_id": "1"}
    if payload is not None:
        message["payload"] = payload
    rpc = {"jsonrpc": "2.0", "id": 2, "method": "RPCGetSystemInfo"}
    replies = run_sysmon(workdir, [json.dumps(message).encode(), json.dumps(rpc).encode()], *args,
                         env=env)  # fmt: skip
    broker, jsonrpc = replies[1:]
    assert broker["payload"]["hostname"] == jsonrpc["result"]["hostname"]
    return str(broker["payload"]["hostname"])


@pytest.mark.e2e
def test_the_roots_come_from_the_command_line_or_the_config_and_nowhere_else(tmp_path):
    this, other = hostname(HOST), hostname(OTHER)
    assert this != other
    assert system_info(tmp_path, *tree_args(HOST)) == this
    # the config names one tree ...
    config = {"sysmon_procfs_path": str(OTHER / "proc"), "sysmon_rootfs_path": str(OTHER)}
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert system_info(tmp_path) == other
    # ... the command line wins over it ...
    assert system_info(tmp_path, *tree_args(HOST)) == this
    # ... and neither the wire nor the environment moves them
    hostile = {"procfs": str(HOST / "proc"), "sysmon_procfs_path": str(HOST / "proc")}
    assert system_info(tmp_path, payload=hostile) == other
    env = dict(os.environ, SYSMON_PROCFS_PATH=str(HOST / "proc"), PROCFS=str(HOST / "proc"))
    assert system_info(tmp_path, env=env) == other


# --------------------------------------------------------------------------------------
# What the service writes, reads and starts


def requests_of_every_kind(marker: Path) -> list[bytes]:
    """Every method in both dialects, plain and with hostile payloads and params, and a
    few bad lines to make the service log."""
    lines = []
    for round_ in range(20):
        for number, method in enumerate(METHODS):
            cid = f"c-{round_}-{number}"
            message = {"type": "request", "id": method, "source": "a", "correlation_id": cid}
            payload = {"path": str(marker), "command": f"touch {marker}", "procfs": str(marker)}
            lines.append(json.dumps(message | {"payload": payload}).encode())
            call = {"jsonrpc": "2.0", "id": cid, "method": method}
            lines.append(json.dumps(call).encode())
            lines.append(json.dumps(call | {"params": [str(marker)]}).encode())
        lines += [b"not json", b'{"type":"request","id":5}', b"[" * 5000]
    return lines


def listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its size and modification time."""
    found = {}
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(directory, name)
            info = path.lstat()
            found[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    return found


@pytest.mark.e2e
def test_the_service_writes_no_file_but_its_log(tmp_path):
    config = {"logging": {"dir": str(tmp_path / "logs"), "level": "debug"}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    before = listing(tmp_path)
    marker = tmp_path / "marker"
    lines = requests_of_every_kind(marker)
    replies = run_sysmon(tmp_path, lines, *tree_args(HOST))
    assert len(replies) > 500
    after = listing(tmp_path)
    assert {path: after[path] for path in before} == before  # nothing changed
    assert sorted(set(after) - set(before)) == ["logs", "logs/sysmon.log"]
    assert not marker.exists()
    assert b"unparseable line" in (tmp_path / "logs" / "sysmon.log").read_bytes()


AUDITED_SYSMON = r"""
import os, sys
sys.dont_write_bytecode = True
sys.path.remove("")  # as the console script runs: the working directory is not on the path
WATCHED = ("open", "os.listdir", "os.scandir", "os.mkdir", "os.remove", "os.rename",
           "os.rmdir", "os.symlink", "os.link", "os.chmod", "os.chown", "os.truncate",
           "os.utime", "shutil.", "subprocess.", "os.system", "os.exec", "os.posix_spawn",
           "os.spawn", "os.fork", "os.forkpty", "socket.", "ctypes.", "urllib.", "http.")

def hook(event, args):
    if event.startswith(WATCHED):
        line = "AUDIT\t" + event + "\t" + repr(args) + "\n"
        os.write(2, line.encode("utf-8", "backslashreplace"))

sys.addaudithook(hook)
import sysmon
from sysmon.app.cli import main
os.write(2, ("CODE\t" + os.path.dirname(sysmon.__file__) + "\n").encode())
sys.exit(main(sys.argv[1:]))
"""
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_STARTS_PROCESSES = ("subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                     "os.fork", "os.forkpty")  # fmt: skip


def audit_events(stderr: bytes) -> Iterator[tuple[str, tuple[Any, ...]]]:
    import ast

    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.startswith("AUDIT\t"):
            _, event, args = line.split("\t", 2)
            yield event, ast.literal_eval(args)


def _python_prefixes() -> list[str]:
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths |= {value for value in sysconfig.get_paths().values() if value}
    return sorted(str(Path(path).resolve()) for path in paths)


@pytest.mark.e2e
def test_the_service_opens_only_its_roots_config_and_log_and_starts_no_process(tmp_path):
    log_dir = tmp_path / "logs"
    (tmp_path / "config.json").write_text(json.dumps({"logging": {"dir": str(log_dir)}}))
    marker = tmp_path / "marker"
    lines = requests_of_every_kind(marker)
    child = subprocess.Popen(
        [sys.executable, "-c", AUDITED_SYSMON, *tree_args(HOST)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=without_coverage(),
    )
    stdout, stderr = child.communicate(b"".join(line + b"\n" for line in lines), timeout=GUARD)
    assert child.returncode == 0
    assert len(stdout.splitlines()) > 500
    events = list(audit_events(stderr))
    assert events, "the audit hook saw nothing"
    (code,) = [line[5:] for line in stderr.decode().splitlines() if line.startswith("CODE\t")]
    readable = [str(HOST), str(tmp_path / "config.json"), code, *_python_prefixes()]
    opened_for_writing, read_elsewhere, changed, started = [], [], [], []
    for event, args in events:
        assert str(marker) not in repr(args)
        if event.startswith(_STARTS_PROCESSES) or event.startswith("socket."):
            started.append((event, args))
        elif event == "open":
            path, mode, flags = args
            if isinstance(path, int):
                continue  # an fd already open: stdin, stdout, the pipes
            path = os.path.join(tmp_path, os.fsdecode(path))  # relative to the cwd
            writes = any(c in (mode or "") for c in "wax+") or bool(flags & _WRITE_FLAGS)
            if writes:
                opened_for_writing.append(path)
            elif not any(path.startswith(prefix) for prefix in readable):
                read_elsewhere.append(path)
        elif event in ("os.listdir", "os.scandir"):
            path = os.path.join(tmp_path, os.fsdecode(args[0]) if args[0] is not None else ".")
            if not any(path.startswith(prefix) for prefix in readable):
                read_elsewhere.append(path)
        elif event == "os.mkdir":
            changed.append((event, os.fsdecode(args[0])))
        else:
            changed.append((event, args))
    assert started == []
    assert opened_for_writing == [str(log_dir / "sysmon.log")]
    assert changed in ([], [("os.mkdir", str(log_dir))])
    assert read_elsewhere == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "logs"]


# --------------------------------------------------------------------------------------
# Unprivileged


@pytest.mark.live
@pytest.mark.e2e
def test_as_nobody_on_the_real_proc_every_method_answers():
    need_root("to start a process as another uid")
    setpriv = need_tool("setpriv")
    nobody = (setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--")
    need(interpreter_runs_as(nobody),
         f"the interpreter behind {sys.executable} cannot be run by uid 65534")  # fmt: skip
    command = sysmon_command_for_any_user()
    workdir = Path(tempfile.mkdtemp(prefix="sysmon-nobody-"))
    try:
        workdir.chmod(0o755)
        lines = []
        for number, method in enumerate(METHODS):
            message = {
                "type": "request",
                "id": method,
                "source": "a",
                "correlation_id": str(number),
            }
            lines.append(json.dumps(message).encode())
            lines.append(json.dumps({"jsonrpc": "2.0", "id": number, "method": method}).encode())
        child = subprocess.Popen(
            [*nobody, *command, "--log-level", "debug"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=workdir,
            env=without_coverage(),
        )  # fmt: skip
        stdin = b"".join(line + b"\n" for line in lines)
        stdout, stderr = child.communicate(stdin, timeout=GUARD)
    finally:
        shutil.rmtree(workdir)
    assert child.returncode == 0, stderr
    assert b"Traceback" not in stderr
    messages = [json.loads(line) for line in stdout.splitlines()]
    assert messages[0]["id"] == "subprocess_ready"
    replies = [m for m in messages[1:] if m.get("target") != "broker"]
    broker = {m["id"]: m for m in replies if "jsonrpc" not in m}
    jsonrpc = {METHODS[m["id"]]: m for m in replies if "jsonrpc" in m}
    assert sorted(broker) == sorted(METHODS) == sorted(jsonrpc)
    assert all(m["type"] == "response" for m in broker.values()), broker
    assert all("result" in m for m in jsonrpc.values()), jsonrpc
    assert broker["RPCGetProcessStats"]["payload"]["processes_total"] >= 1
    assert "/" in broker["RPCGetDiskUsage"]["payload"]["disk"]


@pytest.mark.e2e
def test_the_only_socket_is_the_brokers_dialled_never_listened_on(tmp_path):
    """Under the current broker sysmon dials the broker's Unix socket: one AF_UNIX
    socket, one connect to that path, and no bind, listen or other address."""
    import socket

    with tempfile.TemporaryDirectory(prefix="sm-", dir="/tmp") as short:
        path = os.path.join(short, "broker.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(GUARD)
        child = subprocess.Popen(
            [sys.executable, "-c", AUDITED_SYSMON, *tree_args(HOST), "--uds-path", path],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env=without_coverage(),
        )
        try:
            connection, _ = listener.accept()
            connection.settimeout(GUARD)
            reader = connection.makefile("rb")
            assert b"subprocess_ready" in reader.readline()
            connection.sendall(
                b'{"type":"request","id":"RPCGetUptime","source":"t","correlation_id":"1"}\n'
            )
            assert b'"type":"response"' in reader.readline()
            reader.close()
            connection.close()  # the broker is gone: sysmon exits by itself
            _, stderr = child.communicate(timeout=GUARD)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=GUARD)
            listener.close()
    assert child.returncode == 0
    # a socket's repr is no literal: these events are read as text
    sockets = [
        line.split("\t")[1:]
        for line in stderr.decode("utf-8", "replace").splitlines()
        if line.startswith("AUDIT\tsocket.")
    ]
    assert [event for event, _ in sockets] == ["socket.__new__", "socket.connect"], sockets
    assert sockets[0][1].endswith(f", {int(socket.AF_UNIX)}, {int(socket.SOCK_STREAM)}, 0)")
    assert sockets[1][1].endswith(f", {path!r})")
