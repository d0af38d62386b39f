"""/proc/uptime: ``350735.47 234388.90``."""

from __future__ import annotations

from sysmon.adapters.procfs.fields import split_fields, to_float
from sysmon.domain.models import Uptime

PATH = "/proc/uptime"
FIELDS = 2


def parse_uptime(data: bytes) -> Uptime:
    """Seconds since boot, and idle seconds summed over all CPUs."""
    fields = split_fields(data, PATH, FIELDS)
    return Uptime(
        uptime=to_float(fields[0], PATH, "field 1"),
        idle=to_float(fields[1], PATH, "field 2"),
    )
