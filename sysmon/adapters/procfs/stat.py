"""/proc/stat: the aggregate cpu line, online CPUs, boot time and task counts.

Two parsers: ``parse_stat`` reads only what every request needs and skips the per-CPU
lines after counting them; ``parse_cpu_stat`` reads the file in full (each CPU's times,
``ctxt``, ``processes``, the ``intr`` total) for the exporter and the terminal view.
"""

from __future__ import annotations

from sysmon.adapters.procfs.fields import to_int
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import CpuStat, CpuTimes, KernelStat

PATH = "/proc/stat"
# user, nice, system and idle exist on every kernel; iowait (2.5.41), irq and softirq
# (2.6.0), steal (2.6.11), guest (2.6.24) and guest_nice (2.6.33) came later.
MIN_CPU_COLUMNS = 4


def _cpu_times(values: list[bytes], name: str = "cpu") -> CpuTimes:
    if len(values) < MIN_CPU_COLUMNS:
        raise ProcfsFormatError(
            PATH, f"not enough fields in {name} line ({len(values)}, need {MIN_CPU_COLUMNS})"
        )
    # Columns a future kernel may append are ignored; missing ones stay 0.
    used = values[:10]
    if b"".join(used).isdigit():  # split() gives no empty field: every one is digits
        return CpuTimes(*map(int, used))
    ticks = [to_int(v, PATH, f"{name} field {i}") for i, v in enumerate(used, start=1)]
    return CpuTimes(*ticks)


def _value(line: bytes, key: str) -> int:
    fields = line.split()
    if len(fields) < 2:
        raise ProcfsFormatError(PATH, f"not enough fields in {key} line")
    return to_int(fields[1], PATH, key)


def parse_stat(data: bytes) -> KernelStat:
    """Parse /proc/stat; ``btime`` and ``procs_*`` are None where a kernel lacks them."""
    if not data.strip():
        raise ProcfsFormatError(PATH, "empty")
    cpu: CpuTimes | None = None
    online = 0
    boot_time = running = blocked = None
    # Lines are tested by prefix before any split: the intr line can hold thousands of
    # numbers and is of no use here.
    for line in data.split(b"\n"):
        if line.startswith(b"cpu"):
            name, _, rest = line.partition(b" ")
            if name == b"cpu":
                if cpu is None:
                    cpu = _cpu_times(rest.split())
            elif name[3:].isdigit():
                online += 1
        elif line.startswith(b"btime "):
            boot_time = _value(line, "btime")
        elif line.startswith(b"procs_running "):  # Linux >= 2.5.45
            running = _value(line, "procs_running")
        elif line.startswith(b"procs_blocked "):  # Linux >= 2.5.45
            blocked = _value(line, "procs_blocked")
    if cpu is None:
        raise ProcfsFormatError(PATH, "no aggregate cpu line")
    return KernelStat(
        cpu=cpu,
        online_cpus=online,
        boot_time=boot_time,
        procs_running=running,
        procs_blocked=blocked,
    )


def _first_number(line: bytes, key: str) -> int:
    """The first value of a line that may hold thousands (``intr``), without splitting it all."""
    first = line[len(key) + 1 :].lstrip().partition(b" ")[0]
    if not first:
        raise ProcfsFormatError(PATH, f"not enough fields in {key} line")
    return to_int(first, PATH, key)


# The one-number lines parse_cpu_stat keeps; procs_* are Linux >= 2.5.45.
_NAMED = frozenset({b"ctxt", b"btime", b"processes", b"procs_running", b"procs_blocked"})


def parse_cpu_stat(data: bytes) -> CpuStat:
    """Parse /proc/stat in full; counters the file lacks are None (see ``CpuStat``)."""
    if not data.strip():
        raise ProcfsFormatError(PATH, "empty")
    cpu: CpuTimes | None = None
    per_cpu: dict[int, CpuTimes] = {}
    named: dict[bytes, int] = {}
    interrupts = None
    for line in data.split(b"\n"):
        if line.startswith(b"cpu"):
            name, _, rest = line.partition(b" ")
            number = name[3:]
            if not number:
                if cpu is None:
                    cpu = _cpu_times(rest.split())
            elif number.isdigit():
                per_cpu[int(number)] = _cpu_times(rest.split(), name.decode())
        elif line.startswith(b"intr "):
            interrupts = _first_number(line, "intr")
        else:
            key = line.partition(b" ")[0]
            if key in _NAMED:
                named[key] = _value(line, key.decode())
    if cpu is None:
        raise ProcfsFormatError(PATH, "no aggregate cpu line")
    stat = KernelStat(
        cpu=cpu,
        online_cpus=len(per_cpu),
        boot_time=named.get(b"btime"),
        procs_running=named.get(b"procs_running"),
        procs_blocked=named.get(b"procs_blocked"),
    )
    return CpuStat(
        stat,
        per_cpu,
        context_switches=named.get(b"ctxt"),
        forks=named.get(b"processes"),
        interrupts=interrupts,
    )
