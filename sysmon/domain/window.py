"""Figures taken over a recent window between two samples, never averages since boot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sysmon.domain.ports import ClockPort
from sysmon.domain.records import record

MIN_WINDOW_SECONDS = 0.1
S = TypeVar("S")


@record
class Sample(Generic[S]):
    """One read of the host, with when it was taken."""

    value: S
    monotonic: float
    epoch: float


@record
class Window(Generic[S]):
    """Two consecutive samples; ``after`` is the newer."""

    before: Sample[S]
    after: Sample[S]

    @property
    def seconds(self) -> float:
        return self.after.monotonic - self.before.monotonic


class WindowSampler(Generic[S]):
    """Keeps the previous sample so that each window lasts at least ``min_window`` seconds.

    A baseline is taken at start. A request within ``min_window`` of the baseline waits
    out the rest (through the clock port) the first time; after that it is answered with
    the last complete window, so rapid requests never block and never see a tiny window.
    """

    def __init__(
        self, read: Callable[[], S], clock: ClockPort, min_window: float = MIN_WINDOW_SECONDS
    ) -> None:
        self._read = read
        self._clock = clock
        self._min_window = min_window
        self._baseline: Sample[S] | None = None
        self._last: Window[S] | None = None

    def _sample(self) -> Sample[S]:
        value = self._read()
        return Sample(value, self._clock.monotonic(), self._clock.time())

    def start(self) -> None:
        """Take the baseline sample; failures are left for the first request to report."""
        try:
            self._baseline = self._sample()
        except Exception:
            self._baseline = None

    def window(self) -> Window[S]:
        if self._baseline is None:
            self._baseline = self._sample()
        elapsed = self._clock.monotonic() - self._baseline.monotonic
        if elapsed < self._min_window:
            if self._last is not None:
                return self._last
            self._clock.sleep(self._min_window - elapsed)
        current = self._sample()
        self._last = Window(self._baseline, current)
        self._baseline = current
        return self._last
