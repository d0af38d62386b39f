"""One frame's worth of the host, read through the service's ports and methods.

Every section is read on its own: one that fails (a file that cannot be parsed, a
procfs that vanished) is kept as its error's text, and the rest of the frame is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sysmon.domain.cpu_shares import CpuBreakdown, cpu_breakdown
from sysmon.domain.errors import SysmonError, describe
from sysmon.domain.metrics import MetricsService
from sysmon.domain.models import CpuStat
from sysmon.domain.ports import ClockPort, ProcfsPort
from sysmon.domain.window import WindowSampler

Payload = Mapping[str, Any]
SECTIONS: dict[str, str] = {
    "system": "RPCGetSystemInfo",
    "uptime": "RPCGetUptime",
    "load": "RPCGetLoadAverage",
    "memory": "RPCGetMemoryInfo",
    "disk": "RPCGetDiskUsage",
    "network": "RPCGetNetworkStats",
    "processes": "RPCGetProcessStats",
    "container": "RPCGetContainerInfo",
    "pressure": "RPCGetPressure",
}


@dataclass(frozen=True)
class Snapshot:
    """What one frame shows: each section's payload, or why it is missing."""

    cpu: CpuBreakdown | None
    sections: dict[str, Payload]
    errors: dict[str, str] = field(default_factory=dict)

    def get(self, section: str) -> Payload | None:
        return self.sections.get(section)


class SnapshotSource:
    """Reads snapshots: the methods' payloads from the service (so its samplers, network
    rates among them, are the ones the JSON answers from), and the per-CPU shares over a
    window of the view's own, from the one per-CPU parser.
    """

    def __init__(self, metrics: MetricsService, procfs: ProcfsPort, clock: ClockPort) -> None:
        self._metrics = metrics
        self._cpu: WindowSampler[CpuStat] = WindowSampler(procfs.cpu_stat, clock)

    def start(self) -> None:
        """The baselines: the service's (CPU, network) and the per-CPU one."""
        self._metrics.start()
        self._cpu.start()

    def read(self) -> Snapshot:
        errors: dict[str, str] = {}
        cpu = _guarded(lambda: cpu_breakdown(self._cpu.window()), "cpu", errors)
        sections: dict[str, Payload] = {}
        for section, method in SECTIONS.items():
            payload = _guarded(partial(self._metrics.payload, method), section, errors)
            if payload is not None:
                sections[section] = payload
        return Snapshot(cpu, sections, errors)


def _guarded(read: Callable[[], Any], section: str, errors: dict[str, str]) -> Any:
    try:
        return read()
    except SysmonError as error:  # what the ports raise for a file that fails
        errors[section] = describe(error)
    return None
