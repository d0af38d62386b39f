"""What every section shares: the plan, statistics, the table, children on real pipes,
and the CPU time and memory of a process read from /proc."""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
SYSMON = str(Path(PYTHON).with_name("sysmon"))
GUARD_SECONDS = 300.0  # a child that stops answering is killed after this, failing the run
MIB = 1024 * 1024


class BenchError(RuntimeError):
    """The benchmark cannot go on (a child died, a reply was not what was asked for)."""


def say(text: str) -> None:
    """Progress on stderr; the table alone goes to stdout."""
    sys.stderr.write(f"bench {time.strftime('%H:%M:%S')}: {text}\n")
    sys.stderr.flush()


# -- the plan --------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How much to measure; ``--quick`` shrinks every count for a smoke run."""

    quick: bool
    collect_rounds: int
    collect_block_seconds: float
    scan_processes: int
    scan_rounds: int
    pipeline_requests: int
    pipeline_rounds: int
    latency_rounds: int
    latency_block: int
    latency_block_slow: int
    startup_rounds: int
    rss_requests: int
    impact_seconds: int
    silent_seconds: int

    @classmethod
    def make(cls, quick: bool, requests: int | None, impact_seconds: int | None) -> Plan:
        if quick:
            plan = cls(True, 5, 0.001, 1000, 3, 2000, 2, 2, 100, 30, 3, 20_000, 3, 3)
        else:
            plan = cls(False, 31, 0.004, 10_000, 9, 20_000, 5, 10, 1000, 300, 15, 1_000_000, 60, 65)
        changes: dict[str, Any] = {}
        if requests is not None:
            changes["rss_requests"] = requests
        if impact_seconds is not None:
            changes["impact_seconds"] = impact_seconds
        return cls(**{**asdict(plan), **changes})


@dataclass
class Context:
    """Handed to every section: the plan, a scratch directory, and the figures so far."""

    plan: Plan
    workdir: Path
    figures: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def broker_dir(self, name: str, config: dict[str, Any]) -> Path:
        """A working directory as the broker gives its child: ``config.json`` in it."""
        directory = self.workdir / f"{name}-cwd"
        directory.mkdir(exist_ok=True)
        (directory / "config.json").write_text(json.dumps(config))
        return directory

    def config_file(self, name: str, document: dict[str, Any]) -> str:
        path = self.workdir / f"{name}.json"
        path.write_text(json.dumps(document))
        return str(path)


# -- statistics ------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return value / base


def rotated(items: Sequence[Any], turn: int) -> list[Any]:
    """The contenders in a different order each round, so none always goes first."""
    shift = turn % len(items)
    return [*items[shift:], *items[:shift]]


# -- the table -------------------------------------------------------------------------


@dataclass
class Row:
    """One figure: sysmon's, psutil's, the floor's (any may be None), and its format."""

    label: str
    sysmon: float | None
    psutil: float | None = None
    floor: float | None = None
    fmt: str = "{:,.1f}"


@dataclass
class Section:
    number: int
    title: str
    psutil_name: str
    floor_name: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    load: HostLoad | None = None

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}"


LABEL_WIDTH = 50
CELL = 11
RATIO = 8


def _cell(value: float | None, fmt: str, width: int) -> str:
    return (fmt.format(value) if value is not None else "").rjust(width)


def _ratio_cell(value: float | None) -> str:
    return (f"{value:.2f}x" if value is not None else "").rjust(RATIO)


def render_section(section: Section) -> list[str]:
    lines = ["", f"== {section.heading} =="]
    lines.append(
        "".ljust(LABEL_WIDTH)
        + "sysmon".rjust(CELL)
        + section.psutil_name.rjust(CELL)
        + ("vs" if section.psutil_name else "").rjust(RATIO)
        + section.floor_name.rjust(CELL)
        + ("vs" if section.floor_name else "").rjust(RATIO)
    )
    for row in section.rows:
        lines.append(
            row.label.ljust(LABEL_WIDTH)
            + _cell(row.sysmon, row.fmt, CELL)
            + _cell(row.psutil, row.fmt, CELL)
            + _ratio_cell(ratio(row.sysmon, row.psutil))
            + _cell(row.floor, row.fmt, CELL)
            + _ratio_cell(ratio(row.sysmon, row.floor))
        )
    lines.extend(f"  {note}" for note in section.notes)
    if section.load is not None:
        lines.append(f"  {section.load.describe()}")
    return lines


