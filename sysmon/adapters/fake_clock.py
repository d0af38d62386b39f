"""A clock that moves only when told: simulated time for deterministic tests."""

from __future__ import annotations

DEFAULT_EPOCH = 1_795_766_400.0  # 2026-11-27T08:00:00Z


class FakeClock:
    """Monotonic and epoch time advance together, by ``advance`` or ``sleep`` only."""

    def __init__(self, start_epoch: float = DEFAULT_EPOCH, start_monotonic: float = 1000.0) -> None:
        self._epoch = start_epoch
        self._monotonic = start_monotonic
        self.slept = 0.0

    def monotonic(self) -> float:
        return self._monotonic

    def time(self) -> float:
        return self._epoch

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept += seconds
            self.advance(seconds)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not run backwards")
        self._monotonic += seconds
        self._epoch += seconds
