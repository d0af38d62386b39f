"""CPU usage over a recent window, never an average since boot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import sub

from sysmon.domain.models import CPU_COLUMNS, CpuTimes, JSONDict, direct_init
from sysmon.domain.ports import ClockPort, ProcfsPort

MIN_WINDOW_SECONDS = 0.1
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


@direct_init
@dataclass(frozen=True, slots=True)
class CpuSample:
    """One read of the aggregate cpu line, with when it was taken, and the cgroup's
    CPU seconds read with it (with the directory they came from), when there are any.
    """

    times: CpuTimes
    monotonic: float
    epoch: float
    cgroup: tuple[bytes, float] | None = None


@direct_init
@dataclass(frozen=True, slots=True)
class CpuWindow:
    """Usage between two samples; ``latest`` is the newer one. ``cgroup_seconds`` is the
    CPU time sysmon's cgroup used meanwhile, None unless both samples read the same one.
    """

    usage_percent: float
    seconds: float
    latest: CpuSample
    cgroup_seconds: float | None = None


class CpuSampler:
    """Keeps the previous sample so that each answer covers a window of at least 100 ms.

    A baseline is taken at start. A request within 100 ms of the baseline waits out the
    rest (through the clock port) the first time; after that it is answered with the
    last complete window, so rapid requests never block and never see a tiny window.
    """

    def __init__(
        self,
        procfs: ProcfsPort,
        clock: ClockPort,
        min_window: float = MIN_WINDOW_SECONDS,
        cgroup: CgroupCounter | None = None,
    ) -> None:
        self._procfs = procfs
        self._clock = clock
        self._min_window = min_window
        self._cgroup = cgroup
        self._baseline: CpuSample | None = None
        self._last: CpuWindow | None = None

    def _sample(self) -> CpuSample:
        times = self._procfs.kernel_stat().cpu
        cgroup = None if self._cgroup is None else self._cgroup()
        return CpuSample(times, self._clock.monotonic(), self._clock.time(), cgroup)

    def start(self) -> None:
        """Take the baseline sample; failures are left for the first request to report."""
        try:
            self._baseline = self._sample()
        except Exception:
            self._baseline = None

    def window(self) -> CpuWindow:
        if self._baseline is None:
            self._baseline = self._sample()
        elapsed = self._clock.monotonic() - self._baseline.monotonic
        if elapsed < self._min_window:
            if self._last is not None:
                return self._last
            self._clock.sleep(self._min_window - elapsed)
        current = self._sample()
        before = self._baseline
        usage = usage_percent(before.times, current.times)
        cgroup = None
        if before.cgroup and current.cgroup and before.cgroup[0] == current.cgroup[0]:
            cgroup = max(current.cgroup[1] - before.cgroup[1], 0.0)
        self._last = CpuWindow(usage, current.monotonic - before.monotonic, current, cgroup)
        self._baseline = current
        return self._last


def cpu_payload(window: CpuWindow, user_hz: int) -> JSONDict:
    """RPCCPUUsage: the ten times in seconds since boot plus the window's usage."""
    payload: JSONDict = {
        name: ticks / user_hz
        for name, ticks in zip(CPU_COLUMNS, window.latest.times.as_tuple(), strict=True)
    }
    payload["usage_percent"] = window.usage_percent
    payload["window_seconds"] = round(window.seconds, 6)
    payload["timestamp"] = window.latest.epoch
    return payload
