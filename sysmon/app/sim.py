"""A whole sysmon in simulation: the real container, fakes swapped in, simulated time.

``SimService(host)`` builds the container the command line builds, then overrides the
clock, timers, procfs, host facts, deadline, writer and broker with fakes. Requests are
handed to the real ``Server`` at simulated times; time moves only when the script moves
it (``advance``), and then in steps, from one timer deadline to the next, running each
timer at its own moment. Everything in and out goes to a ``Transcript``. No wall clock,
no sleeps, no real /proc.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from sysmon.adapters.deadline import InlineDeadline
from sysmon.adapters.fake_broker import FakeBroker
from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.fake_host import FakeHost
from sysmon.adapters.stdio import MemoryWriter
from sysmon.adapters.transcript import RecordingBroker, Transcript
from sysmon.app.config import Settings
from sysmon.app.container import Container, build_container
from sysmon.app.server import Server
from sysmon.domain.metrics import MetricsService
from sysmon.domain.timers import Timers

CLIENT = "access"  # the broker's web gateway, on whose behalf requests arrive


class SteppingClock:
    """The clock a ``FakeHost`` moves: on the way it stops at each timer deadline."""

    def __init__(self, sim: SimService) -> None:
        self._sim = sim

    def time(self) -> float:
        return self._sim.clock.time()

    def advance(self, seconds: float) -> None:
        self._sim.wait(seconds)


class TranscribedWriter(MemoryWriter):
    """A ``MemoryWriter`` that puts each line in the transcript the moment it is written."""

    def __init__(self, record: Callable[[str, str], None]) -> None:
        super().__init__()
        self._record = record

    def write(self, data: bytes) -> None:
        super().write(data)
        for line in data.decode("utf-8").splitlines():
            self._record("out", line)


class SimService:
    """A simulated sysmon over ``host``; see the module docstring."""

    def __init__(
        self,
        host: FakeHost,
        *,
        settings: Settings | None = None,
        clock: FakeClock | None = None,
        timers: Timers | None = None,
        broker: FakeBroker | None = None,
        deadline: InlineDeadline | None = None,
    ) -> None:
        base = settings or Settings()
        self.settings = replace(base, procfs_path=host.procfs_root, rootfs_path=host.rootfs_root)
        self.host = host
        if clock is None:
            attached = host.clock
            clock = attached if isinstance(attached, FakeClock) else FakeClock(host.now)
        self.clock = clock
        # "is None", not "or": an empty Timers is falsy (it has a length).
        self.timers = Timers(self.clock) if timers is None else timers
        if broker is None:
            broker = FakeBroker(self.timers, self.settings.process_id)
        self.broker = broker
        self.deadline = InlineDeadline() if deadline is None else deadline
        self.transcript = Transcript()
        self.writer = TranscribedWriter(self._record)
        self._origin = self.clock.monotonic()
        self._sequence = 0
        self.container: Container = build_container(self.settings)
        self.container.clock.override(self.clock)
        self.container.timers.override(self.timers)
        self.container.procfs.override(host.reader())
        self.container.host_facts.override(host.facts)
        self.container.deadline.override(self.deadline)
        self.container.writer.override(self.writer)
        self.container.broker.override(RecordingBroker(self.broker, self._record))
        self.server: Server = self.container.server()
        self.metrics: MetricsService = self.container.metrics()
        host.attach(SteppingClock(self))

    @property
    def now(self) -> float:
        """Simulated seconds since this simulation began."""
        return self.clock.monotonic() - self._origin

    def start(self) -> list[Any]:
        """The server's start: the CPU baseline and, in the broker's dialect, the ready event."""
        start = len(self.transcript.entries)
        self.server.start()
        return self._written_since(start)

    # -- the script ---------------------------------------------------------------------

    def send(self, line: bytes | str | Mapping[str, Any] | list[Any]) -> list[Any]:
        """Hand one line to the server now, then run the timers due now (a zero-delay broker
        reply); the messages written meanwhile, decoded.
        """
        if isinstance(line, Mapping | list):
            line = json.dumps(line, separators=(",", ":"))
        raw = line.encode() if isinstance(line, str) else line
        start = len(self.transcript.entries)
        self._record("in", raw.decode("utf-8", "backslashreplace"))
        self.server.handle_line(raw)
        self.timers.run_due()  # what is due now runs now, as in the runner's loop
        return self._written_since(start)

    def request(
        self, method: str, *, correlation_id: str | None = None, source: str = CLIENT
    ) -> dict[str, Any] | None:
        """A broker-dialect request; its reply if written at once, else None (it comes
        later, e.g. while ``RPCGetSysMetrics`` waits for the broker: see ``reply_to``).
        """
        if correlation_id is None:
            self._sequence += 1
            correlation_id = f"{source}-rpc-{self._sequence}"
        message = {"type": "request", "id": method, "source": source, "target": "sysmon",
                   "correlation_id": correlation_id}  # fmt: skip
        written = self.send(message)
        return next((m for m in written if m.get("correlation_id") == correlation_id), None)

    def call(self, method: str) -> Any:
        """The payload of a successful reply to ``method``; AssertionError with the reply
        otherwise (an error, or no reply at all).

        A reply that waits on the broker (``RPCGetSysMetrics`` and a scripted delay) is
        waited for in simulated time, from one timer to the next, as the service would
        wait: at most ``sysmon_broker_timeout``. ``request`` and ``wait`` keep the clock
        where it is.
        """
        self._sequence += 1
        correlation_id = f"{CLIENT}-rpc-{self._sequence}"
        reply = self.request(method, correlation_id=correlation_id)
        while reply is None:
            deadline = self.timers.next_deadline()
            if deadline is None:
                raise AssertionError(
                    f"{method}: no reply, and nothing scheduled could bring one; send it with "
                    "request() and look for it with reply_to() after wait()"
                )
            self.wait(max(0.0, deadline - self.clock.monotonic()))
            reply = self.reply_to(correlation_id)
        if reply.get("type") != "response":
            raise AssertionError(f"{method}: expected a response, got {reply!r}")
        return reply["payload"]

    def jsonrpc(self, method: str, request_id: int | str | None = None) -> dict[str, Any] | None:
        """A JSON-RPC 2.0 call; its reply (None for a notification, ``request_id`` None)."""
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if request_id is not None:
            message["id"] = request_id
        written = self.send(message)
        return written[0] if written else None

    def reply_to(self, correlation_id: str) -> dict[str, Any] | None:
        """The reply to an earlier request, wherever in the transcript it went out."""
        for message in self.transcript.messages("out"):
            if isinstance(message, dict) and message.get("correlation_id") == correlation_id:
                return message
        return None

    def advance(self, seconds: float, **ticks: Any) -> list[Any]:
        """``host.advance(seconds, **ticks)``: the host changes, then time passes, timers run."""
        start = len(self.transcript.entries)
        self.host.advance(seconds, **ticks)
        return self._written_since(start)

    def wait(self, seconds: float) -> list[Any]:
        """Let time pass with the host as it is, running each timer at its deadline."""
        if seconds < 0:
            raise ValueError("time does not run backwards")
        start = len(self.transcript.entries)
        target = self.clock.monotonic() + seconds
        while True:
            deadline = self.timers.next_deadline()
            if deadline is None or deadline > target:
                break
            self._move_to(deadline)
            self.timers.run_due()
        self._move_to(target)
        return self._written_since(start)

    def eof(self) -> list[Any]:
        """The broker closes our input: waiting requests are answered without it."""
        start = len(self.transcript.entries)
        self.server.handle_eof()
        self.timers.run_due()
        return self._written_since(start)

    def shutdown(self, reason: str = "signal received") -> list[Any]:
        """SIGTERM, as the runner handles it."""
        start = len(self.transcript.entries)
        self.server.fail_pending("shutting down")
        self.server.shutdown_event(reason)
        return self._written_since(start)

    # -- bookkeeping --------------------------------------------------------------------

    def _move_to(self, moment: float) -> None:
        gap = moment - self.clock.monotonic()
        if gap > 0:
            self.clock.advance(gap)
        while self.clock.monotonic() < moment:  # float rounding: never stop short of a deadline
            self.clock.advance(math.ulp(moment))

    def _record(self, direction: str, text: str) -> None:
        self.transcript.add(self.now, direction, text)

    def _written_since(self, start: int) -> list[Any]:
        entries = self.transcript.entries[start:]
        return [json.loads(e.text) for e in entries if e.direction == "out"]
