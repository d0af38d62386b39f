"""JSON-RPC 2.0: what makes a valid call, and reply objects built from pre-encoded pieces.

The methods take no parameters; absent ``params``, ``[]``, ``{}`` and ``null`` are
accepted, anything else is -32602. Errors of a method carry the spec's error name
in ``error.data.name``; protocol errors carry the reason in ``error.data.detail``.
"""

from __future__ import annotations

import math
from json.encoder import encode_basestring_ascii as quote
from typing import Any

from sysmon.app.envelope import encode_json, json_type
from sysmon.domain.errors import SysmonError, describe
from sysmon.domain.records import record

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
SERVICE_UNAVAILABLE = -32001
INTERNAL_ERROR = -32603

MESSAGES = {
    PARSE_ERROR: "Parse error",
    INVALID_REQUEST: "Invalid Request",
    METHOD_NOT_FOUND: "Method not found",
    INVALID_PARAMS: "Invalid params",
}
_CODES = {"ServiceUnavailable": SERVICE_UNAVAILABLE, "InternalError": INTERNAL_ERROR}
NULL_ID = "null"


@record
class Call:
    """A valid request; ``id_json`` is the encoded id, None for a notification."""

    method: str
    id_json: str | None
    params_ok: bool

    @property
    def is_notification(self) -> bool:
        return self.id_json is None


class InvalidRequest(ValueError):
    """Not a valid request object (-32600); ``id_json`` is its id when that could be read."""

    def __init__(self, reason: str, id_json: str = NULL_ID) -> None:
        super().__init__(reason)
        self.id_json = id_json


def is_batch(value: list[Any]) -> bool:
    """In the mixed dialect, an array is a batch when empty or when a member names jsonrpc."""
    return not value or any(type(member) is dict and "jsonrpc" in member for member in value)


def parse_call(value: Any) -> Call:
    if type(value) is not dict:
        raise InvalidRequest(f"a request is an object, not {_kind(value)}")
    id_json: str | None = None
    if "id" in value:
        id_json = _encode_id(value["id"])
    if value.get("jsonrpc") != "2.0":
        raise InvalidRequest('"jsonrpc" must be exactly "2.0"', id_json or NULL_ID)
    method = value.get("method")
    if type(method) is not str:
        raise InvalidRequest('"method" must be a string', id_json or NULL_ID)
    params = value.get("params")
    params_ok = params is None or (type(params) in (list, dict) and not params)
    return Call(method, id_json, params_ok)


def _encode_id(value: Any) -> str:
    """Strings, numbers and null are ids; anything else makes the request invalid."""
    if type(value) is str:
        return quote(value)
    if value is None:
        return NULL_ID
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return encode_json(value)
    raise InvalidRequest(f'"id" must be a string, a number or null, not {_kind(value)}')


def _kind(value: Any) -> str:
    return f"a JSON {json_type(value)}"


def result(id_json: str, payload_json: str) -> str:
    return '{"jsonrpc":"2.0","id":' + id_json + ',"result":' + payload_json + "}"


def error(id_json: str, code: int, detail: str = "") -> str:
    """A protocol error: the standard message, and the reason in ``data.detail``."""
    data = encode_json({"detail": detail}) if detail else ""
    return _error(id_json, code, MESSAGES[code], data)


def method_error(id_json: str, failure: SysmonError) -> str:
    """-32001 ServiceUnavailable or -32603 InternalError, named in ``data.name``."""
    code = _CODES.get(failure.code, INTERNAL_ERROR)
    return _error(id_json, code, describe(failure), encode_json({"name": failure.code}))


def _error(id_json: str, code: int, message: str, data_json: str) -> str:
    data = ',"data":' + data_json if data_json else ""
    return (
        '{"jsonrpc":"2.0","id":'
        + id_json
        + ',"error":{"code":'
        + str(code)
        + ',"message":'
        + quote(message)
        + data
        + "}}"
    )


def line(reply: str) -> bytes:
    return (reply + "\n").encode()


def batch_line(replies: list[str]) -> bytes:
    return ("[" + ",".join(replies) + "]\n").encode()
