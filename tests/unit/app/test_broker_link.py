import json
from pathlib import Path

import pytest

from sysmon.adapters.broker_link import BrokerLink
from sysmon.adapters.fake_broker import read_transcript
from sysmon.adapters.stdio import MemoryWriter, OutputClosed
from sysmon.domain.ports import BrokerPort, BrokerReply

BROKER_DATA = Path(__file__).resolve().parents[3] / "sysmon" / "broker_replies"


def make_link(process_id="sysmon"):
    writer = MemoryWriter()
    link = BrokerLink(writer, process_id)
    _: BrokerPort = link
    return link, writer


def test_requests_go_out_with_fresh_correlation_ids():
    link, writer = make_link("sysmon-2")
    replies = []
    assert link.request("RPCGetMessageStats", replies.append) == "sysmon-2-rpc-1"
    assert link.request("RPCGetMessageStats", replies.append) == "sysmon-2-rpc-2"
    assert writer.lines() == [
        '{"type":"request","id":"RPCGetMessageStats","source":"sysmon-2","target":"broker",'
        '"correlation_id":"sysmon-2-rpc-1"}',
        '{"type":"request","id":"RPCGetMessageStats","source":"sysmon-2","target":"broker",'
        '"correlation_id":"sysmon-2-rpc-2"}',
    ]
    assert link.pending == 2
    assert replies == []


@pytest.mark.parametrize(
    "name", ["message_stats_total.json", "message_stats_flat.json", "message_stats_unknown.json"]
)
def test_the_canned_exchanges_round_trip(name):
    (exchange,) = read_transcript(BROKER_DATA / name)
    link, writer = make_link()
    replies = []
    link.request(exchange.method, replies.append)
    assert writer.messages() == [exchange.request]
    assert link.deliver(exchange.reply) is True
    if exchange.reply["type"] == "error":
        assert replies == [BrokerReply(ok=False, error="unknown RPC method: RPCGetMessageStats")]
    else:
        assert replies == [BrokerReply(ok=True, payload=exchange.reply["payload"])]
    assert link.pending == 0


def test_a_reply_is_delivered_once_and_a_repeat_is_dropped():
    link, _ = make_link()
    replies = []
    cid = link.request("RPCGetMessageStats", replies.append)
    assert link.deliver({"type": "response", "correlation_id": cid, "payload": {"n": 1}})
    assert not link.deliver({"type": "response", "correlation_id": cid, "payload": {"n": 2}})
    assert replies == [BrokerReply(ok=True, payload={"n": 1})]


@pytest.mark.parametrize(
    "message",
    [
        {"type": "response", "correlation_id": "access-rpc-9", "payload": {}},
        {"type": "response", "correlation_id": ""},
        {"type": "response"},
        {"type": "error", "correlation_id": ["sysmon-rpc-1"]},
    ],
)
def test_stray_replies_are_dropped(message):
    link, _ = make_link()
    replies = []
    link.request("RPCGetMessageStats", replies.append)
    assert link.deliver(message) is False
    assert replies == []
    assert link.pending == 1


def test_an_error_reply_without_text_still_fails():
    link, _ = make_link()
    replies = []
    cid = link.request("RPCGetMessageStats", replies.append)
    link.deliver({"type": "error", "correlation_id": cid, "error": ""})
    assert replies == [BrokerReply(ok=False, error="error reply without a text")]


def test_a_cancelled_request_ignores_its_late_reply():
    link, _ = make_link()
    replies = []
    cid = link.request("RPCGetMessageStats", replies.append)
    link.cancel(cid)
    link.cancel(cid)
    assert link.deliver({"type": "response", "correlation_id": cid, "payload": 1}) is False
    assert replies == []


def test_fail_all_answers_every_waiting_request():
    link, _ = make_link()
    first, second = [], []
    link.request("A", first.append)
    link.request("B", second.append)
    link.fail_all("end of input")
    assert first == second == [BrokerReply(ok=False, error="end of input")]
    assert link.pending == 0
    link.fail_all("again")
    assert first == [BrokerReply(ok=False, error="end of input")]


def test_a_closed_output_propagates_and_leaves_nothing_pending():
    link, writer = make_link()
    writer.close()
    with pytest.raises(OutputClosed):
        link.request("RPCGetMessageStats", lambda reply: None)
    assert link.pending == 0


def test_requests_are_single_json_lines_even_for_odd_ids():
    link, writer = make_link('sys"mon\n')
    link.request("RPCGetMessageStats", lambda reply: None)
    (line,) = writer.lines()
    assert json.loads(line)["source"] == 'sys"mon\n'
    assert json.loads(line)["correlation_id"] == 'sys"mon\n-rpc-1'
