"""Load: a test broker pipelines thousands of requests into a spawned sysmon.

The requests are mixed across the eleven methods and both dialects: broker envelopes,
JSON-RPC calls with integer and string ids, JSON-RPC notifications and batches. The
broker answers sysmon's RPCGetMessageStats queries, and ignores one in five (the
second, the seventh, …: the first is answered, so that message_stats is seen). Every
request owed a reply must get exactly one, naming its own id and carrying its own
method's answer; nothing may be lost; and sysmon's resident memory, taken after a
warm-up and again at the end, must not grow by 2 MiB.

Requests are written from a thread while the main thread reads, so neither pipe can
fill up and deadlock the two sides. ``scripts/load_long.py`` runs the same driver for
a million requests.
"""

from __future__ import annotations

import contextlib
import json
import queue
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import spawned

from sysmon.domain.metrics import METHODS

ROOT = Path(__file__).resolve().parents[2]
HOST = ROOT / "sysmon" / "hosts" / "this-vm"
STATS_FILE = ROOT / "sysmon" / "broker_replies" / "message_stats_total.json"
GUARD = 120.0  # kills a hung child so that the test fails instead of hanging
SLOTS = 8  # ids per line: a batch has at most this many members
# One key only each method's answer has: a reply to the wrong method is caught.
SIGNATURE = {
    "RPCGetSysMetrics": "cpu_usage",
    "RPCGetDiskUsage": "disk",
    "RPCGetNetworkStats": "total_rx",
    "RPCGetMemoryInfo": "swap_total",
    "RPCGetLoadAverage": "load1",
    "RPCGetUptime": "idle_time",
    "RPCCPUUsage": "iowait",
    "RPCGetProcessStats": "processes_total",
    "RPCGetSystemInfo": "hostname",
    "RPCGetContainerInfo": "cgroup_version",
    "RPCGetPressure": "cgroup",
}
CONFIG = {
    # short enough that the broker is asked often during a run
    "sysmon_cache_duration": "50ms",
    "sysmon_broker_timeout": "1s",  # an answer is never late, unless the broker ignores it
    "sysmon_broker_retry": "200ms",
}
_OWED, _ANSWERED = 1, 2


def status_kib(pid: int, key: str) -> int:
    """VmRSS or VmHWM of a process, in KiB, from /proc/PID/status."""
    with open(f"/proc/{pid}/status") as status:
        for row in status:
            if row.startswith(key + ":"):
                return int(row.split()[1])
    raise LookupError(key)


@dataclass
class LoadReport:
    requests: int = 0  # lines sent: requests, notifications and batches
    calls: int = 0  # requests and notifications, batch members counted one by one
    notifications: int = 0
    batches: int = 0
    owed: int = 0  # replies owed: one per request, one per batch holding a request
    replies: int = 0  # replies received (a batch's array counts as one)
    lost: int = 0
    duplicates: int = 0
    strays: int = 0  # replies naming no request sent
    wrong: int = 0  # replies that are errors, or another method's answer
    with_stats: int = 0  # broker-dialect RPCGetSysMetrics replies with message_stats
    without_stats: int = 0
    broker_queries: int = 0
    broker_ignored: int = 0
    by_method: dict[str, int] = field(default_factory=dict)  # "<dialect> <method>": calls
    rss_start_kib: int = 0
    rss_warm_kib: int = 0
    rss_end_kib: int = 0
    rss_peak_kib: int = 0
    rss_samples: list[tuple[int, int]] = field(default_factory=list)  # (replies, VmRSS KiB)
    seconds: float = 0.0
    exit_status: int | None = None
    tracebacks: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def rss_growth_kib(self) -> int:
        return self.rss_end_kib - self.rss_warm_kib


class _Ledger:
    """What each id is owed: one byte per (line, member) slot, and the method's index."""

    def __init__(self, count: int) -> None:
        self.state = bytearray(count * SLOTS)
        self.method = bytearray(count * SLOTS)

    def owe(self, slot: int, method: int) -> None:
        self.state[slot] = _OWED
        self.method[slot] = method

    def settle(self, slot: int | None, report: LoadReport) -> int | None:
        """Mark a slot answered; the method it was owed for, or None (counted) if not owed."""
        if slot is None or not 0 <= slot < len(self.state) or self.state[slot] == 0:
            report.strays += 1
            return None
        if self.state[slot] == _ANSWERED:
            report.duplicates += 1
            return None
        self.state[slot] = _ANSWERED
        return self.method[slot]

    def outstanding(self) -> int:
        return self.state.count(_OWED)