# -- timing ----------------------------------------------------------------------------


def time_block(fn: Callable[[], Any], count: int) -> float:
    """Microseconds per call of ``count`` calls in a row."""
    clock = time.perf_counter_ns
    start = clock()
    for _ in range(count):
        fn()
    return (clock() - start) / count / 1000


# -- children on real pipes ------------------------------------------------------------


def child_environment() -> dict[str, str]:
    """Our environment without what would change how a child runs (broker fds, coverage)."""
    dropped = ("RPC_INPUT_FD", "RPC_OUTPUT_FD", "PROCESS_ID", "COVERAGE_PROCESS_START")
    return {k: v for k, v in os.environ.items() if k not in dropped}


class Child:
    """A child process spoken to through raw pipe fds, the way the broker does."""

    _count = 0

    def __init__(
        self,
        argv: Sequence[str],
        workdir: Path,
        name: str,
        guard: float = GUARD_SECONDS,
        cwd: Path | None = None,
    ) -> None:
        Child._count += 1
        self.name = name
        self.log_path = workdir / f"{name}-{Child._count}.stderr"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=cwd or workdir,
                env=child_environment(),
                bufsize=0,
            )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.pid = self.proc.pid
        self.wfd = self.proc.stdin.fileno()
        self.rfd = self.proc.stdout.fileno()
        self._buffer = b""
        self._watchdog = threading.Timer(guard, self.kill)
        self._watchdog.daemon = True
        self._watchdog.start()

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.wfd, view) :]

    def line(self) -> bytes:
        """The next line the child writes, newline included."""
        buffer = self._buffer
        while True:
            end = buffer.find(b"\n")
            if end >= 0:
                self._buffer = buffer[end + 1 :]
                return buffer[: end + 1]
            chunk = os.read(self.rfd, 65536)
            if not chunk:
                raise self.gone()
            buffer += chunk

    def count_lines(self, wanted: int) -> tuple[int, bytes]:
        """Read until ``wanted`` lines have come; the error replies among them and the last."""
        data = self._buffer
        seen = data.count(b"\n")
        errors = data.count(b'"type":"error"')
        while seen < wanted:
            data = os.read(self.rfd, 1 << 20)
            if not data:
                raise self.gone()
            seen += data.count(b"\n")
            errors += data.count(b'"type":"error"')
        self._buffer = b""
        last = data.rstrip(b"\n").rpartition(b"\n")[2]
        return errors, last

    def gone(self) -> BenchError:
        self.proc.poll()
        try:
            tail = self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            tail = ""
        return BenchError(
            f"{self.name} (pid {self.pid}) closed its output (status {self.proc.returncode}); "
            f"its stderr ends with:\n{tail}"
        )

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()

    def close(self) -> None:
        """End of input, then a bounded wait, then SIGKILL: the child never outlives us."""
        self._watchdog.cancel()
        with contextlib.suppress(OSError):
            self.proc.stdin.close()  # type: ignore[union-attr]
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            self.proc.wait()
        self.proc.stdout.close()  # type: ignore[union-attr]


@contextlib.contextmanager
def spawned(
    argv: Sequence[str],
    workdir: Path,
    name: str,
    guard: float = GUARD_SECONDS,
    cwd: Path | None = None,
) -> Iterator[Child]:
    child = Child(argv, workdir, name, guard, cwd)
    try:
        yield child
    finally:
        child.close()


ECHO = "import os, sys\nfor line in iter(sys.stdin.buffer.readline, b''):\n    os.write(1, line)\n"


@contextlib.contextmanager
def echo_child(ctx: Context) -> Iterator[Child]:
    """The floor of a pipe round trip: a bare Python child writing each line straight back."""
    with spawned([PYTHON, "-u", "-c", ECHO], ctx.workdir, "echo") as child:
        yield child


