"""Load averages and task counts from /proc/loadavg."""

from sysmon.domain.models import JSONDict, LoadAvg


def load_payload(load: LoadAvg) -> JSONDict:
    """RPCGetLoadAverage."""
    return {
        "load1": load.load1,
        "load5": load.load5,
        "load15": load.load15,
        "runnable_tasks": load.runnable,
        "existing_tasks": load.existing,
        "last_pid": load.last_pid,
    }
