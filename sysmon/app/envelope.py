"""The broker's envelope: decoded the way its subprocess framework decodes it, encoded fast.

The framework decodes every line into a struct of string fields (``type``, ``id``,
``error``, ``source``, ``target``, ``correlation_id``) and a raw ``payload``. So, as
there: a field of another JSON type fails the whole line (a parse error), ``null`` or
a missing field is the empty string, unknown keys are ignored, and a key that matches
a field only when case is ignored still fills it. Replies are built by concatenating
pre-encoded pieces, so a cached payload is never encoded twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii as quote
from typing import Any

from sysmon.domain.errors import SysmonError, describe

STRING_FIELDS: tuple[str, ...] = ("type", "id", "error", "source", "target", "correlation_id")
_FIELDS = frozenset((*STRING_FIELDS, "payload"))
_FOLDED = {name.casefold(): name for name in _FIELDS}
_REPLY_TYPES = frozenset({"response", "error"})

_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False, check_circular=False)


def encode_json(value: Any) -> str:
    """The wire's JSON: compact, ASCII only (so always valid UTF-8), no NaN or Infinity."""
    return _ENCODER.encode(value)


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for error texts."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


@dataclass(slots=True)
class Envelope:
    """One decoded message; absent fields are empty strings, an absent payload is None.

    Not frozen: a frozen dataclass's ``__init__`` costs three times as much, and one
    is built per request.
    """

    type: str = ""
    id: str = ""
    payload: Any = None
    error: str = ""
    source: str = ""
    target: str = ""
    correlation_id: str = ""

    @property
    def is_reply(self) -> bool:
        """A ``response`` or ``error``: an answer to a request of ours, never a request."""
        return self.type in _REPLY_TYPES

    def as_message(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "id": self.id,
            "payload": self.payload,
            "error": self.error,
            "source": self.source,
            "target": self.target,
            "correlation_id": self.correlation_id,
        }


class EnvelopeError(ValueError):
    """A line that is JSON but not a message; keeps whatever routing fields were usable."""

    def __init__(self, reason: str, source: str = "", correlation_id: str = "") -> None:
        super().__init__(reason)
        self.source = source
        self.correlation_id = correlation_id


def decode_envelope(value: Any) -> Envelope:
    """A decoded JSON value as a message, or ``EnvelopeError`` saying why it is not one."""
    if value is None:
        return Envelope()  # ``null`` decodes to the empty message, as in the framework
    if type(value) is not dict:
        raise EnvelopeError(f"cannot decode a JSON {json_type(value)} into a message")
    if not _FIELDS.issuperset(value):
        value = _fold_keys(value)
    get = value.get
    type_, id_, error = get("type", ""), get("id", ""), get("error", "")
    source, target, correlation_id = get("source", ""), get("target", ""), get("correlation_id", "")
    if (
        type(type_) is str
        and type(id_) is str
        and type(error) is str
        and type(source) is str
        and type(target) is str
        and type(correlation_id) is str
    ):
        return Envelope(type_, id_, get("payload"), error, source, target, correlation_id)
    return _decode_slowly(value)


def _fold_keys(value: dict[str, Any]) -> dict[str, Any]:
    """Exact field names win; otherwise a case-insensitive match; other keys are ignored."""
    folded: dict[str, Any] = {}
    for key, item in value.items():
        name = key if key in _FIELDS else _FOLDED.get(key.casefold())
        if name is not None:
            folded[name] = item
    return folded


def _decode_slowly(value: dict[str, Any]) -> Envelope:
    """``null`` fields become empty; the first field of another type fails the line."""
    strings: dict[str, str] = {}
    mismatch = ""
    for key, item in value.items():
        if key == "payload" or item is None:
            continue
        if type(item) is str:
            strings[key] = item
        elif not mismatch:
            mismatch = f'field "{key}" must be a string, not a JSON {json_type(item)}'
    if mismatch:
        raise EnvelopeError(mismatch, strings.get("source", ""), strings.get("correlation_id", ""))
    return Envelope(payload=value.get("payload"), **strings)


class BrokerDialect:
    """Encodes our side of the broker's protocol for one process id."""

    def __init__(self, process_id: str) -> None:
        self.process_id = process_id
        self._source = ',"source":' + quote(process_id) if process_id else ""

    def response(self, request: Envelope, payload_json: str) -> bytes:
        """The hot path: a method's result, its payload already encoded."""
        return (
            '{"type":"response","id":'
            + quote(request.id)
            + ',"payload":'
            + payload_json
            + self._source
            + _routing(request.source, request.correlation_id)
            + "}\n"
        ).encode()

    def error(self, request: Envelope, text: str, payload_json: str = "") -> bytes:
        """An error reply that copies the request's id and correlation_id."""
        return self.message(
            "error",
            request.id,
            payload_json=payload_json,
            error=text,
            target=request.source,
            correlation_id=request.correlation_id,
        )

    def method_error(self, request: Envelope, error: SysmonError) -> bytes:
        """``ServiceUnavailable: …`` as text, and the spec's error name as ``payload.code``."""
        payload = encode_json({"code": error.code, "message": str(error)})
        return self.error(request, describe(error), payload)

    def no_handler(self, request: Envelope) -> bytes:
        return self.error(request, f"no handler found for message: {request.id}")

    def parse_error(self, reason: str, target: str = "", correlation_id: str = "") -> bytes:
        return self.message(
            "error",
            "parse-error",
            error=f"failed to parse message: {reason}",
            target=target,
            correlation_id=correlation_id,
        )

    def event(self, name: str, payload_json: str) -> bytes:
        return self.message("event", name, payload_json=payload_json)

    def message(
        self,
        type_: str,
        id_: str = "",
        *,
        payload_json: str = "",
        error: str = "",
        target: str = "",
        correlation_id: str = "",
    ) -> bytes:
        """Any message, keys in the reference's order, empty ones left out."""
        parts = ['{"type":', quote(type_)]
        if id_:
            parts += (',"id":', quote(id_))
        if payload_json:
            parts += (',"payload":', payload_json)
        if error:
            parts += (',"error":', quote(error))
        parts += (self._source, _routing(target, correlation_id), "}\n")
        return "".join(parts).encode()


def _routing(target: str, correlation_id: str) -> str:
    text = ',"target":' + quote(target) if target else ""
    if correlation_id:
        text += ',"correlation_id":' + quote(correlation_id)
    return text
