"""Faults from outside: the broker going away, signals, a changing /proc, hidden
processes, and a mount whose measurement hangs.

A real ``sysmon`` process is spawned where the fault needs one (pipes, signals, exit);
the rest runs in-process. Waits on children are bounded by ``GUARD`` only so that a
broken child fails the test instead of hanging it; nothing here measures time.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from needs import need, need_root, need_tool
from pyfakefs import fake_filesystem
from spawned import interpreter_runs_as, sysmon_command_for_any_user, sysmon_executable

from sysmon.adapters.deadline import InlineDeadline, ThreadDeadline
from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.procfs import ProcfsReader
from sysmon.adapters.procfs.pid_stat import scan_processes
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.metrics import METHODS, MetricsService
from sysmon.domain.models import FsUsage, HostFacts, ProcessTally

ROOT = Path(__file__).resolve().parents[2]
HOST = ROOT / "sysmon" / "hosts" / "this-vm"
FACTS = HostFacts(user_hz=100, page_size=4096, machine="x86_64")
GUARD = 60.0
NOBODY = 65534


def spawn(
    workdir: Path, *args: str, tree: Path = HOST, wrapper: tuple[str, ...] = ()
) -> subprocess.Popen:
    command = [
        *(for_any_user() if wrapper else [sysmon_executable()]),
        "--procfs",
        str(tree / "proc"),
        "--rootfs",
        str(tree / "rootfs"),
    ]
    return subprocess.Popen(
        [*wrapper, *command, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=workdir,
        env=without_coverage() if wrapper else None,
    )


def without_coverage() -> dict[str, str]:
    """The environment without coverage's start-up hooks: a child running as another user
    could not write its data file beside the project, and would say so on stderr."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def for_any_user() -> list[str]:
    """This checkout's sysmon, runnable by uid 65534 wherever the clone is."""
    need(interpreter_runs_as(as_user(NOBODY)),
         f"the interpreter behind {sys.executable} cannot be run by uid {NOBODY}")  # fmt: skip
    return sysmon_command_for_any_user()


