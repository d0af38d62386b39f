"""The protocol server: each line in gets at most one reply, in the dialect it came in.

Single-threaded and re-entrant-free: the loop owner (the stdio runner or a simulation)
hands lines in and runs the timers; a broker-dialect ``RPCGetSysMetrics`` waits for
``message_stats`` through a callback, so reading never waits on the broker and
replies may leave out of order.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sysmon.adapters.broker_link import BrokerInbox
from sysmon.adapters.stdio import Writer
from sysmon.app import jsonrpc
from sysmon.app.envelope import (
    BrokerDialect,
    Envelope,
    EnvelopeError,
    decode_envelope,
    encode_json,
)
from sysmon.domain.errors import InternalError, SysmonError
from sysmon.domain.message_stats import MessageStatsService, StatsAnswer
from sysmon.domain.metrics import SYS_METRICS, MetricsService, UnknownMethod
from sysmon.domain.models import JSONDict

log = logging.getLogger(__name__)

DIALECTS: tuple[str, ...] = ("both", "jsonrpc")
READY_EVENT = "subprocess_ready"
SHUTDOWN_EVENT = "subprocess_shutdown"
MESSAGE_STATS_KEY = "message_stats"
MESSAGE_STATS_AGE_KEY = "message_stats_age_seconds"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


class Server:
    """Answers lines; ``dialect="jsonrpc"`` serves pure JSON-RPC 2.0 (no events, no broker)."""

    def __init__(
        self,
        metrics: MetricsService,
        message_stats: MessageStatsService | None,
        broker_link: BrokerInbox | None,
        writer: Writer,
        *,
        process_id: str = "sysmon",
        dialect: str = "both",
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {', '.join(DIALECTS)}, not {dialect!r}")
        self._metrics = metrics
        self._broker = dialect == "both"
        self._message_stats = message_stats if self._broker else None
        self._broker_link = broker_link if self._broker else None
        self._writer = writer
        self._process_id = process_id
        self._envelope = BrokerDialect(process_id)
        self._encoded: dict[str, tuple[JSONDict, str]] = {}
        self._stats_encoded: tuple[Any, str] | None = None
        self._waiting = 0

    @property
    def writer(self) -> Writer:
        """Where every line goes; the loop watches it for bytes the peer has not taken."""
        return self._writer

    @property
    def waiting(self) -> int:
        """Requests still waiting for the broker's message_stats."""
        return self._waiting

    def start(self) -> None:
        """Take the CPU baseline, then announce readiness (broker dialect only)."""
        self._metrics.start()
        if self._broker:
            payload = encode_json({"id": self._process_id})
            self._writer.write(self._envelope.event(READY_EVENT, payload))

    def shutdown_event(self, reason: str) -> None:
        if self._broker:
            payload = encode_json({"id": self._process_id, "reason": reason})
            self._writer.write(self._envelope.event(SHUTDOWN_EVENT, payload))

    def handle_eof(self) -> None:
        """The input is gone, and with it any broker reply: answer the waiting requests now."""
        self.fail_pending("end of input")

    def fail_pending(self, reason: str) -> None:
        """Stop waiting for the broker; waiting requests are answered without message_stats."""
        if self._message_stats is not None:
            self._message_stats.fail_pending(reason)
        if self._broker_link is not None:
            self._broker_link.fail_all(reason)

    def handle_oversized(self, limit: int | None = None) -> None:
        """A line over the size limit, already dropped unread: a parse error in either dialect."""
        self._unparseable(
            b"", "message longer than the size limit" + (f" of {limit} bytes" if limit else "")
        )

    def handle_line(self, line: bytes) -> None:
        if not line or line.isspace():
            return
        try:
            value = _DECODER.decode(line.decode("utf-8", "replace"))
        except RecursionError:
            self._unparseable(line, "nesting too deep")
            return
        except ValueError as error:
            self._unparseable(line, str(error))
            return
        if type(value) is dict:
            if self._broker and "jsonrpc" not in value:
                self._handle_envelope(value)
            else:
                self._write_jsonrpc(self._jsonrpc_reply(value))
        elif type(value) is list and (not self._broker or jsonrpc.is_batch(value)):
            self._handle_batch(value)
        elif self._broker:
            self._handle_envelope(value)
        else:
            self._write_jsonrpc(self._jsonrpc_reply(value))

    # The broker's dialect

    def _unparseable(self, line: bytes, reason: str) -> None:
        """The broker's parse-error, or -32700 for a JSON-RPC client (or one that looks it)."""
        log.warning("unparseable line: %s", reason)
        if self._broker and b'"jsonrpc"' not in line:
            self._writer.write(self._envelope.parse_error(reason))
        else:
            self._write_jsonrpc(jsonrpc.error(jsonrpc.NULL_ID, jsonrpc.PARSE_ERROR, reason))

    def _handle_envelope(self, value: Any) -> None:
        try:
            message = decode_envelope(value)
        except EnvelopeError as error:
            log.warning("undecodable message: %s", error)
            line = self._envelope.parse_error(str(error), error.source, error.correlation_id)
            self._writer.write(line)
            return
        if message.is_reply:
            if self._broker_link is None or not self._broker_link.deliver(message.as_message()):
                log.debug("ignored a %s nobody waits for: %r", message.type, message.correlation_id)
            return
        self._answer(message)

    def _answer(self, request: Envelope) -> None:
        method = request.id
        try:
            payload = self._metrics.collect(method)
            if method == SYS_METRICS and self._message_stats is not None:
                self._waiting += 1
                self._message_stats.fetch(
                    lambda stats: self._answer_with_stats(request, payload, stats)
                )
                return
            line = self._envelope.response(request, self._payload_json(method, payload))
        except UnknownMethod:
            line = self._envelope.no_handler(request)
        except SysmonError as error:
            line = self._envelope.method_error(request, error)
        self._writer.write(line)

    def _answer_with_stats(
        self, request: Envelope, payload: JSONDict, answer: StatsAnswer | None
    ) -> None:
        self._waiting -= 1
        try:
            body = self._payload_json(SYS_METRICS, payload)
            if answer is not None:
                body = self._with_stats(payload, body, answer)
            line = self._envelope.response(request, body)
        except SysmonError as error:
            line = self._envelope.method_error(request, error)
        self._writer.write(line)

    def _with_stats(self, payload: JSONDict, body: str, answer: StatsAnswer) -> str:
        """The payload with ``message_stats`` (and their age, when not fetched for this
        request) added, spliced into its cached encoding."""
        stats = answer.stats
        entry = self._stats_encoded
        if entry is None or entry[0] is not stats:
            try:
                entry = (stats, encode_json(stats))
            except (TypeError, ValueError, RecursionError) as error:  # nested past the encoder
                log.warning("message_stats left out: the broker's payload is not JSON: %s", error)
                return body
            self._stats_encoded = entry
        age = None if answer.age is None else round(answer.age, 3)
        if MESSAGE_STATS_KEY in payload or MESSAGE_STATS_AGE_KEY in payload:
            # never from MetricsService; keep a copy's meaning
            extra = {MESSAGE_STATS_KEY: stats}
            if age is not None:
                extra[MESSAGE_STATS_AGE_KEY] = age
            return self._encode_payload(SYS_METRICS, {**payload, **extra})
        separator = "," if payload else ""
        tail = "" if age is None else f',"{MESSAGE_STATS_AGE_KEY}":{age!r}'
        return body[:-1] + separator + '"' + MESSAGE_STATS_KEY + '":' + entry[1] + tail + "}"

    def _payload_json(self, method: str, payload: JSONDict) -> str:
        """A cached payload (the same dict while fresh) is encoded once."""
        entry = self._encoded.get(method)
        if entry is not None and entry[0] is payload:
            return entry[1]
        text = self._encode_payload(method, payload)
        self._encoded[method] = (payload, text)
        return text

    @staticmethod
    def _encode_payload(method: str, payload: JSONDict) -> str:
        try:
            return encode_json(payload)
        except (TypeError, ValueError) as error:
            log.exception("%s produced a payload that is not JSON", method)
            raise InternalError(f"{method} produced a payload that is not JSON: {error}") from error

    # JSON-RPC 2.0

    def _handle_batch(self, members: list[Any]) -> None:
        if not members:
            empty = jsonrpc.error(jsonrpc.NULL_ID, jsonrpc.INVALID_REQUEST, "empty batch")
            self._write_jsonrpc(empty)
            return
        replies = [reply for reply in map(self._jsonrpc_reply, members) if reply is not None]
        if replies:
            self._writer.write(jsonrpc.batch_line(replies))

    def _write_jsonrpc(self, reply: str | None) -> None:
        if reply is not None:
            self._writer.write(jsonrpc.line(reply))

    def _jsonrpc_reply(self, value: Any) -> str | None:
        """The reply object for one call; None for a notification, which is owed nothing."""
        try:
            call = jsonrpc.parse_call(value)
        except jsonrpc.InvalidRequest as error:
            return jsonrpc.error(error.id_json, jsonrpc.INVALID_REQUEST, str(error))
        if call.id_json is None:
            return None
        if not call.params_ok:
            detail = f"{call.method} takes no parameters"
            return jsonrpc.error(call.id_json, jsonrpc.INVALID_PARAMS, detail)
        try:
            payload = self._metrics.collect(call.method)
            return jsonrpc.result(call.id_json, self._payload_json(call.method, payload))
        except UnknownMethod:
            detail = f"unknown method: {call.method}"
            return jsonrpc.error(call.id_json, jsonrpc.METHOD_NOT_FOUND, detail)
        except SysmonError as error:
            return jsonrpc.method_error(call.id_json, error)
