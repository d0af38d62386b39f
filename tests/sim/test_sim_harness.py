"""SimService itself: clocks, replies found later, time stepping to the exact deadline."""

import pytest

from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.fake_host import FakeHost
from sysmon.app.sim import SimService


def test_the_hosts_own_fake_clock_is_the_simulations(fake_fs):
    clock = FakeClock(start_epoch=2_000_000_000.0)
    host = FakeHost("/sim", fs=fake_fs, clock=clock)
    sim = SimService(host)
    assert sim.clock is clock
    sim.start()
    host.advance(2)  # the host moves time through the simulation now
    assert (sim.now, clock.time()) == (2.0, 2_000_000_002.0)


def test_a_host_without_a_clock_gets_one_on_its_calendar(fake_fs):
    host = FakeHost("/sim", fs=fake_fs)
    sim = SimService(host)
    assert sim.clock.time() == host.now == 1_795_766_400.0


def test_replies_are_found_wherever_they_went_out(sim_service, fake_broker):
    from sysmon.adapters.fake_broker import Reply

    fake_broker.script("RPCGetMessageStats", Reply({"n": 1}, delay=0.25))
    sim_service.advance(1)
    assert sim_service.request("RPCGetSysMetrics", correlation_id="late") is None
    assert sim_service.reply_to("late") is None
    sim_service.wait(0.25)
    assert sim_service.reply_to("late")["payload"]["message_stats"] == {"n": 1}


def test_call_shows_what_came_instead_of_a_response(sim_service):
    with pytest.raises(AssertionError, match="RPCNoSuchThing: expected a response, got "):
        sim_service.call("RPCNoSuchThing")


def test_a_notification_gets_no_reply_and_shutdown_announces_itself(sim_service):
    assert sim_service.jsonrpc("RPCGetUptime") is None
    (event,) = sim_service.shutdown()
    assert event["payload"] == {"id": "sysmon", "reason": "signal received"}


def test_time_does_not_run_backwards(sim_service):
    with pytest.raises(ValueError, match="time does not run backwards"):
        sim_service.wait(-1)


def test_a_timer_runs_at_its_deadline_even_where_float_steps_fall_short(fake_fs):
    # From 3.523147480661799, a step of (b - a) lands one ulp short of b: the harness
    # must not stop there, or the timer due at b would never run.
    a, b = 3.523147480661799, 14.306988853458888
    assert a + (b - a) < b
    clock = FakeClock(start_monotonic=0.0)
    sim = SimService(FakeHost("/sim", fs=fake_fs, clock=clock), clock=clock)
    ran = []
    sim.timers.call_later(b, lambda: ran.append(clock.monotonic()))
    sim.wait(a)
    sim.wait(20)
    assert ran == [b]


def test_a_broker_reply_on_the_input_is_not_for_the_fake_broker(sim_service):
    reply = {"type": "response", "id": "RPCGetMessageStats", "correlation_id": "sysmon-rpc-9"}
    assert sim_service.send(reply) == []  # handed to the broker link, which waits for none
    assert sim_service.transcript.entries[-1].direction == "in"


def test_a_transcript_has_four_directions(sim_service):
    with pytest.raises(ValueError, match="direction must be one of in, out"):
        sim_service.transcript.add(0.0, "sideways", "?")
