"""The dashboard's poll under a broker that never answers RPCGetMessageStats.

The current and the stdio generations of the broker never deliver an answer. One
RPCGetSysMetrics a simulated second for ten simulated minutes, with the cache off:
only the very first reply may wait (the broker has not been seen silent yet), for
``sysmon_broker_timeout``; every later one leaves at the moment its request came.
How long each waited is read off the transcript: the time of the ``in`` line against
the time of the ``out`` line with the same correlation id.
"""

import json

import pytest

from sysmon.adapters.fake_broker import Silence
from sysmon.app.config import Settings

SECONDS = 600


@pytest.fixture
def sim_settings():
    return Settings(cache_duration=0.0)


def waits_from(transcript):
    asked, waited = {}, {}
    for entry in transcript.entries:
        if entry.direction not in ("in", "out"):
            continue
        message = json.loads(entry.text)
        if message.get("id") != "RPCGetSysMetrics":
            continue
        if entry.direction == "in":
            asked[message["correlation_id"]] = entry.seconds
        else:
            corr = message["correlation_id"]
            waited[corr] = round(entry.seconds - asked[corr], 9)
    return asked, waited


def test_one_poll_a_second_for_ten_minutes_waits_once(sim_service, fake_broker):
    fake_broker.set_default("RPCGetMessageStats", Silence())
    for second in range(1, SECONDS + 1):
        sim_service.wait(second - sim_service.now)  # the poll comes on the second
        sim_service.request("RPCGetSysMetrics", correlation_id=f"poll-{second}")
    sim_service.wait(1.0)
    asked, waited = waits_from(sim_service.transcript)
    assert len(asked) == len(waited) == SECONDS  # every poll answered once
    assert waited["poll-1"] == 0.5
    assert [corr for corr, seconds in waited.items() if seconds > 0] == ["poll-1"]
    # the broker was still asked now and then, in the background: 30 s after the first
    # timeout (t = 1.5), then after 60, 120 and 240 s counted from each further timeout
    queries = [e.seconds for e in sim_service.transcript.entries if e.direction == "to-broker"]
    assert queries == [1.0, 32.0, 93.0, 214.0, 455.0]
    replies = [m for m in sim_service.transcript.messages("out") if m.get("type") == "response"]
    assert all("message_stats" not in m["payload"] for m in replies)  # none ever came
