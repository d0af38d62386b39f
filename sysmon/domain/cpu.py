"""CPU usage over a recent window, never an average since boot."""

from __future__ import annotations

from dataclasses import dataclass
from operator import sub

from sysmon.domain.models import CPU_COLUMNS, CpuTimes, JSONDict, direct_init
from sysmon.domain.ports import ClockPort, ProcfsPort
from sysmon.domain.window import MIN_WINDOW_SECONDS, Window, WindowSampler

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
    """One read of the aggregate cpu line, with when it was taken."""

    times: CpuTimes
    monotonic: float
    epoch: float


@direct_init
@dataclass(frozen=True, slots=True)
class CpuWindow:
    """Usage between two samples; ``latest`` is the newer one."""

    usage_percent: float
    seconds: float
    latest: CpuSample


class CpuSampler:
    """The aggregate cpu line over a window of at least 100 ms (see ``WindowSampler``)."""

    def __init__(
        self, procfs: ProcfsPort, clock: ClockPort, min_window: float = MIN_WINDOW_SECONDS
    ) -> None:
        self._samples = WindowSampler(lambda: procfs.kernel_stat().cpu, clock, min_window)
        self._seen: Window[CpuTimes] | None = None
        self._last: CpuWindow | None = None

    def start(self) -> None:
        """Take the baseline sample; failures are left for the first request to report."""
        self._samples.start()

    def window(self) -> CpuWindow:
        window = self._samples.window()
        if window is not self._seen or self._last is None:
            after = window.after
            latest = CpuSample(after.value, after.monotonic, after.epoch)
            usage = usage_percent(window.before.value, after.value)
            self._last = CpuWindow(usage, window.seconds, latest)
            self._seen = window
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
