"""General system information: names, kernel, platform, processors and boot time."""

from __future__ import annotations

import time

from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import JSONDict, KernelIdentity, KernelStat


def iso_utc(epoch_seconds: int) -> str:
    """``2026-11-27T07:41:02Z``; a btime no calendar can hold (outside the years 1 to
    9999, as ``datetime``'s) is a garbled /proc/stat. ``time`` rather than ``datetime``:
    the one call is not worth that module's import at every start."""
    try:
        moment = time.gmtime(epoch_seconds)
    except (OverflowError, ValueError, OSError):
        moment = None
    if moment is None or not 1 <= moment.tm_year <= 9999:
        raise ProcfsFormatError("/proc/stat", f"btime {epoch_seconds} is out of range")
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", moment)


def sysinfo_payload(
    identity: KernelIdentity,
    stat: KernelStat,
    os_release: dict[str, str] | None,
    machine: str,
) -> JSONDict:
    """RPCGetSystemInfo; ``distribution`` only where <rootfs>/etc/os-release says one."""
    payload: JSONDict = {
        "hostname": identity.hostname,
        "kernel": identity.osrelease,
        "os": identity.ostype,
        "platform": identity.arch or machine,
        "processors": stat.online_cpus,
        "boot_time": iso_utc(stat.boot_time) if stat.boot_time is not None else None,
        "boot_time_unix": stat.boot_time,
    }
    if os_release and os_release.get("PRETTY_NAME"):
        payload["distribution"] = os_release["PRETTY_NAME"]
    return payload
