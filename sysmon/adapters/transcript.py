"""A simulation's transcript: every message in and out, stamped with simulated time.

The text is a pure function of what happened and when, so one scenario gives the same
bytes on every run, in every process, whatever ``PYTHONHASHSEED``::

      0.000 out {"type":"event","id":"subprocess_ready",...}
      0.250 in {"type":"request","id":"RPCGetSysMetrics",...}
      0.250 to-broker RPCGetMessageStats sysmon-rpc-1
      0.750 from-broker sysmon-rpc-1 error: no reply within 0.5s
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sysmon.adapters.broker_link import BrokerInbox
from sysmon.domain.ports import BrokerPort, BrokerReply, ReplyCallback

DIRECTIONS = ("in", "out", "to-broker", "from-broker")


@dataclass(frozen=True, slots=True)
class Entry:
    """One message: seconds since the simulation began, which way it went, its text."""

    seconds: float
    direction: str
    text: str

    def line(self) -> str:
        return f"{self.seconds:8.3f} {self.direction} {self.text}"


class Transcript:
    """Entries in the order they happened; ``text()`` is the byte-stable form."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def add(self, seconds: float, direction: str, text: str) -> None:
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
        self.entries.append(Entry(seconds, direction, text))

    def text(self) -> str:
        return "".join(entry.line() + "\n" for entry in self.entries)

    def messages(self, direction: str = "out") -> list[Any]:
        """The JSON messages that went one way (``in`` or ``out``), decoded."""
        return [json.loads(e.text) for e in self.entries if e.direction == direction]


class BrokerLinkLike(BrokerPort, BrokerInbox, Protocol):
    """A broker that both answers the port and takes the server's incoming replies."""


class RecordingBroker:
    """Puts a broker's traffic in the transcript; otherwise passes every call through."""

    def __init__(self, inner: BrokerLinkLike, record: Callable[[str, str], None]) -> None:
        self._inner = inner
        self._record = record

    def request(self, method: str, on_reply: ReplyCallback) -> str:
        asked: list[str] = []

        def answered(reply: BrokerReply) -> None:
            if reply.ok:
                outcome = "ok " + json.dumps(reply.payload, sort_keys=True, separators=(",", ":"))
            else:
                outcome = f"error: {reply.error}"
            self._record("from-broker", f"{asked[0] if asked else '?'} {outcome}")
            on_reply(reply)

        correlation_id = self._inner.request(method, answered)
        asked.append(correlation_id)
        self._record("to-broker", f"{method} {correlation_id}")
        return correlation_id

    def cancel(self, correlation_id: str) -> None:
        self._inner.cancel(correlation_id)

    def deliver(self, message: Mapping[str, Any]) -> bool:
        return self._inner.deliver(message)

    def fail_all(self, reason: str) -> None:
        self._inner.fail_all(reason)
