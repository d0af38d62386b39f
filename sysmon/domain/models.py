"""Plain records that cross the ports: what the kernel files say, already parsed.

Counters are integers in the kernel's own units (ticks, bytes, pages) so that the
domain, not the adapter, decides how to turn them into the figures a client sees.
A field a kernel may lack is ``None``, never a zero by accident.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from sysmon.domain.records import record

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
_cpu_columns = attrgetter(*CPU_COLUMNS)


@record
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
        """The ten columns in CPU_COLUMNS order."""
        return _cpu_columns(self)


@record
class KernelStat:
    """What sysmon uses of /proc/stat."""

    cpu: CpuTimes
    online_cpus: int
    boot_time: int | None = None
    procs_running: int | None = None  # Linux >= 2.5.45
    procs_blocked: int | None = None  # Linux >= 2.5.45


@record
class CpuStat:
    """/proc/stat in full: what ``KernelStat`` holds, each CPU's times, the kernel's counters.

    ``per_cpu`` maps a CPU's number (``cpu3`` is 3) to its times, in the file's order;
    an offline CPU has no line, so the numbers can have gaps. ``context_switches``
    (``ctxt``), ``forks`` (``processes``) and ``interrupts`` (the first number of
    ``intr``, the total since boot) are None where the file lacks the line.
    """

    stat: KernelStat
    per_cpu: dict[int, CpuTimes]
    context_switches: int | None = None
    forks: int | None = None
    interrupts: int | None = None


@record
class LoadAvg:
    """/proc/loadavg: ``0.02 0.04 0.05 1/497 11947``."""

    load1: float
    load5: float
    load15: float
    runnable: int
    existing: int
    last_pid: int


@record
class Uptime:
    """/proc/uptime: seconds since boot and idle seconds summed over CPUs."""

    uptime: float
    idle: float


@record
class Mount:
    """One mount from mountinfo (or /proc/mounts on very old kernels).

    ``path`` is the mount point with octal escapes decoded, as raw bytes, so that a
    name that is not UTF-8 can still be measured; ``device`` is mountinfo's
    ``major:minor`` (the source column where only /proc/mounts exists). ``root`` is the
    directory of the filesystem mounted there (mountinfo's 4th field, decoded; a cgroup
    mount inside a container shows the container's cgroup). ``mount_options`` are the
    per-mount options, ``super_options`` the filesystem's own (where a v1 cgroup
    names its controllers); /proc/mounts has one options column, given as both.
    """

    path: bytes
    fstype: str
    device: str
    source: str
    root: bytes = b"/"
    mount_options: str = ""
    super_options: str = ""


@record
class FsUsage:
    """statvfs figures in bytes, as ``df`` derives them, and its inode counts and flag.

    ``free`` is what an unprivileged user may still write (``f_bavail``); the blocks
    reserved for root are ``total - used - free``. ``files`` and ``files_free`` are
    ``f_files`` and ``f_ffree`` (0 on filesystems without fixed inodes, such as btrfs),
    None where the source cannot tell; ``readonly`` is ``f_flag & ST_RDONLY``.
    """

    total: int
    used: int
    free: int
    files: int | None = None
    files_free: int | None = None
    readonly: bool = False


@record
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


@record
class ProcessTally:
    """A scan of /proc/[0-9]*/stat: how many tasks in each state letter, and their threads."""

    states: dict[str, int]
    threads: int = 0


@record
class KernelIdentity:
    """/proc/sys/kernel/{hostname,osrelease,ostype,arch,version,domainname}.

    ``arch`` is Linux >= 5.x only; ``version`` (the build string ``uname -v`` prints)
    and ``domainname`` (the NIS domain, ``(none)`` where unset) are None where the
    file is absent.
    """

    hostname: str
    osrelease: str
    ostype: str
    arch: str | None
    version: str | None = None
    domainname: str | None = None


@record
class HostFacts:
    """The few facts not in /proc; injected so that a fake host can set them."""

    user_hz: int = 100
    page_size: int = 4096
    machine: str = ""


@record
class CgroupLine:
    """One line of /proc/self/cgroup: ``4:memory:/path`` (v1) or ``0::/path`` (v2).

    ``controllers`` is empty on the v2 line; a named v1 hierarchy shows as
    ``name=systemd``. ``path`` is as the kernel writes it (unescaped: it may hold spaces
    and colons, and a removed cgroup ends in `` (deleted)``).
    """

    hierarchy: int
    controllers: tuple[str, ...]
    path: bytes


@record
class PressureLine:
    """One line of a pressure file: ``some avg10=0.12 avg60=0.05 avg300=0.01 total=12345``.

    The averages are percentages as written; ``total_us`` is the stall time in µs.
    """

    avg10: float
    avg60: float
    avg300: float
    total_us: int