@contextlib.contextmanager
def sysmon_child(
    ctx: Context, name: str, config: dict[str, Any], guard: float = GUARD_SECONDS
) -> Iterator[Child]:
    """The installed console script after its ready event, started as the broker starts
    it: no arguments, in a directory of its own whose ``config.json`` is ``config``."""
    with spawned(
        [SYSMON], ctx.workdir, f"sysmon-{name}", guard, ctx.broker_dir(name, config)
    ) as child:
        ready = child.line()
        if b"subprocess_ready" not in ready:
            raise BenchError(f"sysmon's first line is not its ready event: {ready[:200]!r}")
        yield child


def request(method: str, correlation_id: str = "b1") -> bytes:
    message = {
        "type": "request",
        "id": method,
        "source": "bench",
        "target": "sysmon",
        "correlation_id": correlation_id,
    }
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


STATS_PAYLOAD = {"total": {"total_sent": 1, "total_received": 2}}


def stats_reply(query: bytes) -> bytes:
    """The broker's answer to sysmon's RPCGetMessageStats request."""
    message = json.loads(query)
    reply = {
        "type": "response",
        "id": message["id"],
        "payload": STATS_PAYLOAD,
        "source": "broker",
        "target": message.get("source", "sysmon"),
        "correlation_id": message["correlation_id"],
    }
    return json.dumps(reply, separators=(",", ":")).encode() + b"\n"


def answer_as_broker(child: Child) -> bytes:
    """Read up to the reply to our request, answering sysmon's broker queries on the way."""
    while True:
        line = child.line()
        if line.startswith(b'{"type":"request"'):
            child.send(stats_reply(line))
            continue
        return line


def expect_response(line: bytes, what: str) -> None:
    if not line.startswith(b'{"type":"response"'):
        raise BenchError(f"{what}: expected a response, got {line[:300]!r}")


def pipelined(child: Child, line: bytes, count: int) -> tuple[float, int, bytes]:
    """Seconds for ``count`` requests written by a thread while we count the replies."""
    batch = 256
    full, rest = divmod(count, batch)
    chunk = line * batch

    def write() -> None:
        with contextlib.suppress(OSError):
            for _ in range(full):
                child.send(chunk)
            if rest:
                child.send(line * rest)

    writer = threading.Thread(target=write, name="bench-writer", daemon=True)
    start = time.perf_counter()
    writer.start()
    errors, last = child.count_lines(count)
    elapsed = time.perf_counter() - start
    writer.join()
    return elapsed, errors, last


# -- a process seen from /proc ---------------------------------------------------------


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", "rb") as file:
        for line in file:
            if line.startswith(b"VmRSS:"):
                return int(line.split()[1])
    raise BenchError(f"no VmRSS for pid {pid}")


