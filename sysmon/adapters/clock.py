"""The real clock."""

from __future__ import annotations

import time


class SystemClock:
    """``time.monotonic`` for intervals, ``time.time`` for timestamps."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
