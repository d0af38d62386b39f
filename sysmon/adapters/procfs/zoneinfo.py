"""/proc/zoneinfo: the summed ``low`` watermarks, for estimating MemAvailable before 3.14."""

from __future__ import annotations

from sysmon.adapters.procfs.fields import shown, to_int
from sysmon.domain.errors import ProcfsFormatError

PATH = "/proc/zoneinfo"


def parse_zoneinfo(data: bytes) -> int:
    """Sum of every zone's ``low`` watermark, in pages.

    Only lines reading ``low <n>`` count: the per-cpu pageset lines of 2.6.1x kernels
    (``low:   0``) are not watermarks and have a colon.
    """
    if not data.strip():
        raise ProcfsFormatError(PATH, "empty")
    total = 0
    found = False
    for line in data.split(b"\n"):
        stripped = line.strip()
        if not stripped.startswith(b"low "):
            continue
        fields = stripped.split()
        if len(fields) != 2:
            raise ProcfsFormatError(PATH, f"bad low watermark line {shown(stripped)}")
        total += to_int(fields[1], PATH, "low watermark")
        found = True
    if not found:
        raise ProcfsFormatError(PATH, "no low watermark")
    return total