def _slot_of(value: Any) -> int | None:
    """The slot an id names: ``b-N`` and ``r-N`` and N are line N; ``r-N-K`` member K."""
    if type(value) is int:
        return value * SLOTS
    if type(value) is not str or value[:2] not in ("b-", "r-"):
        return None
    parts = value[2:].split("-")
    if not all(part.isdigit() for part in parts) or len(parts) > 2:
        return None
    return int(parts[0]) * SLOTS + (int(parts[1]) if len(parts) == 2 else 0)


class _Lines:
    """Deterministic request lines: the mix, the ids, and what each is owed."""

    def __init__(self, seed: int, ledger: _Ledger, report: LoadReport) -> None:
        self.rng = random.Random(seed)
        self.ledger = ledger
        self.report = report

    def line(self, number: int) -> bytes:
        rng, report = self.rng, self.report
        pick = rng.random()
        report.requests += 1
        if pick < 0.01:
            return self._batch(number)
        method = rng.randrange(len(METHODS))
        if pick < 0.49:
            self._owe(number * SLOTS, method, "broker")
            message = {"type": "request", "id": METHODS[method], "source": "access",
                       "target": "sysmon", "correlation_id": f"b-{number}"}  # fmt: skip
            return json.dumps(message, separators=(",", ":")).encode() + b"\n"
        call: dict[str, Any] = {"jsonrpc": "2.0", "method": METHODS[method]}
        if pick < 0.52:  # a notification: owed nothing
            report.calls += 1
            report.notifications += 1
        else:
            call["id"] = number if number % 2 else f"r-{number}"
            self._owe(number * SLOTS, method, "jsonrpc")
        if rng.random() < 0.1:
            call["params"] = rng.choice([[], {}, None])
        return json.dumps(call, separators=(",", ":")).encode() + b"\n"

    def _batch(self, number: int) -> bytes:
        self.report.batches += 1
        members = []
        owed = False
        for member in range(self.rng.randint(1, SLOTS)):
            method = self.rng.randrange(len(METHODS))
            call: dict[str, Any] = {"jsonrpc": "2.0", "method": METHODS[method]}
            if self.rng.random() < 0.2:
                self.report.calls += 1
                self.report.notifications += 1
            else:
                call["id"] = f"r-{number}-{member}"
                self._owe(number * SLOTS + member, method, "jsonrpc", counted=False)
                owed = True
            members.append(call)
        if owed:
            self.report.owed += 1
        return json.dumps(members, separators=(",", ":")).encode() + b"\n"

    def _owe(self, slot: int, method: int, dialect: str, counted: bool = True) -> None:
        self.ledger.owe(slot, method)
        self.report.calls += 1
        if counted:
            self.report.owed += 1
        key = f"{dialect} {METHODS[method]}"
        self.report.by_method[key] = self.report.by_method.get(key, 0) + 1


