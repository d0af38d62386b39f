"""A broker that is slow, then silent, then healthy again: message_stats and their age.

Defaults: the broker gets 0.5 s (``sysmon_broker_timeout``); after a timeout it is not
asked again for 30 s (``sysmon_broker_retry``), and until it answers again no request
waits for it; an answer is cached for 1 s. Figures not fetched for the reply they go
into carry ``message_stats_age_seconds``.
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
    assert "message_stats_age_seconds" not in reply["payload"]  # fetched for this reply
    assert round(sim.now, 9) == 1.3

    sim.wait(1.2)  # t = 2.5: both caches stale; the broker is asked again, and says nothing
    assert sim.request("RPCGetSysMetrics", correlation_id="b") is None
    assert sim.wait(0.49) == []
    (reply,) = sim.wait(0.01)  # t = 3.0: the 0.5 s are up; the figures of t = 1.3
    assert reply["correlation_id"] == "b"
    assert reply["payload"]["message_stats"] == STATS
    assert reply["payload"]["message_stats_age_seconds"] == 1.7

    sim.wait(7)  # t = 10, inside the 30 s pause: answered at once, the broker not asked
    reply = sim.request("RPCGetSysMetrics", correlation_id="c")
    assert reply["payload"]["message_stats_age_seconds"] == 8.7
    sim.wait(22.9)  # t = 32.9: still paused (until 3.0 + 30)
    assert sim.request("RPCGetSysMetrics")["payload"]["message_stats_age_seconds"] == 31.6
    assert len(fake_broker.requests) == 2

    sim.wait(0.2)  # t = 33.1: the pause is over; asked in the background, not waited for
    reply = sim.request("RPCGetSysMetrics", correlation_id="d")
    assert reply["payload"]["message_stats"] == STATS
    assert reply["payload"]["message_stats_age_seconds"] == 31.8
    assert len(fake_broker.requests) == 3
    sim.wait(0.4)  # t = 33.5: the answer came at 33.2 and is cached, 0.3 s old
    reply = sim.request("RPCGetSysMetrics", correlation_id="e")
    assert reply["payload"]["message_stats"] == LATER
    assert reply["payload"]["message_stats_age_seconds"] == 0.3
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
