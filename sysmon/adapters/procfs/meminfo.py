"""/proc/meminfo as a dict of bytes."""

from __future__ import annotations

import logging

from sysmon.adapters.procfs.fields import text
from sysmon.domain.errors import ProcfsFormatError

log = logging.getLogger(__name__)

PATH = "/proc/meminfo"
KIB = 1024


def parse_meminfo(data: bytes) -> dict[str, int]:
    """``Key: value kB`` becomes value x 1024; a line without a unit keeps its value.

    The kernel prints ``%8lu`` right after the colon, so a wide value can touch it
    (``ShadowCallStack:10373888 kB``). Keys keep their parentheses (``Active(file)``).
    A line that does not fit is skipped, so one odd line never hides the others; a
    file with no usable line at all is an error.
    """
    if not data.strip():
        raise ProcfsFormatError(PATH, "empty")
    info: dict[str, int] = {}
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        key, colon, rest = line.partition(b":")
        key = key.strip()
        parts = rest.split()
        if colon and key and parts and parts[0].isdigit():
            if len(parts) == 1:  # HugePages_Total: 0
                info[text(key)] = int(parts[0])
                continue
            if len(parts) == 2 and parts[1] == b"kB":
                info[text(key)] = int(parts[0]) * KIB
                continue
        log.debug("%s: skipping malformed line %r", PATH, line)
    if not info:
        raise ProcfsFormatError(PATH, "no parseable line")
    return info
