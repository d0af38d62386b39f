"""The broker's own message statistics, asked for politely and never waited for in vain.

Two of the broker's three generations never answer ``RPCGetMessageStats`` (one drops
the request, the other sends its answer to its own bus), so waiting must never cost
the dashboard's poll its latency:

- A broker that has answered before, or has not been asked yet, is waited for, at most
  ``timeout``: a broker that answers gets fresh statistics into the very reply.
- A broker that let a query time out is *silent*: later requests never wait. They
  start a query in the background (when none is in flight and the back-off allows)
  and are answered at once with the last statistics known, if any. The first answer
  that arrives makes the broker responsive again.
- After each timeout the broker is not asked again for ``retry`` seconds, doubled with
  each further timeout in a row up to ``MAX_BACKOFF`` times ``retry``; after an error
  reply, for ``retry`` seconds.
- Statistics that were not fetched for the request they go into carry their age, so
  a reply never passes old figures off as fresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sysmon.domain.ports import BrokerPort, BrokerReply, ClockPort
from sysmon.domain.records import record
from sysmon.domain.timers import TimerHandle, Timers

log = logging.getLogger(__name__)

MESSAGE_STATS_METHOD = "RPCGetMessageStats"
MAX_BACKOFF = 8  # after repeated silence, at most 8 × retry between queries


@record
class StatsAnswer:
    """Statistics for one request; ``age`` is None when they were fetched for it."""

    stats: Any
    age: float | None = None


StatsCallback = Callable[[StatsAnswer | None], None]


class MessageStatsService:
    """``fetch(done)`` calls ``done(answer)``, or ``done(None)`` when there is none to give."""

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
        self._last: tuple[float, Any] | None = None  # (monotonic time received, stats)
        self._responsive = True
        self._silences = 0
        self._quiet_until = float("-inf")
        self._waiters: list[StatsCallback] = []
        self._in_flight: str | None = None
        self._timer: TimerHandle | None = None
        self._generation = 0

    @property
    def pending(self) -> bool:
        """A query is on its way, or requests wait for one."""
        return self._in_flight is not None or bool(self._waiters)

    @property
    def responsive(self) -> bool:
        """False from a query's timeout until the broker next answers."""
        return self._responsive

    def latest(self) -> tuple[Any, float] | None:
        """The last statistics received and their age in seconds; None before any."""
        if self._last is None:
            return None
        received, stats = self._last
        return stats, max(0.0, self._clock.monotonic() - received)

    def fetch(self, done: StatsCallback) -> None:
        now = self._clock.monotonic()
        if self._last is not None and now - self._last[0] < self._cache_duration:
            done(self._known(now))
            return
        asked = self._in_flight is None and now >= self._quiet_until
        if asked:
            self._ask()
        if self._in_flight is not None and self._responsive:
            if len(self._waiters) < self._max_waiters:
                self._waiters.append(done)
                return
        elif asked and self._last is not None and self._last[0] >= now:
            done(StatsAnswer(self._last[1]))  # answered on the spot
            return
        done(self._known(now))

    def fail_pending(self, reason: str) -> None:
        """Give up on the query in flight now (its reply can no longer arrive)."""
        if self._in_flight is not None:
            log.info("message_stats query abandoned: %s", reason)  # shutting down: no news
            self._broker.cancel(self._in_flight)
            self._finish()

    def _known(self, now: float) -> StatsAnswer | None:
        if self._last is None:
            return None
        return StatsAnswer(self._last[1], max(0.0, now - self._last[0]))

    def _ask(self) -> None:
        self._generation += 1
        generation = self._generation
        self._timer = self._timers.call_later(self._timeout, lambda: self._on_timeout(generation))
        correlation_id = self._broker.request(
            MESSAGE_STATS_METHOD, lambda reply: self._on_reply(generation, reply)
        )
        if self._generation == generation:  # not answered on the spot
            self._in_flight = correlation_id

    def _on_reply(self, generation: int, reply: BrokerReply) -> None:
        if generation != self._generation:
            return  # a late reply: dropped quietly
        self._responsive = True
        self._silences = 0
        if reply.ok:
            self._last = (self._clock.monotonic(), reply.payload)
            self._finish(StatsAnswer(reply.payload))
            return
        self._quiet_until = self._clock.monotonic() + self._retry
        log.warning(
            "message_stats left out: broker answered: %s; not asking again for %gs",
            reply.error,
            self._retry,
        )
        self._finish(self._known(self._clock.monotonic()))

    def _on_timeout(self, generation: int) -> None:
        if generation != self._generation:
            return
        if self._in_flight is not None:
            self._broker.cancel(self._in_flight)
        self._silences += 1
        backoff = self._retry * min(2 ** (self._silences - 1), MAX_BACKOFF)
        self._quiet_until = self._clock.monotonic() + backoff
        log.log(
            logging.WARNING if self._responsive else logging.DEBUG,
            "message_stats: no reply within %gs; requests no longer wait for the broker, "
            "asking again in %gs",
            self._timeout,
            backoff,
        )
        self._responsive = False
        self._finish(self._known(self._clock.monotonic()))

    def _finish(self, answer: StatsAnswer | None = None) -> None:
        if self._timer is not None:
            Timers.cancel(self._timer)
            self._timer = None
        self._in_flight = None
        self._generation += 1
        waiters, self._waiters = self._waiters, []
        for done in waiters:
            done(answer)
