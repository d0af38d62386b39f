"""The view's heartbeat: one snapshot per interval, and the time it plays in.

On a real host (or a fake one in real time) a frame waits out the interval on the
wall clock. On a fake host in simulated time the scenario's clock moves one step per
frame (``SimulatedTime.step``), and the wall clock only paces the frames for the eye.
"""

from __future__ import annotations

from collections.abc import Callable

from sysmon.app.top.snapshot import Snapshot, SnapshotSource


class FrameClock:
    """Takes the baselines, then hands out one snapshot per interval."""

    def __init__(
        self,
        source: SnapshotSource,
        interval: float,
        wait: Callable[[float], None],
        step: Callable[[], None] | None = None,
    ) -> None:
        self._source = source
        self._interval = interval
        self._wait = wait  # the wall clock's sleep
        self._step = step  # simulated time's step; None in real time

    @property
    def interval(self) -> float:
        return self._interval

    @property
    def simulated(self) -> bool:
        return self._step is not None

    def start(self) -> None:
        self._source.start()

    def tick(self) -> None:
        """An interval has passed on the wall clock: simulated time takes its step."""
        if self._step is not None:
            self._step()

    def advance(self, *, pace: bool = True) -> None:
        """Let one interval pass: waited out in real time; in simulated time one step,
        and waited out too when ``pace`` (frames for the eye), else at once."""
        self.tick()
        if self._step is None or pace:
            self._wait(self._interval)

    def next(self) -> Snapshot:
        """The snapshot at the end of the interval that has just passed."""
        return self._source.read()
