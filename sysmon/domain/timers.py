"""Deadlines on the clock port, run by whoever owns the loop (the stdio runner or a simulation)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from sysmon.domain.ports import ClockPort


@dataclass(order=True, slots=True)
class TimerHandle:
    """A scheduled callback; ``cancelled`` handles are skipped when they come due."""

    deadline: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class Timers:
    """A heap of deadlines; ties run in the order they were scheduled, so runs are repeatable."""

    def __init__(self, clock: ClockPort) -> None:
        self._clock = clock
        self._heap: list[TimerHandle] = []
        self._seq = itertools.count()

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        handle = TimerHandle(self._clock.monotonic() + max(delay, 0.0), next(self._seq), callback)
        heapq.heappush(self._heap, handle)
        return handle

    @staticmethod
    def cancel(handle: TimerHandle) -> None:
        handle.cancelled = True

    def next_deadline(self) -> float | None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0].deadline if self._heap else None

    def run_due(self) -> int:
        """Run every callback whose deadline has passed; return how many ran."""
        ran = 0
        now = self._clock.monotonic()
        while self._heap and self._heap[0].deadline <= now:
            handle = heapq.heappop(self._heap)
            if not handle.cancelled:
                handle.cancelled = True
                handle.callback()
                ran += 1
        return ran

    def __len__(self) -> int:
        return sum(1 for h in self._heap if not h.cancelled)
