"""/proc/self/cgroup and the files of a cgroup directory (cgroup v1 and v2 alike).

The cgroup files are read under the rootfs, at the directories the domain works out
from the mount table; each parser here takes one file kind: a single value (``max``
means none), a flat-keyed file (``memory.stat``, ``cpu.stat``, ``memory.events``,
``memory.oom_control``), ``cpu.max``, and a CPU list (``0-3,8``).
"""

from __future__ import annotations

from sysmon.adapters.procfs.fields import shown, to_int
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import CgroupLine

SELF_CGROUP_PATH = "/proc/self/cgroup"
NO_LIMIT = b"max"
V1_NO_QUOTA = b"-1"  # cpu.cfs_quota_us without a quota


def parse_self_cgroup(data: bytes, path: str = SELF_CGROUP_PATH) -> list[CgroupLine]:
    """``hierarchy-ID:controller-list:cgroup-path`` per line; the path is the rest of it."""
    lines: list[CgroupLine] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line:
            continue
        parts = line.split(b":", 2)
        if len(parts) != 3 or not parts[2].startswith(b"/"):
            raise ProcfsFormatError(path, f"line {number} is not ID:CONTROLLERS:/PATH")
        hierarchy, controllers, cgroup = parts
        names = tuple(name.decode("ascii", "replace") for name in controllers.split(b",") if name)
        lines.append(CgroupLine(to_int(hierarchy, path, f"line {number}"), names, cgroup))
    if not lines:
        raise ProcfsFormatError(path, "empty")
    return lines


def parse_limit(data: bytes, path: str) -> int | None:
    """A one-value file: a number, or None for ``max`` (v2) and ``-1`` (a v1 quota)."""
    value = data.strip()
    if not value:
        raise ProcfsFormatError(path, "empty")
    if value in (NO_LIMIT, V1_NO_QUOTA):
        return None
    return to_int(value, path, "the value")


def parse_keyed(data: bytes, path: str) -> dict[str, int]:
    """``key value`` lines, as memory.stat, cpu.stat, memory.events and oom_control are."""
    values: dict[str, int] = {}
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line:
            continue
        fields = line.split()
        if len(fields) != 2:
            raise ProcfsFormatError(path, f"line {number} is not 'KEY VALUE'")
        values[fields[0].decode("ascii", "replace")] = to_int(fields[1], path, f"line {number}")
    if not values:
        raise ProcfsFormatError(path, "empty")
    return values


def parse_cpu_max(data: bytes, path: str) -> tuple[int | None, int]:
    """v2 ``cpu.max``: ``QUOTA PERIOD`` in µs, where a quota of ``max`` is None."""
    fields = data.split()
    if len(fields) != 2:
        raise ProcfsFormatError(path, f"expected 'QUOTA PERIOD', not {shown(data.strip())}")
    quota = None if fields[0] == NO_LIMIT else to_int(fields[0], path, "the quota")
    period = to_int(fields[1], path, "the period")
    if period == 0:
        raise ProcfsFormatError(path, "a period of 0")
    return quota, period


def parse_cpu_count(data: bytes, path: str) -> int:
    """How many CPUs a list such as ``0-3,8`` names."""
    text = data.strip()
    if not text:
        raise ProcfsFormatError(path, "empty")
    count = 0
    for item in text.split(b","):
        first, dash, last = item.partition(b"-")
        low = to_int(first, path, "the CPU list")
        high = to_int(last, path, "the CPU list") if dash else low
        if high < low:
            raise ProcfsFormatError(path, f"range {shown(item)} runs backwards")
        count += high - low + 1
    return count
