"""A tiny time-boxed cache on the clock port: within the window nothing is re-read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sysmon.domain.ports import ClockPort

T = TypeVar("T")


class TTLCache(Generic[T]):
    """Keeps one value per key for ``ttl`` seconds of the clock port; ttl 0 turns it off."""

    def __init__(self, clock: ClockPort, ttl: float) -> None:
        self._clock = clock
        self._ttl = ttl
        self._entries: dict[str, tuple[float, T]] = {}
        self.hits = 0  # lookups answered from the cache
        self.misses = 0  # lookups that found nothing fresh

    @property
    def ttl(self) -> float:
        return self._ttl

    def get(self, key: str) -> T | None:
        entry = self._entries.get(key)
        if entry is None or self._clock.monotonic() - entry[0] >= self._ttl:
            self.misses += 1
            return None
        self.hits += 1
        return entry[1]

    def put(self, key: str, value: T) -> T:
        if self._ttl > 0:
            self._entries[key] = (self._clock.monotonic(), value)
        return value

    def get_or_compute(self, key: str, compute: Callable[[], T]) -> T:
        cached = self.get(key)
        return cached if cached is not None else self.put(key, compute())

    def clear(self) -> None:
        self._entries.clear()
