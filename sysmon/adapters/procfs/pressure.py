"""Pressure stall information: /proc/pressure/{cpu,memory,io,irq} and a cgroup's ``*.pressure``.

Linux >= 4.20 (CONFIG_PSI). Each line is ``some|full avg10=A avg60=B avg300=C total=T``:
cpu's ``full`` line appears from 5.13, irq (6.1+) has only a ``full`` line.
"""

from __future__ import annotations

from sysmon.adapters.procfs.fields import shown, to_float, to_int
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import PressureLine

KINDS = (b"some", b"full")
_KEYS = (b"avg10=", b"avg60=", b"avg300=", b"total=")


def parse_pressure(data: bytes, path: str) -> dict[str, PressureLine]:
    """``{"some": …, "full": …}``, each present only where the kernel wrote its line."""
    lines: dict[str, PressureLine] = {}
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line:
            continue
        fields = line.split()
        where = f"line {number}"
        if len(fields) != 1 + len(_KEYS) or fields[0] not in KINDS:
            raise ProcfsFormatError(
                path, f"{where} is not 'some|full avg10= avg60= avg300= total=': {shown(line)}"
            )
        values: list[bytes] = []
        for key, item in zip(_KEYS, fields[1:], strict=True):
            if not item.startswith(key):
                raise ProcfsFormatError(path, f"{where}: expected {shown(key)}, not {shown(item)}")
            values.append(item[len(key) :])
        avg10, avg60, avg300 = (to_float(value, path, where) for value in values[:3])
        lines[fields[0].decode()] = PressureLine(
            avg10, avg60, avg300, to_int(values[3], path, where)
        )
    if not lines:
        raise ProcfsFormatError(path, "empty")
    return lines
