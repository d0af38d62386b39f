"""What a fake host knows about itself: plain records the script edits and the text renders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sysmon.adapters.fake_host.cgroups import Cgroups
from sysmon.domain.models import CPU_COLUMNS

COLUMN = {name: index for index, name in enumerate(CPU_COLUMNS)}
# The service's names for the net/dev columns it reads, and where they sit among the 16.
NET_COUNTER = {
    "rx_bytes": 0, "rx_packets": 1, "rx_errors": 2, "rx_dropped": 3,
    "tx_bytes": 8, "tx_packets": 9, "tx_errors": 10, "tx_dropped": 11,
}  # fmt: skip
NET_COUNTERS = 16


def spread(total: int, parts: int) -> list[int]:
    """``total`` split over ``parts`` as evenly as integers allow; the first take the rest."""
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


@dataclass(slots=True)
class Cpus:
    """Per-CPU tick counters, ten columns each; ``columns`` is how many the kernel prints.

    ``numbers`` are the CPUs' numbers in the file (gaps where a CPU is offline; 0, 1, …
    by default). ``rest`` is what a captured tree's aggregate line held beyond the sum
    of its CPU lines, kept so that the aggregate goes on from where the tree left it.
    """

    per_cpu: list[list[int]]
    columns: int = len(CPU_COLUMNS)
    numbers: list[int] = field(default_factory=list)
    rest: list[int] = field(default_factory=lambda: [0] * len(CPU_COLUMNS))

    @property
    def count(self) -> int:
        return len(self.per_cpu)

    def labels(self) -> list[str]:
        numbers = self.numbers or list(range(self.count))
        return [f"cpu{number}" for number in numbers]

    def aggregate(self) -> list[int]:
        summed = [sum(column) for column in zip(*self.per_cpu, strict=True)]
        return [total + rest for total, rest in zip(summed, self.rest, strict=True)]

    def add(self, deltas: list[int]) -> None:
        for index, delta in enumerate(deltas):
            for cpu, share in zip(self.per_cpu, spread(delta, self.count), strict=True):
                cpu[index] += share

    def set_aggregate(self, totals: list[int]) -> None:
        shares = [spread(total, self.count) for total in totals]
        self.per_cpu = [list(column) for column in zip(*shares, strict=True)]
        self.rest = [0] * len(CPU_COLUMNS)


@dataclass(slots=True)
class Process:
    """One task as /proc/<pid>/stat shows it."""

    name: bytes
    state: str
    threads: int
    ppid: int
    start_ticks: int


@dataclass(slots=True)
class Interface:
    """The 16 counters of a /proc/net/dev line; they wrap at ``2 ** width``."""

    counters: list[int] = field(default_factory=lambda: [0] * NET_COUNTERS)
    width: int = 64

    def move(self, deltas: dict[str, int]) -> None:
        for name, delta in deltas.items():
            index = NET_COUNTER[name]
            self.counters[index] = (self.counters[index] + delta) % (1 << self.width)

    def set(self, values: dict[str, int]) -> None:
        for name, value in values.items():
            if not 0 <= value < 1 << self.width:
                raise ValueError(f"{name}={value} does not fit a {self.width}-bit counter")
            self.counters[NET_COUNTER[name]] = value


@dataclass(slots=True)
class MountEntry:
    """A mount table line and the statvfs figures its filesystem reports."""

    mount_id: int
    path: bytes
    fstype: str
    device: str
    source: str
    total: int = 0
    used: int = 0
    free: int = 0
    files: int | None = None
    files_free: int | None = None
    readonly: bool = False
    root: bytes = b"/"
    options: str = "rw,relatime"
    super_options: str = "rw"


def check_names(names: Iterable[str], known: Iterable[str], what: str) -> None:
    """A TypeError naming the unknown keyword arguments, as a misspelt keyword would get."""
    allowed = list(known)
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise TypeError(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(allowed)})")


IDENTITY_FILES = ("hostname", "osrelease", "ostype", "arch", "version", "domainname")
STAT_FIELDS = ("ctxt", "btime", "processes", "procs_running", "procs_blocked")


@dataclass(slots=True)
class HostState:
    """Everything the files of a fake host are rendered from.

    ``stat_tail`` is /proc/stat after the cpu lines: a field name where the value is the
    script's, verbatim bytes for lines kept as captured (``intr``, ``softirq`` …).
    """

    cpus: Cpus
    uptime_centis: int
    idle_centis: int
    btime: int
    meminfo: dict[str, int]
    stat_tail: list[str | bytes] = field(
        default_factory=lambda: [b"intr 0\n", *STAT_FIELDS, b"softirq 0 0 0 0 0 0 0 0 0 0 0\n"]
    )
    ctxt: int = 0
    zones: list[tuple[str, int]] | None = None
    loads: tuple[float, float, float] = (0.0, 0.0, 0.0)
    processes: dict[int, Process] = field(default_factory=dict)
    next_pid: int = 1
    forks: int = 0
    interfaces: dict[str, Interface] = field(default_factory=dict)
    mount_table: str = "mountinfo"  # or "mounts", before Linux 2.6.26
    mounts: list[MountEntry] = field(default_factory=list)
    identity: dict[str, str | None] = field(default_factory=dict)
    os_release_path: str = "/etc/os-release"
    os_release: bytes | None = None
    cgroups: Cgroups | None = None  # None: /proc/self/cgroup and the cgroup files are absent
    # /proc/pressure by resource, then line kind: [avg10, avg60, avg300, total µs]; None: no PSI
    pressure: dict[str, dict[str, list[float]]] | None = None