def as_user(uid: int) -> tuple[str, ...]:
    """A command prefix that runs the rest as ``uid`` (its own group, no other groups)."""
    if uid == os.geteuid():
        return ()
    return (need_tool("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--")


def request(method: str, cid: str) -> bytes:
    message = {"type": "request", "id": method, "source": "access", "target": "sysmon"}
    return json.dumps(message | {"correlation_id": cid}).encode() + b"\n"


def write_config(workdir: Path, **values: Any) -> None:
    (workdir / "config.json").write_text(json.dumps(values), encoding="utf-8")


def assert_quiet(stderr: bytes) -> None:
    assert b"Traceback" not in stderr, stderr.decode(errors="replace")
    assert b"Exception ignored" not in stderr, stderr.decode(errors="replace")


class Lines:
    """sysmon's stdout read line by line with a selector: a read never blocks past GUARD."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.fd = process.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.fd, selectors.EVENT_READ)
        self.pending = b""
        self.eof = False

    def next(self) -> dict[str, Any] | None:
        """The next message, or None at end of output."""
        while b"\n" not in self.pending:
            if self.eof:
                assert self.pending == b"", f"a partial line at the end: {self.pending[:200]!r}"
                return None
            if not self.selector.select(GUARD):
                raise AssertionError("sysmon wrote nothing for a long time")
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            self.eof = not chunk
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line)

    def rest(self) -> list[dict[str, Any]]:
        messages = []
        while (message := self.next()) is not None:
            messages.append(message)
        return messages


# --------------------------------------------------------------------------------------
# The broker goes away


@pytest.mark.e2e
def test_the_broker_closing_our_stdout_mid_stream_ends_sysmon_quietly_with_0(tmp_path):
    """Replies are on their way (a long pipelined run, requests waiting for the broker)
    when the reading end closes: sysmon exits 0 with no traceback."""
    child = spawn(tmp_path)
    lines = Lines(child)
    assert lines.next()["id"] == "subprocess_ready"
    batch = b"".join(request(METHODS[n % 9], f"c-{n}") for n in range(3000))
    writer = threading.Thread(target=_write_ignoring_a_closed_pipe, args=(child.stdin, batch))
    writer.start()
    for _ in range(50):  # sysmon is busy answering
        assert lines.next() is not None
    child.stdout.close()  # the broker's reading end is gone
    writer.join(GUARD)
    with contextlib.suppress(BrokenPipeError):
        child.stdin.close()
    assert child.wait(timeout=GUARD) == 0
    stderr = child.stderr.read()
    child.stderr.close()
    assert_quiet(stderr)
    assert b"the reader of our output is gone; exiting" in stderr


def _write_ignoring_a_closed_pipe(stream: Any, data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError):
        stream.write(data)
        stream.flush()


@pytest.mark.e2e
def test_end_of_input_answers_every_request_still_waiting_then_exits_0(tmp_path):
    """Hundreds of RPCGetSysMetrics wait for a broker that never answers (its timeout is a
    minute): closing our input answers each of them once, without message_stats."""
    write_config(tmp_path, sysmon_broker_timeout="1m")
    child = spawn(tmp_path)
    sent = [request("RPCGetSysMetrics", f"m-{n}") for n in range(300)]
    sent += [request("RPCGetUptime", f"u-{n}") for n in range(20)]
    stdout, stderr = child.communicate(b"".join(sent), timeout=GUARD)
    assert child.returncode == 0
    assert_quiet(stderr)
    messages = [json.loads(line) for line in stdout.splitlines()]
    assert messages[0]["id"] == "subprocess_ready"
    queries = [m for m in messages if m.get("target") == "broker"]
    assert [q["id"] for q in queries] == ["RPCGetMessageStats"]  # one query, shared
    replies = [m for m in messages[1:] if m.get("target") != "broker"]
    cids = sorted(m["correlation_id"] for m in replies)
    assert cids == sorted([f"m-{n}" for n in range(300)] + [f"u-{n}" for n in range(20)])
    for reply in replies:
        assert reply["type"] == "response"
        assert "message_stats" not in reply["payload"]
    assert {m["id"] for m in replies if m["correlation_id"].startswith("m-")} == {
        "RPCGetSysMetrics"
    }


# --------------------------------------------------------------------------------------
# SIGTERM


@pytest.mark.e2e
def test_sigterm_while_requests_wait_for_the_broker_answers_them_then_says_goodbye(tmp_path):
    write_config(tmp_path, sysmon_broker_timeout="1m")
    child = spawn(tmp_path)
    lines = Lines(child)
    assert lines.next()["id"] == "subprocess_ready"
    child.stdin.write(b"".join(request("RPCGetSysMetrics", f"m-{n}") for n in range(40)))
    child.stdin.flush()
    query = lines.next()
    assert (query["id"], query["target"]) == ("RPCGetMessageStats", "broker")
    # the first request is waiting; once an RPCGetUptime sent after all 40 is answered,
    # sysmon has read them all, and all 40 wait for the broker
    child.stdin.write(request("RPCGetUptime", "u-1"))
    child.stdin.flush()
    assert lines.next()["correlation_id"] == "u-1"
    child.send_signal(signal.SIGTERM)
    messages = lines.rest()
    assert child.wait(timeout=GUARD) == 0
    child.stdin.close()
    assert_quiet(child.stderr.read())
    child.stderr.close()
    assert sorted(m["correlation_id"] for m in messages[:-1]) == sorted(f"m-{n}" for n in range(40))
    assert all("message_stats" not in m["payload"] for m in messages[:-1])
    assert messages[-1] == {
        "type": "event",
        "id": "subprocess_shutdown",
        "payload": {"id": "sysmon", "reason": "signal received"},
        "source": "sysmon",
    }


@pytest.mark.e2e
def test_sigterm_in_the_middle_of_a_stream_leaves_whole_lines_and_no_duplicate(tmp_path):
    """The signal lands while thousands of requests stream in: every line written is
    whole JSON, each answers a request sent, none twice, and the shutdown event is last."""
    child = spawn(tmp_path)
    lines = Lines(child)
    assert lines.next()["id"] == "subprocess_ready"
    total, first = 20_000, 5_000
    batch = [request(METHODS[n % 9], f"c-{n}") for n in range(total)]
    signalled = threading.Event()

    def write() -> None:
        _write_ignoring_a_closed_pipe(child.stdin, b"".join(batch[:first]))
        signalled.wait(GUARD)  # the rest only once the signal is on its way
        _write_ignoring_a_closed_pipe(child.stdin, b"".join(batch[first:]))

    writer = threading.Thread(target=write)
    writer.start()
    seen = []
    while len(seen) < 500:
        message = lines.next()
        if message.get("target") != "broker":
            seen.append(message)
    child.send_signal(signal.SIGTERM)
    signalled.set()
    messages = seen + lines.rest()  # Lines.next fails on a partial last line
    assert child.wait(timeout=GUARD) == 0
    writer.join(GUARD)
    with contextlib.suppress(BrokenPipeError):
        child.stdin.close()
    assert_quiet(child.stderr.read())
    child.stderr.close()
    assert messages[-1]["id"] == "subprocess_shutdown"
    replies = [m for m in messages[:-1] if m.get("target") != "broker"]
    numbers = [int(m["correlation_id"][2:]) for m in replies]
    assert len(numbers) == len(set(numbers))
    assert set(numbers) <= set(range(total))
    assert all(m["type"] == "response" and m["id"] == METHODS[int(m["correlation_id"][2:]) % 9]
               for m in replies)  # fmt: skip
    # the signal is acted on at the next turn of the loop, one read (64 KiB) at most later
    assert len(numbers) < total


# --------------------------------------------------------------------------------------
# A /proc that changes under the scan


def pid_stat(pid: int, state: str = "S", threads: int = 1) -> str:
    return f"{pid} (task) {state} 1 1 1 0 -1 4194560 1 0 0 0 5 3 0 0 20 0 {threads} 0 10 1 2\n"


def write_tree(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_pid_directory_removed_between_listing_and_reading_is_not_counted(tmp_path):
    proc = tmp_path / "proc"
    write_tree(proc, {f"{pid}/stat": pid_stat(pid, "RSD"[pid % 3], pid) for pid in (1, 2, 3, 4)})
    names = os.listdir(proc)  # the scan's listing, taken before the process exits
    shutil.rmtree(proc / "3")
    (proc / "4" / "stat").unlink()  # the directory is still there, its stat is gone
    assert scan_processes(str(proc), names) == ProcessTally({"S": 1, "D": 1}, threads=3)


@pytest.mark.live
@pytest.mark.e2e
def test_a_real_process_that_exits_after_the_listing_is_skipped(tmp_path):
    """In a PID namespace of its own, a fresh procfs holds only the test's processes: a
    child listed, then killed and reaped, is gone when its stat is read."""
    script = textwrap.dedent(
        """
        import json, os, subprocess, sys
        from sysmon.adapters.procfs.pid_stat import scan_processes
        child = subprocess.Popen(["sleep", "600"])
        names = os.listdir("/proc")
        assert str(child.pid) in names
        child.kill()
        child.wait()
        assert not os.path.exists(f"/proc/{child.pid}")
        tally = scan_processes("/proc", names)
        print(json.dumps({"pid": os.getpid(), "states": tally.states, "threads": tally.threads}))
        """
    )
    command = ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-c", script]
    result = _run_if_namespaces_work(command)
    outcome = json.loads(result.stdout)
    assert outcome["pid"] == 1  # alone in its namespace
    assert outcome["states"] == {"R": 1}  # itself, reading; not the child that exited
    assert outcome["threads"] == 1


def _run_if_namespaces_work(command: list[str]) -> subprocess.CompletedProcess[str]:
    need_tool("unshare")
    result = subprocess.run(command, capture_output=True, text=True, timeout=GUARD, check=False)
    namespaces = result.returncode == 0 or "unshare failed" not in result.stderr
    need(namespaces, f"no namespaces here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    return result


# --------------------------------------------------------------------------------------
# Processes hidden from an unprivileged sysmon


def test_other_users_processes_with_unreadable_stat_are_not_counted(fs):
    """hidepid=1 as pyfakefs emulates it: other users' pid directories may be listed but
    not entered, or their stat not read. Only what the user can read is counted."""
    proc = "/host/proc"
    fs.create_file(f"{proc}/stat", contents="cpu  1 0 1 1 0 0 0 0 0 0\nprocs_blocked 0\n")
    fs.create_file(f"{proc}/1/stat", contents=pid_stat(1, "S", 1), st_mode=0o100600)
    fs.create_file(f"{proc}/2/stat", contents=pid_stat(2, "D", 4), st_mode=0o100600)
    fs.create_file(f"{proc}/3/stat", contents=pid_stat(3, "S", 2))
    os.chmod(f"{proc}/3", 0o700)  # the directory itself closed
    fs.create_file(f"{proc}/500/stat", contents=pid_stat(500, "R", 3))
    fs.create_file(f"{proc}/501/stat", contents=pid_stat(501, "S", 1))
    for path in (f"{proc}/500", f"{proc}/500/stat", f"{proc}/501", f"{proc}/501/stat"):
        os.chown(path, 1000, 1000)  # the user's own processes
    reader = ProcfsReader(proc, "/host/rootfs")
    service = MetricsService(reader, FakeClock(), InlineDeadline(), FACTS, DiskPolicy(), 0.0)
    assert service.collect("RPCGetProcessStats")["processes_total"] == 5  # root sees all
    fake_filesystem.set_uid(1000)
    try:
        payload = service.collect("RPCGetProcessStats")
    finally:
        fake_filesystem.reset_ids()
    assert (payload["processes_total"], payload["threads"]) == (2, 4)
    assert (payload["processes_running"], payload["processes_sleeping"]) == (1, 1)


@contextlib.contextmanager
def shared_tree_copy() -> Iterator[Path]:
    """A copy of the this-vm tree in a directory any user may enter (pytest's tmp_path is
    private to root), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="sysmon-faults-"))
    try:
        base.chmod(0o755)
        shutil.copytree(HOST, base / "host")
        yield base
    finally:
        shutil.rmtree(base)


