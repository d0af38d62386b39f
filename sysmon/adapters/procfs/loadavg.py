"""/proc/loadavg: ``0.02 0.04 0.05 1/497 11947``."""

from __future__ import annotations

from sysmon.adapters.procfs.fields import shown, split_fields, to_float, to_int
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import LoadAvg

PATH = "/proc/loadavg"
FIELDS = 5


def parse_loadavg(data: bytes) -> LoadAvg:
    """Three load averages, runnable/existing scheduling entities, and the last pid used."""
    fields = split_fields(data, PATH, FIELDS)
    runnable, slash, existing = fields[3].partition(b"/")
    if not slash:
        raise ProcfsFormatError(PATH, f"bad task counts {shown(fields[3])} in field 4")
    return LoadAvg(
        load1=to_float(fields[0], PATH, "field 1"),
        load5=to_float(fields[1], PATH, "field 2"),
        load15=to_float(fields[2], PATH, "field 3"),
        runnable=to_int(runnable, PATH, "field 4"),
        existing=to_int(existing, PATH, "field 4"),
        last_pid=to_int(fields[4], PATH, "field 5"),
    )
