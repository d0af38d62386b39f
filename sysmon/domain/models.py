"""Plain records that cross the ports: what the kernel files say, already parsed.

Counters are integers in the kernel's own units (ticks, bytes, pages) so that the
domain, not the adapter, decides how to turn them into the figures a client sees.
A field a kernel may lack is ``None``, never a zero by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]

CPU_COLUMNS: tuple[str, ...] = (
    "user",
    "nice",
    "system",
    "idle",
    "iowait",  # Linux >= 2.5.41
    "irq",  # Linux >= 2.6.0
    "softirq",  # Linux >= 2.6.0
    "steal",  # Linux >= 2.6.11
    "guest",  # Linux >= 2.6.24
    "guest_nice",  # Linux >= 2.6.33
)


@dataclass(frozen=True, slots=True)
class CpuTimes:
    """The aggregate ``cpu`` line of /proc/stat in ticks; absent columns are 0."""

    user: int = 0
    nice: int = 0
    system: int = 0
    idle: int = 0
    iowait: int = 0
    irq: int = 0
    softirq: int = 0
    steal: int = 0
    guest: int = 0
    guest_nice: int = 0

    def as_tuple(self) -> tuple[int, ...]:
        return (
            self.user,
            self.nice,
            self.system,
            self.idle,
            self.iowait,
            self.irq,
            self.softirq,
            self.steal,
            self.guest,
            self.guest_nice,
        )


@dataclass(frozen=True, slots=True)
class KernelStat:
    """What sysmon uses of /proc/stat."""

    cpu: CpuTimes
    online_cpus: int
    boot_time: int | None = None
    procs_running: int | None = None  # Linux >= 2.5.45
    procs_blocked: int | None = None  # Linux >= 2.5.45


@dataclass(frozen=True, slots=True)
class LoadAvg:
    """/proc/loadavg: ``0.02 0.04 0.05 1/497 11947``."""

    load1: float
    load5: float
    load15: float
    runnable: int
    existing: int
    last_pid: int


@dataclass(frozen=True, slots=True)
class Uptime:
    """/proc/uptime: seconds since boot and idle seconds summed over CPUs."""

    uptime: float
    idle: float


@dataclass(frozen=True, slots=True)
class Mount:
    """One mount from mountinfo (or /proc/mounts on very old kernels).

    ``path`` is the mount point with octal escapes decoded, as raw bytes, so that a
    name that is not UTF-8 can still be measured; ``device`` is mountinfo's
    ``major:minor`` (the source column where only /proc/mounts exists).
    """

    path: bytes
    fstype: str
    device: str
    source: str


@dataclass(frozen=True, slots=True)
class FsUsage:
    """statvfs figures in bytes, as ``df`` derives them."""

    total: int
    used: int
    free: int


@dataclass(frozen=True, slots=True)
class NetDev:
    """One interface line of /proc/net/dev."""

    name: str
    rx_bytes: int
    rx_packets: int
    rx_errors: int
    rx_dropped: int
    tx_bytes: int
    tx_packets: int
    tx_errors: int
    tx_dropped: int


@dataclass(frozen=True, slots=True)
class ProcessTally:
    """A scan of /proc/[0-9]*/stat: how many tasks in each state letter, and their threads."""

    states: dict[str, int] = field(default_factory=dict)
    threads: int = 0


@dataclass(frozen=True, slots=True)
class KernelIdentity:
    """/proc/sys/kernel/{hostname,osrelease,ostype,arch}; ``arch`` is Linux >= 5.x only."""

    hostname: str
    osrelease: str
    ostype: str
    arch: str | None


@dataclass(frozen=True, slots=True)
class HostFacts:
    """The few facts not in /proc; injected so that a fake host can set them."""

    user_hz: int = 100
    page_size: int = 4096
    machine: str = ""