def pids(tree: Path) -> list[Path]:
    return sorted(p for p in (tree / "proc").iterdir() if p.name.isdigit())


@pytest.mark.e2e
def test_an_unprivileged_sysmon_counts_only_the_processes_it_can_read():
    need_root("to start a process as another uid")
    with shared_tree_copy() as base:
        tree = base / "host"
        everyone = pids(tree)
        others = [p for p in everyone if p.name != "1"]  # the tree's mount table is pid 1's
        closed_dirs, closed_stats = others[::5], others[1::5]
        for directory in closed_dirs:
            directory.chmod(0o700)
        for directory in closed_stats:
            (directory / "stat").chmod(0o600)
        visible = len(everyone) - len(closed_dirs) - len(closed_stats)
        methods = [*METHODS, "RPCGetProcessStats"]
        batch = b"".join(request(m, f"c-{n}") for n, m in enumerate(methods))
        answers = {}
        for user in (0, NOBODY):
            child = spawn(base, tree=tree, wrapper=as_user(user))
            stdout, stderr = child.communicate(batch, timeout=GUARD)
            assert child.returncode == 0
            assert_quiet(stderr)
            replies = [json.loads(line) for line in stdout.splitlines()[1:]]
            replies = [m for m in replies if m.get("target") != "broker"]
            assert sorted(m["id"] for m in replies) == sorted(methods)
            assert all(m["type"] == "response" for m in replies), replies
            answers[user] = next(m for m in replies if m["id"] == "RPCGetProcessStats")
    assert answers[0]["payload"]["processes_total"] == len(everyone)
    assert answers[NOBODY]["payload"]["processes_total"] == visible
    assert 0 < visible < len(everyone)


