"""/proc/net/dev: per-interface byte, packet, error and drop counters."""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

from sysmon.adapters.procfs.fields import text, to_int
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import NetDev

PATH = "/proc/net/dev"
HEADER_LINES = 2
COUNTERS = 16  # 8 receive then 8 transmit columns
# 1-based columns after the name: rx bytes, packets, errs, drop; tx bytes, packets, errs, drop.
_USED = (1, 2, 3, 4, 9, 10, 11, 12)
_PICK_USED = itemgetter(*(column - 1 for column in _USED))


def parse_net_dev(data: bytes) -> list[NetDev]:
    """One ``NetDev`` per interface line, in the kernel's order.

    The name ends at the line's last colon: old kernels print ``%6s:%8lu``, so a long
    name and a wide counter touch (``veth1234567:12345678``).
    """
    if not data.strip():
        raise ProcfsFormatError(PATH, "empty")
    lines = data.split(b"\n")
    if len(lines) < HEADER_LINES or not all(b"|" in line for line in lines[:HEADER_LINES]):
        raise ProcfsFormatError(PATH, "missing header")
    devices: list[NetDev] = []
    for number, line in enumerate(lines[HEADER_LINES:], start=HEADER_LINES + 1):
        if not line.strip():
            continue
        colon = line.rfind(b":")
        name = text(line[:colon].strip()) if colon >= 0 else ""
        if not name:
            raise ProcfsFormatError(PATH, f"no interface name in line {number}")
        values = line[colon + 1 :].split()
        if len(values) < COUNTERS:
            raise ProcfsFormatError(
                PATH, f"not enough fields for {name} ({len(values)}, need {COUNTERS})"
            )
        used: tuple[bytes, ...] = _PICK_USED(values)
        counters: Iterable[int]
        if b"".join(used).isdigit():  # split() gives no empty field: every one is digits
            counters = map(int, used)
        else:
            counters = (to_int(values[c - 1], PATH, f"{name} field {c}") for c in _USED)
        # Positional, in NetDev's order (as _USED): a keyword call costs more than the record.
        devices.append(NetDev(name, *counters))
    return devices
