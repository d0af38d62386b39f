import json
from pathlib import Path

import pytest

from sysmon.adapters.fake_broker import (
    Fail,
    FakeBroker,
    ReceivedRequest,
    Reply,
    Silence,
    read_transcript,
)
from sysmon.adapters.fake_clock import FakeClock
from sysmon.domain.ports import BrokerPort, BrokerReply
from sysmon.domain.timers import Timers

BROKER_DATA = Path(__file__).resolve().parents[3] / "sysmon" / "broker_replies"


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def timers(clock):
    return Timers(clock)


@pytest.fixture
def broker(timers):
    fake = FakeBroker(timers)
    _: BrokerPort = fake
    return fake


def test_a_reply_arrives_after_its_delay_in_simulated_time(broker, clock, timers):
    broker.script("RPCGetMessageStats", Reply({"total_messages": 3}, delay=0.25))
    replies = []
    assert broker.request("RPCGetMessageStats", replies.append) == "sysmon-rpc-1"
    clock.advance(0.24)
    timers.run_due()
    assert replies == []
    clock.advance(0.01)
    timers.run_due()
    assert replies == [BrokerReply(ok=True, payload={"total_messages": 3})]
    assert broker.pending == []


def test_a_zero_delay_reply_comes_through_the_timers_not_inside_request(broker, timers):
    broker.script("RPCGetMessageStats", Reply({"n": 1}))
    replies = []
    broker.request("RPCGetMessageStats", replies.append)
    assert replies == []
    assert timers.run_due() == 1
    assert replies == [BrokerReply(ok=True, payload={"n": 1})]


def test_scripted_behaviours_are_used_in_order_then_the_default(broker, timers):
    broker.script("RPCGetMessageStats", Fail("busy"), Silence(), Reply(1))
    broker.set_default("RPCGetMessageStats", Reply("default"))
    replies = []
    for _ in range(5):
        broker.request("RPCGetMessageStats", replies.append)
    timers.run_due()
    assert replies == [
        BrokerReply(ok=False, error="busy"),
        BrokerReply(ok=True, payload=1),
        BrokerReply(ok=True, payload="default"),
        BrokerReply(ok=True, payload="default"),
    ]
    assert broker.pending == ["sysmon-rpc-2"]
    assert broker.requests == [
        ReceivedRequest("RPCGetMessageStats", f"sysmon-rpc-{n}") for n in range(1, 6)
    ]


def test_an_unscripted_method_is_unknown_as_with_the_real_broker(broker, timers):
    replies = []
    broker.request("RPCGetThings", replies.append)
    timers.run_due()
    assert replies == [BrokerReply(ok=False, error="unknown RPC method: RPCGetThings")]


def test_a_reply_to_a_cancelled_request_is_counted_as_late_and_dropped(broker, clock, timers):
    broker.script("RPCGetMessageStats", Reply({"n": 1}, delay=2.0))
    replies = []
    cid = broker.request("RPCGetMessageStats", replies.append)
    broker.cancel(cid)
    clock.advance(2.0)
    timers.run_due()
    assert replies == []
    assert broker.late == 1


def test_the_process_id_shapes_correlation_ids(timers):
    broker = FakeBroker(timers, process_id="sysmon-b")
    assert broker.request("X", lambda reply: None) == "sysmon-b-rpc-1"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("message_stats_total.json", "total"),
        ("message_stats_flat.json", "flat"),
        ("message_stats_unknown.json", "error"),
        ("message_stats_silent.json", "silent"),
    ],
)
def test_canned_transcripts_load_into_the_fake(broker, clock, timers, name, expected):
    broker.load(BROKER_DATA / name)
    replies = []
    broker.request("RPCGetMessageStats", replies.append)
    clock.advance(0.01)
    timers.run_due()
    if expected == "total":
        (reply,) = replies
        assert reply.ok
        assert reply.payload["total"]["request_count"] == 760
        assert set(reply.payload["per_process"]) == {"access", "sysmon"}
    elif expected == "flat":
        assert replies == [
            BrokerReply(
                ok=True,
                payload={
                    "total_messages": 3038,
                    "sent_messages": 1520,
                    "received_messages": 1518,
                    "request_messages": 760,
                    "response_messages": 756,
                    "event_messages": 2,
                    "error_messages": 2,
                },
            )
        ]
    elif expected == "error":
        assert replies == [BrokerReply(ok=False, error="unknown RPC method: RPCGetMessageStats")]
    else:
        assert replies == []
        assert broker.pending == ["sysmon-rpc-1"]


def test_transcripts_keep_the_wire_messages_and_delays():
    (exchange,) = read_transcript(BROKER_DATA / "message_stats_total.json")
    assert exchange.request == {
        "type": "request",
        "id": "RPCGetMessageStats",
        "source": "sysmon",
        "target": "broker",
        "correlation_id": "sysmon-rpc-1",
    }
    assert exchange.reply["correlation_id"] == "sysmon-rpc-1"
    assert exchange.delay == 0.002
    assert exchange.behaviour == Reply(exchange.reply["payload"], 0.002)


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ([], "an object with an 'exchanges' list"),
        ({"exchanges": {}}, "an object with an 'exchanges' list"),
        ({"exchanges": [{"reply": None}]}, "exchange 1 has no request with a string id"),
        ({"exchanges": [{"request": {"id": 1}}]}, "exchange 1 has no request with a string id"),
        ({"exchanges": [{"request": {"id": "X"}, "reply": []}]}, "must be an object or null"),
        ({"exchanges": [{"request": {"id": "X"}, "delay": -1}]}, "delay must be seconds >= 0"),
        ({"exchanges": [{"request": {"id": "X"}, "delay": True}]}, "delay must be seconds >= 0"),
    ],
)
def test_malformed_transcripts_are_refused_with_the_reason(tmp_path, document, complaint):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match=complaint):
        read_transcript(path)


def test_a_reply_read_from_the_wire_is_not_for_the_fake(broker):
    broker.script("RPCGetMessageStats", Silence())
    correlation_id = broker.request("RPCGetMessageStats", lambda reply: None)
    message = {"type": "response", "id": "RPCGetMessageStats", "correlation_id": correlation_id}
    assert broker.deliver(message) is False
    assert broker.pending == [correlation_id]


def test_fail_all_answers_every_waiting_request_and_drops_later_replies(broker, clock, timers):
    broker.script("RPCGetMessageStats", Silence(), Reply({"n": 1}, delay=0.5))
    replies = []
    broker.request("RPCGetMessageStats", replies.append)
    broker.request("RPCGetMessageStats", replies.append)
    broker.fail_all("end of input")
    assert replies == [BrokerReply(ok=False, error="end of input")] * 2
    assert broker.pending == []
    clock.advance(0.5)
    timers.run_due()
    assert len(replies) == 2
    assert broker.late == 1