@pytest.mark.e2e
def test_an_unprivileged_sysmon_names_a_mount_it_may_not_reach_in_unavailable():
    need_root("to start a process as another uid")
    base = Path(tempfile.mkdtemp(prefix="sysmon-faults-"))
    try:
        base.chmod(0o755)
        tree = small_tree(base / "host")
        with open(tree / "proc" / "1" / "mountinfo", "a") as mountinfo:
            mountinfo.write("23 20 8:3 / /private/vault rw,relatime - ext4 /dev/sda3 rw\n")
        (tree / "rootfs" / "private" / "vault").mkdir(parents=True)
        (tree / "rootfs" / "private").chmod(0o700)  # root's alone: not traversable
        call = b'{"jsonrpc":"2.0","id":1,"method":"RPCGetDiskUsage"}\n'
        answers = {}
        for user in (0, NOBODY):
            child = spawn(base, "--dialect", "jsonrpc", tree=tree, wrapper=as_user(user))
            stdout, stderr = child.communicate(call, timeout=GUARD)
            assert child.returncode == 0
            assert_quiet(stderr)
            answers[user] = json.loads(stdout)["result"]
    finally:
        shutil.rmtree(base)
    assert sorted(answers[0]["disk"]) == ["/", "/data", "/private/vault", "/stale"]
    assert "unavailable" not in answers[0]
    assert sorted(answers[NOBODY]["disk"]) == ["/", "/data", "/stale"]
    assert answers[NOBODY]["unavailable"] == {"/private/vault": "Permission denied"}


