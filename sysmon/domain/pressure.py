"""RPCGetPressure: pressure stall information of the host and of sysmon's v2 cgroup.

For each resource, ``some`` is the share of time in which at least one task was
stalled on it, ``full`` the share in which all non-idle tasks were (node_exporter's
``waiting`` and ``stalled``). A line the kernel does not write is None: cpu's ``full``
appears from Linux 5.13 (system-wide it means nothing, and reads 0 from 5.18), irq
(6.1+) has only ``full``. A resource that cannot be read is None and named in
``unavailable``: a kernel without PSI still gets an answer.
"""

from __future__ import annotations

from sysmon.domain.cgroups import V2, Placement, shown
from sysmon.domain.errors import ServiceUnavailable, SysmonError, describe
from sysmon.domain.models import JSONDict, PressureLine
from sysmon.domain.ports import ProcfsPort

RESOURCES = ("cpu", "memory", "io", "irq")
KINDS = ("some", "full")
USEC = 1e6


def line_payload(line: PressureLine | None) -> JSONDict | None:
    if line is None:
        return None
    return {
        "avg10": line.avg10,
        "avg60": line.avg60,
        "avg300": line.avg300,
        "total_seconds": line.total_us / USEC,
    }


def _resources(
    procfs: ProcfsPort, directory: bytes | None, prefix: str, unavailable: dict[str, str]
) -> JSONDict:
    out: JSONDict = {}
    for resource in RESOURCES:
        try:
            lines = procfs.pressure(resource, directory)
        except ServiceUnavailable:
            raise
        except SysmonError as error:
            unavailable[prefix + resource] = describe(error)
            out[resource] = None
            continue
        if lines is None:
            where = f"/proc/pressure/{resource}" if directory is None else (
                f"{shown(directory).rstrip('/')}/{resource}.pressure")  # fmt: skip
            unavailable[prefix + resource] = f"{where}: missing"
            out[resource] = None
            continue
        out[resource] = {kind: line_payload(lines.get(kind)) for kind in KINDS}
    return out


def pressure_payload(procfs: ProcfsPort, placement: Placement) -> JSONDict:
    """``cpu``, ``memory``, ``io``, ``irq``, ``cgroup`` and, if anything is missing,
    ``unavailable``: ``{resource: reason}``, ``cgroup.<resource>`` for the cgroup's files.
    """
    unavailable: dict[str, str] = {}
    payload = _resources(procfs, None, "", unavailable)
    v2 = placement.get(V2)
    if v2 is None:
        payload["cgroup"] = None
        unavailable["cgroup"] = placement.unavailable.get(
            V2, placement.unavailable.get("cgroup", "no cgroup v2 hierarchy")
        )
    else:
        cgroup = {"path": shown(v2.path)}
        cgroup.update(_resources(procfs, v2.directory, "cgroup.", unavailable))
        payload["cgroup"] = cgroup
    if unavailable:
        payload["unavailable"] = unavailable
    return payload