def run_load(
    count: int,
    workdir: Path,
    *,
    seed: int = 5,
    warmup: int = 5_000,
    sample_every: int = 0,
    ignore_every: int = 5,
    guard: float = GUARD,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Pipeline ``count`` request lines into a spawned sysmon; the report of what came back."""
    import time

    report = LoadReport()
    ledger = _Ledger(count)
    lines = _Lines(seed, ledger, report)
    stats = json.loads(STATS_FILE.read_text())["exchanges"][0]["reply"]
    (workdir / "config.json").write_text(json.dumps(CONFIG))
    stderr_path = workdir / "stderr.log"
    child, watchdog = spawned.spawn_guarded(HOST, workdir, stderr_path, guard)
    assert child.stdin is not None and child.stdout is not None
    answers: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    written = threading.Event()
    stdin_fd = child.stdin.fileno()

    def write_all(data: bytes) -> None:
        spawned.write_all(stdin_fd, data)

    def writer() -> None:
        with contextlib.suppress(BrokenPipeError):
            number = 0
            while number < count:
                chunk = []
                for _ in range(min(200, count - number)):
                    chunk.append(lines.line(number))
                    number += 1
                with contextlib.suppress(queue.Empty):
                    while True:
                        answer = answers.get_nowait()
                        if answer is not None:
                            chunk.append(answer)
                write_all(b"".join(chunk))
            written.set()
            while (answer := answers.get()) is not None:
                write_all(answer)
        child.stdin.close()

    thread = threading.Thread(target=writer, daemon=True)
    started = time.perf_counter()
    received = 0
    try:
        ready = json.loads(child.stdout.readline())
        assert ready["id"] == "subprocess_ready", ready
        report.rss_start_kib = status_kib(child.pid, "VmRSS")
        thread.start()
        for data in child.stdout:
            reply = json.loads(data)
            if type(reply) is dict and reply.get("target") == "broker":
                report.broker_queries += 1
                if report.broker_queries % ignore_every == 2:  # the 2nd, the 7th, …
                    report.broker_ignored += 1
                else:
                    answer = dict(stats, correlation_id=reply["correlation_id"])
                    answers.put(json.dumps(answer).encode() + b"\n")
                continue
            report.replies += 1
            _check(reply, ledger, report)
            received += 1
            if received == warmup:
                report.rss_warm_kib = status_kib(child.pid, "VmRSS")
            if sample_every and received % sample_every == 0:
                report.rss_samples.append((received, status_kib(child.pid, "VmRSS")))
            if progress is not None and received % 10_000 == 0:
                progress(received)
            if written.is_set() and received >= report.owed:
                report.rss_end_kib = status_kib(child.pid, "VmRSS")
                report.rss_peak_kib = status_kib(child.pid, "VmHWM")
                report.seconds = time.perf_counter() - started
                answers.put(None)  # the writer closes sysmon's input: it exits
        report.exit_status = child.wait(timeout=guard)
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
            child.wait()
        answers.put(None)
        thread.join(guard)
        child.stdout.close()
    report.lost = ledger.outstanding()
    report.tracebacks = stderr_path.read_bytes().count(b"Traceback")
    if not report.rss_end_kib:
        report.problems.append("sysmon's output ended before every reply came")
    return report


def _check(reply: Any, ledger: _Ledger, report: LoadReport) -> None:
    if type(reply) is list:
        for member in reply:
            _check_member(member, _slot_of(member.get("id")), ledger, report)
        return
    if "jsonrpc" in reply:
        _check_member(reply, _slot_of(reply.get("id")), ledger, report)
        return
    method = ledger.settle(_slot_of(reply.get("correlation_id")), report)
    if method is None:
        return
    name = METHODS[method]
    payload = reply.get("payload")
    if (
        reply.get("type") != "response"
        or reply.get("id") != name
        or type(payload) is not dict
        or SIGNATURE[name] not in payload
    ):
        report.wrong += 1
    elif name == "RPCGetSysMetrics":
        if "message_stats" in payload:
            report.with_stats += 1
        else:
            report.without_stats += 1


def _check_member(reply: Any, slot: int | None, ledger: _Ledger, report: LoadReport) -> None:
    method = ledger.settle(slot, report)
    if method is None:
        return
    result = reply.get("result")
    if type(result) is not dict or SIGNATURE[METHODS[method]] not in result:
        report.wrong += 1


@pytest.mark.e2e
def test_twenty_thousand_pipelined_requests_are_each_answered_once(tmp_path):
    report = run_load(20_000, tmp_path)
    assert report.problems == []
    assert report.exit_status == 0
    assert report.tracebacks == 0
    assert report.replies == report.owed
    assert (report.lost, report.duplicates, report.strays, report.wrong) == (0, 0, 0, 0)
    # the mix: every method in both dialects, notifications, batches, a busy broker
    assert set(report.by_method) == {f"{d} {m}" for d in ("broker", "jsonrpc") for m in METHODS}
    assert min(report.by_method.values()) > 500
    assert report.notifications > 0 and report.batches > 0
    assert report.broker_ignored > 0
    assert report.with_stats > 0
    assert report.rss_growth_kib < 2048, report
