import json

import pytest

from sysmon.app import jsonrpc
from sysmon.app.jsonrpc import Call, InvalidRequest, parse_call
from sysmon.domain.errors import InternalError, ProcfsFormatError, ServiceUnavailable
from sysmon.domain.metrics import UnknownMethod


@pytest.mark.parametrize(
    ("request_", "call"),
    [
        ({"jsonrpc": "2.0", "id": 1, "method": "RPCGetUptime"}, Call("RPCGetUptime", "1", True)),
        ({"jsonrpc": "2.0", "id": "a\u00e9", "method": "M"}, Call("M", '"a\\u00e9"', True)),
        ({"jsonrpc": "2.0", "id": None, "method": "M"}, Call("M", "null", True)),
        ({"jsonrpc": "2.0", "id": -2.5, "method": "M"}, Call("M", "-2.5", True)),
        ({"jsonrpc": "2.0", "method": "M"}, Call("M", None, True)),
        ({"jsonrpc": "2.0", "id": 1, "method": "M", "params": []}, Call("M", "1", True)),
        ({"jsonrpc": "2.0", "id": 1, "method": "M", "params": {}}, Call("M", "1", True)),
        ({"jsonrpc": "2.0", "id": 1, "method": "M", "params": None}, Call("M", "1", True)),
        ({"jsonrpc": "2.0", "id": 1, "method": "M", "params": [1]}, Call("M", "1", False)),
        ({"jsonrpc": "2.0", "id": 1, "method": "M", "params": {"a": 1}}, Call("M", "1", False)),
        ({"jsonrpc": "2.0", "id": 1, "method": "M", "params": "x"}, Call("M", "1", False)),
        ({"jsonrpc": "2.0", "id": 1, "method": "M", "params": 0}, Call("M", "1", False)),
        ({"jsonrpc": "2.0", "id": 1, "method": "M", "extra": True}, Call("M", "1", True)),
    ],
)
def test_valid_calls(request_, call):
    assert parse_call(request_) == call
    assert call.is_notification == ("id" not in request_)


@pytest.mark.parametrize(
    ("request_", "id_json", "reason"),
    [
        ([], "null", "a request is an object, not a JSON array"),
        (7, "null", "a request is an object, not a JSON number"),
        ({"id": 3, "method": "M"}, "3", '"jsonrpc" must be exactly "2.0"'),
        ({"jsonrpc": "1.0", "id": 3, "method": "M"}, "3", '"jsonrpc" must be exactly "2.0"'),
        ({"jsonrpc": 2.0, "id": "q", "method": "M"}, '"q"', '"jsonrpc" must be exactly "2.0"'),
        ({"jsonrpc": "2.0", "id": 4}, "4", '"method" must be a string'),
        ({"jsonrpc": "2.0", "id": 4, "method": 1}, "4", '"method" must be a string'),
        ({"jsonrpc": "2.0", "method": None}, "null", '"method" must be a string'),
        (
            {"jsonrpc": "2.0", "id": True, "method": "M"},
            "null",
            '"id" must be a string, a number or null, not a JSON boolean',
        ),
        (
            {"jsonrpc": "2.0", "id": {"a": 1}, "method": "M"},
            "null",
            '"id" must be a string, a number or null, not a JSON object',
        ),
        (
            {"jsonrpc": "2.0", "id": float("inf"), "method": "M"},
            "null",
            '"id" must be a string, a number or null, not a JSON number',
        ),
    ],
)
def test_invalid_requests_keep_the_id_when_it_could_be_read(request_, id_json, reason):
    with pytest.raises(InvalidRequest) as caught:
        parse_call(request_)
    assert caught.value.id_json == id_json
    assert str(caught.value) == reason


def test_batch_detection_in_the_mixed_dialect():
    assert jsonrpc.is_batch([])
    assert jsonrpc.is_batch([1, {"jsonrpc": "2.0"}])
    assert jsonrpc.is_batch([{"jsonrpc": "1.0"}])
    assert not jsonrpc.is_batch([1, 2])
    assert not jsonrpc.is_batch([{"type": "request"}])


def test_result_and_error_objects():
    assert json.loads(jsonrpc.result('"a"', '{"uptime":1.5}')) == {
        "jsonrpc": "2.0",
        "id": "a",
        "result": {"uptime": 1.5},
    }
    assert json.loads(jsonrpc.error("7", jsonrpc.METHOD_NOT_FOUND, "unknown method: X")) == {
        "jsonrpc": "2.0",
        "id": 7,
        "error": {
            "code": -32601,
            "message": "Method not found",
            "data": {"detail": "unknown method: X"},
        },
    }
    assert json.loads(jsonrpc.error("null", jsonrpc.INVALID_REQUEST)) == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32600, "message": "Invalid Request"},
    }


@pytest.mark.parametrize(
    ("failure", "code", "name", "message"),
    [
        (ServiceUnavailable("/proc is not readable: missing"), -32001, "ServiceUnavailable",
         "ServiceUnavailable: /proc is not readable: missing"),
        (InternalError("unexpected KeyError: 'x'"), -32603, "InternalError",
         "InternalError: unexpected KeyError: 'x'"),
        (ProcfsFormatError("/proc/stat", "empty"), -32603, "InternalError",
         "InternalError: /proc/stat: empty"),
        (UnknownMethod("X"), -32603, "InternalError", "InternalError: X"),
    ],
)  # fmt: skip
def test_method_errors_carry_the_spec_error_name(failure, code, name, message):
    assert json.loads(jsonrpc.method_error("1", failure)) == {
        "jsonrpc": "2.0",
        "id": 1,
        "error": {"code": code, "message": message, "data": {"name": name}},
    }


def test_lines_and_batch_lines():
    assert jsonrpc.line('{"a":1}') == b'{"a":1}\n'
    assert jsonrpc.batch_line(['{"a":1}', '{"b":2}']) == b'[{"a":1},{"b":2}]\n'
