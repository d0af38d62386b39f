"""Task counts by state, the way ``top`` counts them."""

from __future__ import annotations

from sysmon.domain.models import JSONDict, ProcessTally

_RUNNING = frozenset("R")
_STOPPED = frozenset("Tt")
_ZOMBIE = frozenset("Z")


def process_payload(tally: ProcessTally, procs_blocked: int | None) -> JSONDict:
    """RPCGetProcessStats; every state other than R, T, t and Z counts as sleeping."""
    running = stopped = zombie = sleeping = 0
    for state, count in tally.states.items():
        if state in _RUNNING:
            running += count
        elif state in _STOPPED:
            stopped += count
        elif state in _ZOMBIE:
            zombie += count
        else:
            sleeping += count
    return {
        "processes_running": running,
        "processes_sleeping": sleeping,
        "processes_stopped": stopped,
        "processes_zombie": zombie,
        "processes_total": running + sleeping + stopped + zombie,
        "threads": tally.threads,
        "procs_blocked": procs_blocked,
    }