@pytest.mark.live
@pytest.mark.e2e
def test_under_hidepid_2_an_unprivileged_sysmon_sees_only_itself(tmp_path):
    """A real procfs mounted hidepid=2 in a mount and PID namespace of its own holds two
    processes: a root shell (pid 1) and sysmon as nobody, which sees itself alone. It
    still answers every method: the mount table falls back to /proc/self/mountinfo."""
    need_root("to mount a procfs")
    unshare, setpriv = need_tool("unshare"), need_tool("setpriv")
    mountpoint = Path(tempfile.mkdtemp(prefix="sysmon-hidepid-"))
    try:
        mountpoint.chmod(0o755)
        script = (
            'mount -t proc -o hidepid=2 proc "$0" || exit 97; '
            f"{setpriv} --reuid=65534 --regid=65534 --clear-groups -- "
            '"$@"; status=$?; ls "$0" >&2; exit $status'
        )  # sh stays pid 1, as root, for sysmon to be hidden from
        command = [
            unshare, "--pid", "--fork", "--mount", "--propagation", "private",
            "sh", "-c", script, str(mountpoint),
            *for_any_user(), "--procfs", str(mountpoint),
        ]  # fmt: skip
        methods = [*METHODS]
        batch = b"".join(request(m, f"c-{n}") for n, m in enumerate(methods))
        child = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=mountpoint,
            env=without_coverage(),
        )
        stdout, stderr = child.communicate(batch, timeout=GUARD)
    finally:
        mountpoint.rmdir()
    mounted = child.returncode == 0 or (b"unshare failed" not in stderr and child.returncode != 97)
    need(mounted, f"cannot mount a procfs here: {stderr.decode(errors='replace').strip()}")
    assert child.returncode == 0, stderr
    assert_quiet(stderr)
    listed_as_root = [name for name in stderr.decode().split() if name.isdigit()]
    assert "1" in listed_as_root  # the root shell, alive all along, hidden from sysmon
    replies = [json.loads(line) for line in stdout.splitlines()[1:]]
    replies = {m["id"]: m for m in replies if m.get("target") != "broker"}
    assert sorted(replies) == sorted(methods)
    assert all(m["type"] == "response" for m in replies.values()), replies
    processes = replies["RPCGetProcessStats"]["payload"]
    assert processes["processes_total"] == 1  # itself
    assert "/" in replies["RPCGetDiskUsage"]["payload"]["disk"]


