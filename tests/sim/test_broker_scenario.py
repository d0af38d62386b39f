"""A broker that is slow, then silent, then healthy again: message_stats comes and goes.

Defaults: the broker gets 0.5 s (``sysmon_broker_timeout``); after a failure it is not
asked again for 30 s (``sysmon_broker_retry``); an answer is cached for 1 s.
"""

from sysmon.adapters.fake_broker import Reply, Silence

STATS = {"total": {"total_sent": 10, "total_received": 12}}
LATER = {"total": {"total_sent": 99, "total_received": 98}}


def test_a_slow_then_silent_then_healthy_broker(sim_service, fake_broker):
    sim = sim_service
    fake_broker.script(
        "RPCGetMessageStats", Reply(STATS, delay=0.3), Silence(), Reply(LATER, delay=0.1)
    )
    sim.advance(1)
    assert sim.request("RPCGetSysMetrics", correlation_id="a") is None  # waits for the broker
    (reply,) = sim.wait(0.3)  # slow, but inside the timeout
    assert reply["correlation_id"] == "a"
    assert reply["payload"]["message_stats"] == STATS
    assert round(sim.now, 9) == 1.3

    sim.wait(1.2)  # t = 2.5: both caches stale; the broker is asked again, and says nothing
    assert sim.request("RPCGetSysMetrics", correlation_id="b") is None
    assert sim.wait(0.49) == []
    (reply,) = sim.wait(0.01)  # t = 3.0: the 0.5 s are up
    assert reply["correlation_id"] == "b"
    assert "message_stats" not in reply["payload"]

    sim.wait(7)  # t = 10, inside the 30 s pause: answered at once, the broker not asked
    reply = sim.request("RPCGetSysMetrics", correlation_id="c")
    assert "message_stats" not in reply["payload"]
    sim.wait(22.9)  # t = 32.9: still paused (until 3.0 + 30)
    assert "message_stats" not in sim.request("RPCGetSysMetrics")["payload"]
    assert len(fake_broker.requests) == 2

    sim.wait(0.2)  # t = 33.1: the pause is over; the broker is asked and answers in 0.1 s
    assert sim.request("RPCGetSysMetrics", correlation_id="d") is None
    (reply,) = sim.wait(0.1)
    assert reply["payload"]["message_stats"] == LATER
    assert len(fake_broker.requests) == 3
    asked = [e.line() for e in sim.transcript.entries if e.direction.endswith("broker")]
    assert asked == [
        "   1.000 to-broker RPCGetMessageStats sysmon-rpc-1",
        '   1.300 from-broker sysmon-rpc-1 ok {"total":{"total_received":12,"total_sent":10}}',
        "   2.500 to-broker RPCGetMessageStats sysmon-rpc-2",
        "  33.100 to-broker RPCGetMessageStats sysmon-rpc-3",
        '  33.200 from-broker sysmon-rpc-3 ok {"total":{"total_received":98,"total_sent":99}}',
    ]


def test_a_broker_error_leaves_message_stats_out_at_once(sim_service, fake_broker):
    # The default FakeBroker answers as the real broker does for a method it lacks.
    reply = sim_service.request("RPCGetSysMetrics")
    assert reply["type"] == "response"
    assert "message_stats" not in reply["payload"]
    assert sim_service.transcript.entries[-2].text == (
        "sysmon-rpc-1 error: unknown RPC method: RPCGetMessageStats"
    )


def test_end_of_input_answers_a_request_still_waiting_for_the_broker(sim_service, fake_broker):
    fake_broker.script("RPCGetMessageStats", Silence())
    assert sim_service.request("RPCGetSysMetrics", correlation_id="w") is None
    (reply,) = sim_service.eof()
    assert reply["correlation_id"] == "w"
    assert "message_stats" not in reply["payload"]