def task_cpu_ns(pid: int) -> int:
    """Sum of the first schedstat field (ns on the CPU) over the process's live threads."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        path = f"/proc/{pid}/task/{tid}/schedstat"
        with contextlib.suppress(FileNotFoundError, ProcessLookupError), open(path, "rb") as file:
            total += int(file.read().split()[0])
    return total


def stat_cpu_ticks(pid: int) -> int:
    """utime + stime of /proc/PID/stat: every thread, exited ones too, in clock ticks."""
    with open(f"/proc/{pid}/stat", "rb") as file:
        fields = file.read().rpartition(b")")[2].split()
    return int(fields[11]) + int(fields[12])


class CpuGroup:
    """A cgroup of our own around one child: its CPU in ns, threads that exited included."""

    def __init__(self, path: Path, usage: Callable[[Path], int]) -> None:
        self.path = path
        self._usage = usage

    @classmethod
    def create(cls) -> CpuGroup | None:
        name = f"sysmon-bench-{os.getpid()}"
        v1 = Path("/sys/fs/cgroup/cpuacct")
        v2 = Path("/sys/fs/cgroup")
        candidates: list[tuple[Path, Callable[[Path], int]]] = []
        if (v1 / "cpuacct.usage").exists():
            candidates.append((v1, lambda p: int((p / "cpuacct.usage").read_text())))
        if (v2 / "cgroup.controllers").exists():
            candidates.append((v2, _v2_usage_ns))
        for base, usage in candidates:
            try:
                (base / name).mkdir()
            except OSError:
                continue
            return cls(base / name, usage)
        return None

    def add(self, pid: int) -> bool:
        try:
            (self.path / "cgroup.procs").write_text(f"{pid}\n")
        except OSError:
            return False
        return True

    def usage_ns(self) -> int:
        return self._usage(self.path)

    def remove(self) -> None:
        """Hand any process still inside back to the parent group, then remove ours."""
        with contextlib.suppress(OSError):
            for pid in (self.path / "cgroup.procs").read_text().split():
                (self.path.parent / "cgroup.procs").write_text(f"{pid}\n")
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)


def _v2_usage_ns(path: Path) -> int:
    for line in (path / "cpu.stat").read_text().splitlines():
        key, _, value = line.partition(" ")
        if key == "usage_usec":
            return int(value) * 1000
    raise BenchError(f"{path}/cpu.stat has no usage_usec")


def python_rss_kib(code: str, workdir: Path, *args: str) -> int:
    """VmRSS of a fresh interpreter (the service's) after running ``code``, on stderr."""
    probe = (
        code + "\nfor _l in open('/proc/self/status'):\n"
        "    if _l.startswith('VmRSS:'):\n        print(_l.split()[1], file=sys.stderr)\n"
    )
    result = subprocess.run(
        [PYTHON, "-c", "import sys\n" + probe, *args],
        cwd=workdir,
        env=child_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stderr.split()[-1])


# -- the machine -----------------------------------------------------------------------


@dataclass
class HostLoad:
    """How busy the whole machine was over a stretch, and how much of that was us."""

    busy_percent: float  # of all CPUs, from /proc/stat
    ours_percent: float  # of all CPUs: this process and the children it has waited for

    @property
    def others_percent(self) -> float:
        return max(self.busy_percent - self.ours_percent, 0.0)

    def describe(self) -> str:
        return (
            f"host during this section: CPUs {self.busy_percent:.0f}% busy, "
            f"{self.ours_percent:.0f}% the benchmark and its children, "
            f"{self.others_percent:.0f}% everything else"
        )


def _cpu_snapshot() -> tuple[int, int, float, float]:
    with open("/proc/stat", "rb") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # all but idle and iowait; no guest
    times = os.times()
    ours = times.user + times.system + times.children_user + times.children_system
    return busy, sum(fields[:8]), ours, time.monotonic()


@contextlib.contextmanager
def host_load() -> Iterator[list[HostLoad]]:
    """Yields a list that holds the stretch's ``HostLoad`` once the block is over."""
    found: list[HostLoad] = []
    before = _cpu_snapshot()
    yield found
    after = _cpu_snapshot()
    ticks = max(after[1] - before[1], 1)
    cpus = len(os.sched_getaffinity(0)) or 1
    wall = max(after[3] - before[3], 1e-9)
    found.append(
        HostLoad(
            busy_percent=(after[0] - before[0]) / ticks * 100,
            ours_percent=(after[2] - before[2]) / (wall * cpus) * 100,
        )
    )


def source(tree: Path) -> str:
    """Where the measured sysmon comes from: the tree, and its commit when it is a checkout."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        command = ["git", "-C", str(tree), *args]
        return subprocess.run(command, check=False, capture_output=True, text=True)

    head = git("rev-parse", "--short", "HEAD")
    if head.returncode != 0:
        return str(tree)
    changed = git("status", "--porcelain", "--", "sysmon").stdout.strip()
    return f"{tree} at {head.stdout.strip()}" + (" with uncommitted changes" if changed else "")


def machine() -> dict[str, str]:
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    memory = ""
    with contextlib.suppress(OSError), open("/proc/meminfo") as meminfo:
        memory = f"{int(meminfo.readline().split()[1]) / MIB:.1f} GiB"
    import psutil

    import sysmon
    from sysmon import __version__

    return {
        "source": source(Path(sysmon.__file__).resolve().parents[1]),
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": model,
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "psutil": psutil.__version__,
        "sysmon": __version__,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
