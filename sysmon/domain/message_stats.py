"""The broker's own message statistics, asked for politely.

A silent or failing broker must never slow the dashboard: the query waits at most
``timeout``, after a failure it is not asked again for ``retry`` seconds, concurrent
callers share one pending query, and a fresh answer is cached like every metric.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sysmon.domain.ports import BrokerPort, BrokerReply, ClockPort
from sysmon.domain.timers import TimerHandle, Timers

log = logging.getLogger(__name__)

MESSAGE_STATS_METHOD = "RPCGetMessageStats"
StatsCallback = Callable[[Any | None], None]


class MessageStatsService:
    """``fetch(done)`` calls ``done(stats)``, or ``done(None)`` when there are none to give."""

    def __init__(
        self,
        broker: BrokerPort,
        clock: ClockPort,
        timers: Timers,
        timeout: float,
        retry: float,
        cache_duration: float,
        max_waiters: int = 4096,
    ) -> None:
        self._broker = broker
        self._clock = clock
        self._timers = timers
        self._timeout = timeout
        self._retry = retry
        self._cache_duration = cache_duration
        self._max_waiters = max_waiters
        self._cached: tuple[float, Any] | None = None
        self._quiet_until = float("-inf")
        self._waiters: list[StatsCallback] = []
        self._pending: str | None = None
        self._timer: TimerHandle | None = None
        self._generation = 0

    @property
    def pending(self) -> bool:
        return self._pending is not None or bool(self._waiters)

    def fetch(self, done: StatsCallback) -> None:
        now = self._clock.monotonic()
        if self._cached is not None and now - self._cached[0] < self._cache_duration:
            done(self._cached[1])
            return
        if now < self._quiet_until or len(self._waiters) >= self._max_waiters:
            done(None)
            return
        self._waiters.append(done)
        if len(self._waiters) > 1:
            return  # shares the query already on its way
        self._generation += 1
        generation = self._generation
        self._timer = self._timers.call_later(self._timeout, lambda: self._on_timeout(generation))
        correlation_id = self._broker.request(
            MESSAGE_STATS_METHOD, lambda reply: self._on_reply(generation, reply)
        )
        if self._generation == generation and self._waiters:
            self._pending = correlation_id

    def fail_pending(self, reason: str) -> None:
        """Give up on the query in flight now (its reply can no longer arrive)."""
        if self._waiters:
            self._give_up(self._generation, reason, logging.INFO)  # shutting down: no news

    def _on_reply(self, generation: int, reply: BrokerReply) -> None:
        if generation != self._generation or not self._waiters:
            return  # a late reply: dropped quietly
        if not reply.ok:
            self._give_up(generation, f"broker answered: {reply.error}")
            return
        self._cached = (self._clock.monotonic(), reply.payload)
        self._finish(reply.payload)

    def _on_timeout(self, generation: int) -> None:
        if generation == self._generation and self._waiters:
            self._give_up(generation, f"no reply within {self._timeout:g}s")

    def _give_up(self, generation: int, reason: str, level: int = logging.WARNING) -> None:
        if self._pending is not None:
            self._broker.cancel(self._pending)
        self._quiet_until = self._clock.monotonic() + self._retry
        log.log(
            level,
            "message_stats left out: %s; not asking the broker again for %gs",
            reason,
            self._retry,
        )
        self._finish(None)

    def _finish(self, stats: Any | None) -> None:
        if self._timer is not None:
            Timers.cancel(self._timer)
            self._timer = None
        self._pending = None
        self._generation += 1
        waiters, self._waiters = self._waiters, []
        for done in waiters:
            done(stats)
