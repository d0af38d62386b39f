"""MessageStatsService on simulated time: timeout, retry, shared queries, cache, late replies."""

import pytest

from sysmon.adapters.fake_broker import Fail, FakeBroker, Reply, Silence
from sysmon.adapters.fake_clock import FakeClock
from sysmon.domain.message_stats import MessageStatsService
from sysmon.domain.ports import BrokerReply
from sysmon.domain.timers import Timers

STATS = {"total_messages": 3038, "sent_messages": 1520}


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def timers(clock):
    return Timers(clock)


@pytest.fixture
def broker(timers):
    return FakeBroker(timers)


def service(broker, clock, timers, **overrides):
    settings = {"timeout": 0.5, "retry": 30.0, "cache_duration": 1.0} | overrides
    return MessageStatsService(broker, clock, timers, **settings)


def run_for(clock, timers, seconds):
    clock.advance(seconds)
    timers.run_due()


def test_a_reply_is_handed_over_and_cached_for_the_cache_duration(broker, clock, timers):
    broker.set_default("RPCGetMessageStats", Reply(STATS, delay=0.1))
    stats = service(broker, clock, timers)
    got = []
    stats.fetch(got.append)
    assert stats.pending
    run_for(clock, timers, 0.1)
    assert got == [STATS]
    assert not stats.pending
    run_for(clock, timers, 0.8)  # 0.8 s after the answer: still fresh
    stats.fetch(got.append)
    assert got == [STATS, STATS]
    assert len(broker.requests) == 1
    run_for(clock, timers, 0.2)  # 1.0 s after the answer: asked again
    stats.fetch(got.append)
    assert len(broker.requests) == 2


def test_concurrent_callers_share_one_query(broker, clock, timers):
    broker.set_default("RPCGetMessageStats", Reply(STATS, delay=0.2))
    stats = service(broker, clock, timers)
    got = []
    for tag in "abc":
        stats.fetch(lambda value, tag=tag: got.append((tag, value)))
    run_for(clock, timers, 0.2)
    assert got == [("a", STATS), ("b", STATS), ("c", STATS)]
    assert len(broker.requests) == 1


def test_a_silent_broker_costs_the_timeout_once_then_nothing_for_the_retry_period(
    broker, clock, timers
):
    broker.script("RPCGetMessageStats", Silence())
    broker.set_default("RPCGetMessageStats", Reply(STATS))
    stats = service(broker, clock, timers)
    got = []
    stats.fetch(got.append)
    run_for(clock, timers, 0.49)
    assert got == []
    run_for(clock, timers, 0.01)
    assert got == [None]
    assert broker.pending == []  # the query was cancelled
    run_for(clock, timers, 29.9)
    stats.fetch(got.append)  # still inside the retry period: answered at once, no query
    assert got == [None, None]
    assert len(broker.requests) == 1
    run_for(clock, timers, 0.1)
    stats.fetch(got.append)
    run_for(clock, timers, 0.0)
    assert got == [None, None, STATS]
    assert len(broker.requests) == 2


def test_an_error_reply_also_starts_the_retry_period(broker, clock, timers):
    broker.script("RPCGetMessageStats", Fail("unknown RPC method: RPCGetMessageStats"))
    stats = service(broker, clock, timers, retry=10.0)
    got = []
    stats.fetch(got.append)
    run_for(clock, timers, 0.0)
    assert got == [None]
    run_for(clock, timers, 9.0)
    stats.fetch(got.append)
    assert got == [None, None]
    assert len(broker.requests) == 1


def test_a_late_reply_is_dropped_quietly(broker, clock, timers):
    broker.script("RPCGetMessageStats", Reply(STATS, delay=0.7))
    stats = service(broker, clock, timers)
    got = []
    stats.fetch(got.append)
    run_for(clock, timers, 0.5)
    run_for(clock, timers, 0.2)
    assert got == [None]
    assert broker.late == 1


def test_fail_pending_answers_the_waiters_at_once(broker, clock, timers):
    broker.script("RPCGetMessageStats", Silence())
    stats = service(broker, clock, timers)
    got = []
    stats.fetch(got.append)
    stats.fetch(got.append)
    stats.fail_pending("end of input")
    assert got == [None, None]
    assert not stats.pending
    assert broker.pending == []
    run_for(clock, timers, 1.0)  # the cancelled timeout does not fire again
    assert got == [None, None]
    stats.fail_pending("nothing waits now")
    assert got == [None, None]


def test_waiters_beyond_the_bound_are_answered_without_stats(broker, clock, timers):
    broker.script("RPCGetMessageStats", Reply(STATS, delay=0.1))
    stats = service(broker, clock, timers, max_waiters=2)
    got = []
    for tag in "abc":
        stats.fetch(lambda value, tag=tag: got.append((tag, value)))
    assert got == [("c", None)]
    run_for(clock, timers, 0.1)
    assert got == [("c", None), ("a", STATS), ("b", STATS)]


class AnsweringAtOnce:
    """A broker port that calls back inside ``request``: the service must cope."""

    def __init__(self, reply):
        self.reply = reply
        self.cancelled = []

    def request(self, method, on_reply):
        on_reply(self.reply)
        return "now-1"

    def cancel(self, correlation_id):
        self.cancelled.append(correlation_id)


def test_a_reply_inside_request_is_handled(clock, timers):
    port = AnsweringAtOnce(BrokerReply(ok=True, payload=STATS))
    stats = service(port, clock, timers)
    got = []
    stats.fetch(got.append)
    assert got == [STATS]
    assert not stats.pending
    assert len(timers) == 0  # the timeout was cancelled


def test_an_error_inside_request_is_handled(clock, timers):
    port = AnsweringAtOnce(BrokerReply(ok=False, error="unknown RPC method: RPCGetMessageStats"))
    stats = service(port, clock, timers)
    got = []
    stats.fetch(got.append)
    assert got == [None]
    assert not stats.pending
    assert port.cancelled == []  # nothing was pending to cancel


class IgnoringCancel:
    """A broker port that keeps every callback, cancelled or not, for the test to call."""

    def __init__(self):
        self.callbacks = []

    def request(self, method, on_reply):
        self.callbacks.append(on_reply)
        return f"sysmon-rpc-{len(self.callbacks)}"

    def cancel(self, correlation_id):
        pass


def test_a_reply_after_the_timeout_changes_nothing_even_if_the_port_delivers_it(clock, timers):
    port = IgnoringCancel()
    stats = service(port, clock, timers)
    got = []
    stats.fetch(got.append)
    run_for(clock, timers, 0.5)
    port.callbacks[0](BrokerReply(ok=True, payload=STATS))  # late: its query gave up
    assert got == [None]
    run_for(clock, timers, 30.0)
    stats.fetch(got.append)  # the late payload was not cached: a new query
    assert len(port.callbacks) == 2
