"""/proc/uptime: ``350735.47 234388.90``."""

from __future__ import annotations

from sysmon.adapters.procfs.fields import to_float
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import Uptime

PATH = "/proc/uptime"
FIELDS = 2


def parse_uptime(data: bytes) -> Uptime:
    """Seconds since boot, and idle seconds summed over all CPUs."""
    fields = data.split()
    if not fields:
        raise ProcfsFormatError(PATH, "empty")
    if len(fields) < FIELDS:
        raise ProcfsFormatError(PATH, f"not enough fields ({len(fields)}, need {FIELDS})")
    return Uptime(
        uptime=to_float(fields[0], PATH, "field 1"),
        idle=to_float(fields[1], PATH, "field 2"),
    )
