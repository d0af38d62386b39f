"""/proc/<pid>/stat for every process: a tally of state letters and threads.

This is the hot path of the service (a busy host has tens of thousands of pids), so the
scan does per process only what it must: one open, one whole read, one ``rfind`` and one
bounded split, with counts kept in a plain dict and no per-process objects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sysmon.adapters.procfs.fields import shown
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import ProcessTally

log = logging.getLogger(__name__)

PATH = "/proc/[pid]/stat"
# Fields after "(comm) ", 0-based: 0 is field 3 (state), 17 is field 20 (num_threads,
# Linux >= 2.6; a placeholder 0 before).
_STATE = 0
_THREADS = 17
_GONE = (FileNotFoundError, ProcessLookupError, PermissionError, NotADirectoryError)


def parse_pid_stat(data: bytes, path: str = PATH) -> tuple[bytes, int]:
    """The state letter and num_threads of one ``pid (comm) state ...`` line.

    comm may hold spaces and parentheses (``a) b``), so it ends at the LAST ``)``.
    """
    close = data.rfind(b")")
    if close < 0:
        raise ProcfsFormatError(path, "no ')' after the command name")
    fields = data[close + 1 :].split(None, _THREADS + 1)
    if len(fields) <= _THREADS:
        raise ProcfsFormatError(path, f"not enough fields ({len(fields) + 2}, need {_THREADS + 3})")
    state = fields[_STATE]
    if len(state) != 1 or not state.isalpha():
        raise ProcfsFormatError(path, f"bad state {shown(state)}")
    threads = fields[_THREADS]
    if not threads.isdigit():
        raise ProcfsFormatError(path, f"bad number {shown(threads)} in num_threads")
    return state, int(threads)


def scan_processes(root: str, names: Iterable[str]) -> ProcessTally:
    """Tally ``<root>/<pid>/stat`` for each all-digit name in ``names``.

    A process that exits mid-scan (ENOENT or ESRCH on open or read, or an empty read)
    or that the mount hides from us (hidepid: EACCES/EPERM) is not counted. A stat that
    does not parse is skipped with one debug line, so one odd process never fails the
    scan. Any other OSError propagates, for the reader to translate.
    """
    counts: dict[bytes, int] = {}
    threads = 0
    prefix = root + "/"
    for name in names:
        if not name.isdigit():
            continue
        path = prefix + name + "/stat"
        try:
            with open(path, "rb", buffering=0) as file:
                data = file.read()
        except _GONE:
            continue
        if not data:
            continue
        try:
            state, count = parse_pid_stat(data)
        except ProcfsFormatError as error:
            log.debug("skipping /proc/%s/stat: %s", name, error.reason)
            continue
        counts[state] = counts.get(state, 0) + 1
        threads += count
    return ProcessTally(
        states={state.decode("ascii"): n for state, n in counts.items()}, threads=threads
    )
