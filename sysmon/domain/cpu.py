"""CPU usage over a recent window, never an average since boot."""

from __future__ import annotations

from collections.abc import Callable
from operator import sub

from sysmon.domain.models import CPU_COLUMNS, CpuTimes, JSONDict
from sysmon.domain.ports import ClockPort, ProcfsPort
from sysmon.domain.records import record
from sysmon.domain.window import MIN_WINDOW_SECONDS, Sample, Window, WindowSampler

# A cgroup's CPU seconds and where they were read, taken with each sample of /proc/stat.
CgroupCounter = Callable[[], "tuple[bytes, float] | None"]
_IDLE, _IOWAIT, _GUEST, _GUEST_NICE = 3, 4, 8, 9


def busy_and_total(deltas: tuple[int, ...]) -> tuple[int, int]:
    """Guest time is already inside user and nice, so it is taken out of the total once."""
    total = sum(deltas) - deltas[_GUEST] - deltas[_GUEST_NICE]
    return total - deltas[_IDLE] - deltas[_IOWAIT], total


def usage_percent(before: CpuTimes, after: CpuTimes) -> float:
    """Busy share of the window; each column's step is clamped at 0 (counters can step back)."""
    deltas = tuple(
        [step if step > 0 else 0 for step in map(sub, after.as_tuple(), before.as_tuple())]
    )
    busy, total = busy_and_total(deltas)
    if total <= 0:
        return 0.0
    return round(min(max(busy / total * 100.0, 0.0), 100.0), 2)


@record
class CpuReading:
    """The aggregate cpu line, and the cgroup's CPU seconds read with it (with the
    directory they came from), when there are any.
    """

    times: CpuTimes
    cgroup: tuple[bytes, float] | None = None


@record
class CpuWindow:
    """Usage between two samples; ``latest`` is the newer one. ``cgroup_seconds`` is the
    CPU time sysmon's cgroup used meanwhile, None unless both samples read the same one.
    """

    usage_percent: float
    seconds: float
    latest: Sample[CpuReading]
    cgroup_seconds: float | None = None


def cpu_window(window: Window[CpuReading]) -> CpuWindow:
    before, after = window.before.value, window.after.value
    usage = usage_percent(before.times, after.times)
    cgroup = None
    if before.cgroup and after.cgroup and before.cgroup[0] == after.cgroup[0]:
        cgroup = max(after.cgroup[1] - before.cgroup[1], 0.0)
    return CpuWindow(usage, window.seconds, window.after, cgroup)


class CpuSampler:
    """RPCCPUUsage's window (see ``WindowSampler``), with the cgroup's counter read at
    the same instants as /proc/stat.
    """

    def __init__(
        self,
        procfs: ProcfsPort,
        clock: ClockPort,
        min_window: float = MIN_WINDOW_SECONDS,
        cgroup: CgroupCounter | None = None,
    ) -> None:
        self._procfs = procfs
        self._cgroup = cgroup
        self._sampler: WindowSampler[CpuReading] = WindowSampler(self._read, clock, min_window)
        self._last: tuple[Window[CpuReading], CpuWindow] | None = None

    def _read(self) -> CpuReading:
        times = self._procfs.kernel_stat().cpu
        return CpuReading(times, None if self._cgroup is None else self._cgroup())

    def start(self) -> None:
        """Take the baseline sample; failures are left for the first request to report."""
        self._sampler.start()

    def window(self) -> CpuWindow:
        window = self._sampler.window()
        if self._last is None or self._last[0] is not window:
            self._last = (window, cpu_window(window))
        return self._last[1]


def cpu_payload(window: CpuWindow, user_hz: int) -> JSONDict:
    """RPCCPUUsage: the ten times in seconds since boot plus the window's usage."""
    payload: JSONDict = {
        name: ticks / user_hz
        for name, ticks in zip(CPU_COLUMNS, window.latest.value.times.as_tuple(), strict=True)
    }
    payload["usage_percent"] = window.usage_percent
    payload["window_seconds"] = round(window.seconds, 6)
    payload["timestamp"] = window.latest.epoch
    return payload
