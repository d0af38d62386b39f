"""A broker that replies from a script on simulated time: the BrokerPort without a process.

Each method has a queue of behaviours, used one per request, then a default; with
neither, the fake answers as the real broker does for a method it lacks
(``unknown RPC method: X``). Replies come through ``Timers``, never inside
``request``, so the code under test sees the same order as with a real pipe.
Canned exchanges in the broker's own wire shapes ship in ``sysmon/broker_replies/``;
``load`` takes one's name (``message_stats_total``) or any file's path.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

from sysmon.adapters.shipped import UnknownShippedError, broker_replies
from sysmon.domain.ports import BrokerReply, ReplyCallback
from sysmon.domain.timers import Timers


@dataclass(frozen=True, slots=True)
class Reply:
    """Answer with ``payload`` after ``delay`` simulated seconds."""

    payload: Any = None
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class Fail:
    """Answer with an error reply carrying ``error`` after ``delay`` simulated seconds."""

    error: str
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class Silence:
    """Never answer."""


Behaviour: TypeAlias = Reply | Fail | Silence


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    method: str
    correlation_id: str


class FakeBroker:
    """Scriptable ``BrokerPort``; ``requests``, ``late`` and ``pending`` are its end state."""

    def __init__(
        self,
        timers: Timers,
        process_id: str = "sysmon",
        *,
        real_files: Callable[[], AbstractContextManager[Any]] | None = None,
    ) -> None:
        """``real_files``: a context under which the real file system shows (pyfakefs's
        pause), for ``load`` to read a real file that a fake file system hides."""
        self._timers = timers
        self._process_id = process_id
        self._real_files = real_files
        self._scripts: dict[str, deque[Behaviour]] = {}
        self._defaults: dict[str, Behaviour] = {}
        self._waiting: dict[str, ReplyCallback] = {}
        self.requests: list[ReceivedRequest] = []
        self.late = 0

    @property
    def pending(self) -> list[str]:
        """Correlation ids asked and neither answered nor cancelled (silence included)."""
        return list(self._waiting)

    def script(self, method: str, *behaviours: Behaviour) -> FakeBroker:
        """Queue behaviours for the next requests of ``method``, one each."""
        self._scripts.setdefault(method, deque()).extend(behaviours)
        return self

    def set_default(self, method: str, behaviour: Behaviour) -> FakeBroker:
        """What ``method`` does once its queue is empty."""
        self._defaults[method] = behaviour
        return self

    def load(self, path: str | Path) -> FakeBroker:
        """Queue the replies of a canned transcript (a path, or a shipped one's name), in order.

        A path that exists in the fake file system wins; else the real file system is
        read, when this fake was given a way to see it (the sim fixtures' ``fake_broker``).
        """
        try:
            exchanges = read_transcript(broker_replies(path))
        except (FileNotFoundError, UnknownShippedError) as error:
            if self._real_files is None:
                raise type(error)(
                    f"{error}. Inside pyfakefs a real file is hidden: use the sim fixtures' "
                    "fake_broker, which reads real files too, call load() before the fake "
                    "file system starts, or add the file with fs.add_real_file(path)"
                ) from None
            with self._real_files():
                exchanges = read_transcript(broker_replies(path))
        for exchange in exchanges:
            self.script(exchange.method, exchange.behaviour)
        return self

    def request(self, method: str, on_reply: ReplyCallback) -> str:
        correlation_id = f"{self._process_id}-rpc-{len(self.requests) + 1}"
        self.requests.append(ReceivedRequest(method, correlation_id))
        self._waiting[correlation_id] = on_reply
        behaviour = self._next(method)
        if isinstance(behaviour, Reply):
            reply = BrokerReply(ok=True, payload=behaviour.payload)
            self._timers.call_later(behaviour.delay, lambda: self._answer(correlation_id, reply))
        elif isinstance(behaviour, Fail):
            reply = BrokerReply(ok=False, error=behaviour.error)
            self._timers.call_later(behaviour.delay, lambda: self._answer(correlation_id, reply))
        return correlation_id

    def cancel(self, correlation_id: str) -> None:
        self._waiting.pop(correlation_id, None)

    def deliver(self, message: Mapping[str, Any]) -> bool:
        """The server's hand-off of a reply read from its input: this fake receives nothing
        over the wire (its replies come through the timers), so nobody waits for it.
        """
        return False

    def fail_all(self, reason: str) -> None:
        """Answer every waiting request with an error now, as ``BrokerLink`` does at the end
        of input; a scripted reply that comes later is dropped as late.
        """
        waiting, self._waiting = self._waiting, {}
        for callback in waiting.values():
            callback(BrokerReply(ok=False, error=reason))

    def _next(self, method: str) -> Behaviour:
        queue = self._scripts.get(method)
        if queue:
            return queue.popleft()
        return self._defaults.get(method, Fail(f"unknown RPC method: {method}"))

    def _answer(self, correlation_id: str, reply: BrokerReply) -> None:
        callback = self._waiting.pop(correlation_id, None)
        if callback is None:
            self.late += 1  # the asker gave up first: dropped, as a late reply is
            return
        callback(reply)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request of ours and the broker's reply to it, as they crossed the wire."""

    request: dict[str, Any]
    reply: dict[str, Any] | None
    delay: float = 0.0

    @property
    def method(self) -> str:
        return str(self.request["id"])

    @property
    def behaviour(self) -> Behaviour:
        if self.reply is None:
            return Silence()
        if self.reply.get("type") == "error":
            return Fail(str(self.reply.get("error", "")), self.delay)
        return Reply(self.reply.get("payload"), self.delay)


def read_transcript(path: str | Path) -> list[Exchange]:
    """``{"exchanges": [{"request": {…}, "reply": {…} | null, "delay": s}, …]}`` from a file."""
    with open(os.fspath(path), encoding="utf-8") as file:  # builtins: pyfakefs's pause restores
        document = json.load(file)
    exchanges = document.get("exchanges") if isinstance(document, dict) else None
    if not isinstance(exchanges, list):
        raise ValueError(f"{path}: a transcript is an object with an 'exchanges' list")
    result: list[Exchange] = []
    for number, item in enumerate(exchanges, 1):
        request = item.get("request") if isinstance(item, dict) else None
        reply = item.get("reply") if isinstance(item, dict) else None
        if not isinstance(request, dict) or not isinstance(request.get("id"), str):
            raise ValueError(f"{path}: exchange {number} has no request with a string id")
        if reply is not None and not isinstance(reply, dict):
            raise ValueError(f"{path}: exchange {number}: the reply must be an object or null")
        delay = item.get("delay", 0.0)
        if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay < 0:
            raise ValueError(f"{path}: exchange {number}: delay must be seconds >= 0")
        result.append(Exchange(request, reply, float(delay)))
    return result
