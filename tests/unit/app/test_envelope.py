import json
import math

import pytest

from sysmon.app.envelope import (
    BrokerDialect,
    Envelope,
    EnvelopeError,
    decode_envelope,
    encode_json,
    json_type,
)
from sysmon.domain.errors import InternalError, ServiceUnavailable

# The reference's own lines (shared/reference/broker-protocol.md), byte for byte.
REFERENCE_REQUEST = (
    '{"type":"request","id":"RPCGetSysMetrics","source":"access","target":"sysmon",'
    '"correlation_id":"access-rpc-7"}'
)
REFERENCE_RESPONSE = (
    '{"type":"response","id":"RPCGetSysMetrics","payload":{"cpu_usage":3.2,"memory_usage":41.0},'
    '"source":"sysmon","target":"access","correlation_id":"access-rpc-7"}\n'
)
REFERENCE_ERROR = (
    '{"type":"error","id":"RPCGetSysMetrics","error":"Failed to collect metrics",'
    '"source":"sysmon","target":"access","correlation_id":"access-rpc-7"}\n'
)


def test_the_reference_request_and_replies_round_trip_unchanged():
    request = decode_envelope(json.loads(REFERENCE_REQUEST))
    assert request == Envelope(
        type="request",
        id="RPCGetSysMetrics",
        source="access",
        target="sysmon",
        correlation_id="access-rpc-7",
    )
    dialect = BrokerDialect("sysmon")
    payload = encode_json({"cpu_usage": 3.2, "memory_usage": 41.0})
    assert dialect.response(request, payload).decode() == REFERENCE_RESPONSE
    assert dialect.error(request, "Failed to collect metrics").decode() == REFERENCE_ERROR


def test_missing_and_null_fields_are_empty_strings_and_unknown_keys_are_ignored():
    message = decode_envelope(
        {"type": "request", "id": "RPCGetUptime", "source": None, "extra": [1], "payload": {"a": 1}}
    )
    assert message == Envelope(type="request", id="RPCGetUptime", payload={"a": 1})


def test_payload_is_kept_as_any_json_value():
    assert decode_envelope({"payload": [1, "two", None]}).payload == [1, "two", None]
    assert decode_envelope({"payload": "text"}).payload == "text"
    assert decode_envelope({}).payload is None


def test_null_is_the_empty_message_and_empty_object_too():
    assert decode_envelope(None) == Envelope()
    assert decode_envelope({}) == Envelope()


def test_keys_match_fields_ignoring_case_as_the_framework_does():
    message = decode_envelope({"Type": "request", "ID": "RPCGetUptime", "Correlation_ID": "c-1"})
    assert (message.type, message.id, message.correlation_id) == ("request", "RPCGetUptime", "c-1")


def test_an_exact_key_after_a_folded_one_wins_as_the_last_value():
    assert decode_envelope({"ID": "first", "id": "second"}).id == "second"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"type": "request", "id": 5}, 'field "id" must be a string, not a JSON number'),
        ({"type": True}, 'field "type" must be a string, not a JSON boolean'),
        ({"correlation_id": ["x"]}, 'field "correlation_id" must be a string, not a JSON array'),
        ({"source": {}}, 'field "source" must be a string, not a JSON object'),
        ({"error": 1.5}, 'field "error" must be a string, not a JSON number'),
        ({"TARGET": 1}, 'field "target" must be a string, not a JSON number'),
        ([1, 2], "cannot decode a JSON array into a message"),
        ("text", "cannot decode a JSON string into a message"),
        (42, "cannot decode a JSON number into a message"),
        (False, "cannot decode a JSON boolean into a message"),
    ],
)
def test_values_the_envelope_cannot_hold_are_parse_errors(value, reason):
    with pytest.raises(EnvelopeError) as caught:
        decode_envelope(value)
    assert str(caught.value) == reason


def test_a_type_mismatch_reports_the_first_bad_field_and_keeps_usable_routing():
    with pytest.raises(EnvelopeError) as caught:
        decode_envelope({"id": 7, "type": 8, "source": "access", "correlation_id": "access-rpc-3"})
    assert str(caught.value) == 'field "id" must be a string, not a JSON number'
    assert (caught.value.source, caught.value.correlation_id) == ("access", "access-rpc-3")


