"""Uptime and idle time, as /proc/uptime gives them."""

from sysmon.domain.models import JSONDict, Uptime


def uptime_payload(uptime: Uptime) -> JSONDict:
    """RPCGetUptime; idle is summed over CPUs and can exceed uptime."""
    return {"uptime": uptime.uptime, "idle_time": uptime.idle}