# --------------------------------------------------------------------------------------
# A mount whose measurement hangs


MOUNTINFO = (
    "20 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
    "21 20 8:2 / /data rw,relatime - ext4 /dev/sda2 rw\n"
    "22 20 0:50 / /stale rw,relatime - nfs4 server:/export rw,addr=10.0.0.9\n"
)
TIMEOUT = 0.05


def small_tree(root: Path) -> Path:
    """A small host with three mounts, each a real directory under the rootfs."""
    write_tree(
        root / "proc",
        {
            "stat": "cpu  4000 0 1000 15000 0 0 0 0 0 0\ncpu0 4000 0 1000 15000 0 0 0 0 0 0\n"
            "btime 1795680000\nprocs_running 1\nprocs_blocked 0\n",
            "meminfo": "MemTotal: 8000000 kB\nMemFree: 1000000 kB\nMemAvailable: 6000000 kB\n"
            "Buffers: 200000 kB\nCached: 3000000 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n",
            "loadavg": "0.52 0.58 0.59 2/497 11947\n",
            "uptime": "12345.67 23456.78\n",
            "1/mountinfo": MOUNTINFO,
            "1/stat": pid_stat(1),
            "net/dev": "Inter-|   Receive    |  Transmit\n"
            " face |bytes    packets errs drop fifo frame compressed multicast|"
            "bytes    packets errs drop fifo colls carrier compressed\n"
            "  eth0: 9 5 0 0 0 0 0 0 1 4 0 0 0 0 0 0\n",
        },
    )
    for mount in ("data", "stale", "etc"):
        (root / "rootfs" / mount).mkdir(parents=True)
    return root


class StaleMountProcfs:
    """The real ProcfsReader, except that measuring one mount blocks until released,
    as statvfs does on a stale network mount."""

    def __init__(self, reader: ProcfsReader, stale: bytes) -> None:
        self._reader = reader
        self._stale = stale
        self.entered = threading.Event()
        self.release = threading.Event()
        self.returned = threading.Event()

    def fs_usage(self, mount_path: bytes) -> FsUsage:
        if mount_path == self._stale:
            self.entered.set()
            self.release.wait()
            self.returned.set()
        return self._reader.fs_usage(mount_path)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


@pytest.fixture
def stale_host(tmp_path):
    tree = small_tree(tmp_path)
    port = StaleMountProcfs(ProcfsReader(str(tree / "proc"), str(tree / "rootfs")), b"/stale")
    deadline = ThreadDeadline()
    service = MetricsService(
        port, FakeClock(), deadline, FACTS, DiskPolicy(timeout=TIMEOUT), cache_duration=0.0
    )
    yield port, deadline, service
    port.release.set()  # let the hung worker go, whatever the test did


def blocked_on_the_stale_mount() -> list[int]:
    """The threads whose stack is inside ``StaleMountProcfs.fs_usage`` right now."""
    return [ident for ident, frame in sys._current_frames().items() if _in_fs_usage(frame)]


def _in_fs_usage(frame: Any) -> bool:
    while frame is not None:
        code = frame.f_code
        if code.co_name == "fs_usage" and code.co_filename == __file__:
            return True
        frame = frame.f_back
    return False


def deadline_workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("sysmon-deadline")]