def test_replies_are_response_and_error_only():
    assert decode_envelope({"type": "response"}).is_reply
    assert decode_envelope({"type": "error"}).is_reply
    assert not decode_envelope({"type": "request"}).is_reply
    assert not decode_envelope({"type": "event"}).is_reply
    assert not decode_envelope({}).is_reply


def test_as_message_gives_every_field():
    message = Envelope("response", "RPCGetMessageStats", {"n": 1}, "", "broker", "sysmon", "c")
    assert message.as_message() == {
        "type": "response",
        "id": "RPCGetMessageStats",
        "payload": {"n": 1},
        "error": "",
        "source": "broker",
        "target": "sysmon",
        "correlation_id": "c",
    }


# Encoding


def test_empty_fields_are_left_out_and_keys_keep_the_reference_order():
    dialect = BrokerDialect("sysmon")
    line = dialect.message(
        "error", "X", payload_json="[]", error="e", target="t", correlation_id="c"
    )
    assert line == (
        b'{"type":"error","id":"X","payload":[],"error":"e","source":"sysmon",'
        b'"target":"t","correlation_id":"c"}\n'
    )
    assert dialect.message("event") == b'{"type":"event","source":"sysmon"}\n'
    assert BrokerDialect("").message("event", "x") == b'{"type":"event","id":"x"}\n'


def test_a_reply_to_a_request_without_source_or_correlation_has_no_routing():
    line = BrokerDialect("sysmon").response(Envelope("request", "RPCGetUptime"), "{}")
    assert line == b'{"type":"response","id":"RPCGetUptime","payload":{},"source":"sysmon"}\n'


def test_method_errors_name_the_spec_error_in_text_and_payload():
    request = Envelope("request", "RPCGetSysMetrics", source="access", correlation_id="a-1")
    line = BrokerDialect("sysmon").method_error(
        request, ServiceUnavailable("/proc is not readable: missing")
    )
    assert json.loads(line) == {
        "type": "error",
        "id": "RPCGetSysMetrics",
        "payload": {"code": "ServiceUnavailable", "message": "/proc is not readable: missing"},
        "error": "ServiceUnavailable: /proc is not readable: missing",
        "source": "sysmon",
        "target": "access",
        "correlation_id": "a-1",
    }
    line = BrokerDialect("sysmon").method_error(request, InternalError("/proc/stat: no cpu line"))
    assert json.loads(line)["payload"] == {
        "code": "InternalError",
        "message": "/proc/stat: no cpu line",
    }


def test_protocol_errors_keep_the_reference_texts_verbatim():
    dialect = BrokerDialect("sysmon")
    request = Envelope("request", "RPCNope", source="access", correlation_id="a-2")
    assert dialect.no_handler(request) == (
        b'{"type":"error","id":"RPCNope","error":"no handler found for message: RPCNope",'
        b'"source":"sysmon","target":"access","correlation_id":"a-2"}\n'
    )
    assert dialect.parse_error("bad") == (
        b'{"type":"error","id":"parse-error","error":"failed to parse message: bad",'
        b'"source":"sysmon"}\n'
    )


def test_events_match_the_reference():
    dialect = BrokerDialect("sysmon")
    assert dialect.event("subprocess_ready", encode_json({"id": "sysmon"})) == (
        b'{"type":"event","id":"subprocess_ready","payload":{"id":"sysmon"},"source":"sysmon"}\n'
    )


def test_any_text_is_encoded_as_ascii_json_on_one_line():
    request = Envelope("request", "m\u00e9thode\n\u2028", source="\udcff", correlation_id='"x"')
    line = BrokerDialect("sysmon").no_handler(request)
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
    assert line.isascii()
    decoded = json.loads(line)
    assert decoded["id"] == "m\u00e9thode\n\u2028"
    assert decoded["target"] == "\udcff"
    assert decoded["correlation_id"] == '"x"'


def test_encode_json_is_compact_and_refuses_nan():
    assert encode_json({"a": [1, 2.5, None, True], "b": "\u00e9"}) == (
        '{"a":[1,2.5,null,true],"b":"\\u00e9"}'
    )
    with pytest.raises(ValueError):
        encode_json({"x": math.nan})
    with pytest.raises(ValueError):
        encode_json([math.inf])


@pytest.mark.parametrize(
    ("value", "name"),
    [(None, "null"), (True, "boolean"), (1, "number"), (1.5, "number"), ("", "string"),
     ([], "array"), ({}, "object")],
)  # fmt: skip
def test_json_type_names(value, name):
    assert json_type(value) == name
