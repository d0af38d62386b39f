"""One time model for scenarios: real time (a ticker thread) or simulated time (stepped).

A scenario's ``tick`` says how the host moves as time passes: every ``seconds``, the
host advances by that long with the given CPU ticks, then plays the tick's ``steps``
(FakeHost verbs, e.g. ``fill`` a disk). In real time a thread plays one tick every
``seconds`` of the wall clock. In simulated time the service's clock is a ``FakeClock``
and nothing moves until a caller steps it: ``SimulatedTime.step()`` lets one step of
time pass (``step`` seconds, a whole number of ticks), which the exporter does once
per scrape and the terminal view once per frame, so that a scenario gives the same
series on every run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.fake_host import FakeHost

# A step must be a whole number of ticks; this much floating-point slack is forgiven.
_SLACK = 1e-9

Play = Callable[[FakeHost, object, str], None]


@dataclass(frozen=True)
class Tick:
    """What one tick does: ``seconds`` pass with CPU ``ticks``, then ``steps`` are played."""

    seconds: float
    ticks: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)


def play_tick(host: FakeHost, tick: Tick, play: Play, number: int) -> None:
    """Advance ``host`` by one tick; ``play`` runs each step (it names ``number`` in errors)."""
    host.advance(tick.seconds, **tick.ticks)
    for index, step in enumerate(tick.steps, start=1):
        play(host, step, f"tick {number}, step {index}")


def tick_count(step: float, tick: Tick | None) -> int:
    """How many ticks one step of ``step`` seconds holds; ValueError unless a whole number."""
    if not step > 0:
        raise ValueError(f"a time step is above 0 s, not {step:g}")
    if tick is None:
        return 0
    count = round(step / tick.seconds)
    if count < 1 or abs(count * tick.seconds - step) > _SLACK * max(step, 1.0):
        raise ValueError(
            f"a time step of {step:g}s is not a whole number of {tick.seconds:g}s ticks"
        )
    return count


class SimulatedTime:
    """Scenario time that passes only when stepped; ``clock`` is the service's clock."""

    def __init__(
        self, host: FakeHost, clock: FakeClock, step: float, tick: Tick | None, play: Play
    ) -> None:
        self._count = tick_count(step, tick)
        self._host = host
        self._clock = clock
        self._step = step
        self._tick = tick
        self._play = play
        self._ticks_played = 0
        self.steps = 0

    @property
    def step_seconds(self) -> float:
        return self._step

    @property
    def clock(self) -> FakeClock:
        return self._clock

    def step(self) -> None:
        """One step: the host moves by ``step`` seconds (tick by tick), and so does the clock."""
        if self._tick is None:
            self._host.advance(self._step)
        else:
            for _ in range(self._count):
                self._ticks_played += 1
                play_tick(self._host, self._tick, self._play, self._ticks_played)
        self.steps += 1


def run_ticks(host: FakeHost, tick: Tick, play: Play, stop: threading.Event) -> None:
    """Real time: play one tick every ``tick.seconds`` of the wall clock until ``stop``.

    Files are replaced whole, so the service never reads one half written.
    """
    number = 0
    while not stop.wait(tick.seconds):
        number += 1
        play_tick(host, tick, play, number)