def test_a_hanging_mount_is_named_in_unavailable_and_the_rest_of_the_reply_arrives(stale_host):
    port, _, service = stale_host
    disk = service.collect("RPCGetDiskUsage")
    assert port.entered.is_set()
    assert sorted(disk["disk"]) == ["/", "/data"]
    assert disk["unavailable"] == {"/stale": f"timed out after {TIMEOUT:g}s"}
    assert disk["disk"]["/data"]["fstype"] == "ext4"
    assert disk["disk"]["/data"]["total"] > 0

    summary = service.collect("RPCGetSysMetrics")
    assert summary["unavailable"] == {"disk:/stale": f"timed out after {TIMEOUT:g}s"}
    assert sorted(summary["disk"]) == ["/", "/data"]
    assert summary["disk_total"] == sum(m["total"] for m in summary["disk"].values())
    assert summary["load_avg"] == [0.52, 0.58, 0.59]
    assert summary["uptime"] == 12345.67
    assert summary["memory_usage"] == 25.0
    assert summary["net_rx"] == 9


def test_repeated_requests_keep_at_most_one_worker_on_a_hung_mount(stale_host):
    port, deadline, service = stale_host
    before = set(deadline_workers())  # idle workers other tests' deadlines may have left
    for _ in range(50):
        disk = service.collect("RPCGetDiskUsage")
        assert disk["unavailable"] == {"/stale": f"timed out after {TIMEOUT:g}s"}
        assert sorted(disk["disk"]) == ["/", "/data"]
        assert len(blocked_on_the_stale_mount()) == 1
        assert len(set(deadline_workers()) - before) <= 3  # never more than one per mount
    assert deadline.hung_keys == ["/stale"]
    port.release.set()  # the mount comes back
    assert port.returned.wait(GUARD)
    # the statvfs has returned in its worker, which then clears the mount's hang: a
    # request in between would still, rightly, find it hung
    deadline_at = time.monotonic() + GUARD
    while deadline.hung_keys and time.monotonic() < deadline_at:
        time.sleep(0.01)
    disk = service.collect("RPCGetDiskUsage")
    assert sorted(disk["disk"]) == ["/", "/data", "/stale"]
    assert "unavailable" not in disk
    assert deadline.hung_keys == []


HUNG_AT_EXIT = """
import json, sys, threading
sys.path[:0] = [{tests!r}, {support!r}]
from test_faults import FACTS, StaleMountProcfs
from sysmon.adapters.clock import SystemClock
from sysmon.adapters.deadline import ThreadDeadline
from sysmon.adapters.procfs import ProcfsReader
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.metrics import MetricsService

def main():
    port = StaleMountProcfs(ProcfsReader({proc!r}, {rootfs!r}), b"/stale")  # never released
    service = MetricsService(port, SystemClock(), ThreadDeadline(), FACTS,
                             DiskPolicy(timeout=0.05), 0.0)
    disk = service.collect("RPCGetDiskUsage")
    hung = [t.daemon for t in threading.enumerate() if t.name.startswith("sysmon-deadline")]
    assert port.entered.is_set() and not port.release.is_set()
    print(json.dumps({{"unavailable": disk["unavailable"], "hung": hung}}), flush=True)

main()
"""


@pytest.mark.e2e
def test_a_hung_worker_never_holds_the_exit(tmp_path):
    tree = small_tree(tmp_path)
    script = HUNG_AT_EXIT.format(
        tests=str(Path(__file__).parent),
        support=str(Path(__file__).parents[1]),
        proc=str(tree / "proc"),
        rootfs=str(tree / "rootfs"),
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdout, stderr = child.communicate(timeout=GUARD)  # a hang guard only
    assert child.returncode == 0, stderr
    assert json.loads(stdout) == {
        "unavailable": {"/stale": "timed out after 0.05s"},
        "hung": [True],  # a daemon worker, still blocked when main returned
    }
