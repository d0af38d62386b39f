"""Plain records that cross the ports: what the kernel files say, already parsed.

Counters are integers in the kernel's own units (ticks, bytes, pages) so that the
domain, not the adapter, decides how to turn them into the figures a client sees.
A field a kernel may lack is ``None``, never a zero by accident.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar

JSONDict = dict[str, Any]
_Record = TypeVar("_Record", bound=type)


def direct_init(cls: _Record) -> _Record:
    """Give a frozen, slotted dataclass an ``__init__`` that fills its slots directly.

    A frozen dataclass's own ``__init__`` goes round its ``__setattr__``, which refuses
    every assignment, by calling ``object.__setattr__`` once per field: about four
    times the instructions of the assignment itself, paid for every mount, interface
    and CPU line of every request. Setting each slot through its descriptor does the
    same thing. The new ``__init__`` has the same parameters, defaults and annotations;
    the class is otherwise untouched (still frozen, compared, hashed and printed as
    before). Only plain fields are supported: no factory, ``InitVar`` or keyword-only
    field, and no ``__post_init__``. Making the function costs about 0.3 ms at import,
    so it is for records built on requests, not for those built once.
    """
    params_of = vars(cls).get("__dataclass_params__")
    if params_of is None or not params_of.frozen or "__slots__" not in vars(cls):
        raise TypeError(f"{cls.__name__} is not a frozen, slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__")
    names: list[str] = []
    params: list[str] = []
    scope: dict[str, Any] = {}
    for item in fields(cls):
        if not item.init or item.kw_only or item.default_factory is not MISSING:
            raise TypeError(f"{cls.__name__}.{item.name}: only plain fields have a direct init")
        names.append(item.name)
        scope[f"_set_{item.name}"] = cls.__dict__[item.name].__set__
        if item.default is MISSING:
            params.append(item.name)
        else:
            scope[f"_default_{item.name}"] = item.default
            params.append(f"{item.name}=_default_{item.name}")
    original = vars(cls)["__init__"]
    code = original.__code__
    if code.co_varnames[: code.co_argcount + code.co_kwonlyargcount] != ("self", *names):
        raise TypeError(f"{cls.__name__}: its __init__ takes more than its fields")
    body = "".join(f"\n    _set_{name}(self, {name})" for name in names)
    exec(f"def __init__(self, {', '.join(params)}):{body or ' pass'}", scope)
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(original.__annotations__)
    type.__setattr__(cls, "__init__", init)
    return cls


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


@direct_init
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
        """The ten columns in CPU_COLUMNS order."""
        return _cpu_columns(self)


@direct_init
@dataclass(frozen=True, slots=True)
class KernelStat:
    """What sysmon uses of /proc/stat."""

    cpu: CpuTimes
    online_cpus: int
    boot_time: int | None = None
    procs_running: int | None = None  # Linux >= 2.5.45
    procs_blocked: int | None = None  # Linux >= 2.5.45


@dataclass(frozen=True, slots=True)
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


@direct_init
@dataclass(frozen=True, slots=True)
class LoadAvg:
    """/proc/loadavg: ``0.02 0.04 0.05 1/497 11947``."""

    load1: float
    load5: float
    load15: float
    runnable: int
    existing: int
    last_pid: int


@direct_init
@dataclass(frozen=True, slots=True)
class Uptime:
    """/proc/uptime: seconds since boot and idle seconds summed over CPUs."""

    uptime: float
    idle: float


@direct_init
@dataclass(frozen=True, slots=True)
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


@direct_init
@dataclass(frozen=True, slots=True)
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


@direct_init
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


@direct_init
@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class HostFacts:
    """The few facts not in /proc; injected so that a fake host can set them."""

    user_hz: int = 100
    page_size: int = 4096
    machine: str = ""


@dataclass(frozen=True, slots=True)
class CgroupLine:
    """One line of /proc/self/cgroup: ``4:memory:/path`` (v1) or ``0::/path`` (v2).

    ``controllers`` is empty on the v2 line; a named v1 hierarchy shows as
    ``name=systemd``. ``path`` is as the kernel writes it (unescaped: it may hold spaces
    and colons, and a removed cgroup ends in `` (deleted)``).
    """

    hierarchy: int
    controllers: tuple[str, ...]
    path: bytes


@dataclass(frozen=True, slots=True)
class PressureLine:
    """One line of a pressure file: ``some avg10=0.12 avg60=0.05 avg300=0.01 total=12345``.

    The averages are percentages as written; ``total_us`` is the stall time in µs.
    """

    avg10: float
    avg60: float
    avg300: float
    total_us: int
