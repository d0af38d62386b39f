"""The real BrokerPort: our requests to the broker go out on the message channel.

The broker's replies arrive on our input, among its requests; the server hands each
``response`` or ``error`` to ``deliver``, which finds the waiting callback by
``correlation_id``. A reply nobody waits for (late, cancelled, or not ours) is dropped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from sysmon.adapters.stdio import Writer
from sysmon.domain.ports import BrokerReply, ReplyCallback

log = logging.getLogger(__name__)

BROKER_TARGET = "broker"


class BrokerInbox(Protocol):
    """Where the server hands the broker's replies: the real link, or a fake broker."""

    def deliver(self, message: Mapping[str, Any]) -> bool: ...

    def fail_all(self, reason: str) -> None: ...


class BrokerLink:
    """Sends ``{"type":"request","target":"broker",…}`` with ``<process_id>-rpc-N`` ids."""

    def __init__(self, writer: Writer, process_id: str) -> None:
        self._writer = writer
        self._process_id = process_id
        self._sequence = 0
        self._pending: dict[str, ReplyCallback] = {}

    @property
    def pending(self) -> int:
        return len(self._pending)

    def request(self, method: str, on_reply: ReplyCallback) -> str:
        """Write the request; ``OutputClosed`` propagates, and then nothing stays pending."""
        self._sequence += 1
        correlation_id = f"{self._process_id}-rpc-{self._sequence}"
        message = {
            "type": "request",
            "id": method,
            "source": self._process_id,
            "target": BROKER_TARGET,
            "correlation_id": correlation_id,
        }
        line = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        self._pending[correlation_id] = on_reply
        try:
            self._writer.write(line)
        except BaseException:
            del self._pending[correlation_id]
            raise
        return correlation_id

    def deliver(self, message: Mapping[str, Any]) -> bool:
        """Hand a ``response``/``error`` to its waiting callback; False when nobody waits."""
        correlation_id = message.get("correlation_id")
        callback = None
        if isinstance(correlation_id, str):
            callback = self._pending.pop(correlation_id, None)
        if callback is None:
            log.debug("dropped a reply with unknown correlation_id %r", correlation_id)
            return False
        if message.get("type") == "error":
            text = message.get("error") or "error reply without a text"
            callback(BrokerReply(ok=False, error=str(text)))
        else:
            callback(BrokerReply(ok=True, payload=message.get("payload")))
        return True

    def cancel(self, correlation_id: str) -> None:
        self._pending.pop(correlation_id, None)

    def fail_all(self, reason: str) -> None:
        """Answer every waiting request with an error now (their replies can no longer come)."""
        pending, self._pending = self._pending, {}
        for callback in pending.values():
            callback(BrokerReply(ok=False, error=reason))
