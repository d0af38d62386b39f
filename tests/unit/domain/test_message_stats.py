"""MessageStatsService on simulated time: timeout, back-off, silence, shared queries, ages."""

import pytest

from sysmon.adapters.fake_broker import Fail, FakeBroker, Reply, Silence
from sysmon.adapters.fake_clock import FakeClock
from sysmon.domain.message_stats import MessageStatsService, StatsAnswer
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


def fresh(stats=STATS):
    return StatsAnswer(stats, None)


def test_a_reply_is_handed_over_and_cached_for_the_cache_duration(broker, clock, timers):
    broker.set_default("RPCGetMessageStats", Reply(STATS, delay=0.1))
    stats = service(broker, clock, timers)
    got = []
    stats.fetch(got.append)
    assert stats.pending
    run_for(clock, timers, 0.1)
    assert got == [fresh()]
    assert not stats.pending
    run_for(clock, timers, 0.8)  # 0.8 s after the answer: still fresh, given with its age
    stats.fetch(got.append)
    assert got == [fresh(), StatsAnswer(STATS, pytest.approx(0.8))]
    assert len(broker.requests) == 1
    run_for(clock, timers, 0.2)  # 1.0 s after the answer: asked again, and waited for
    stats.fetch(got.append)
    assert len(broker.requests) == 2
    run_for(clock, timers, 0.1)
    assert got[2:] == [fresh()]
    assert stats.latest() == (STATS, pytest.approx(0.0))


def test_concurrent_callers_share_one_query(broker, clock, timers):
    broker.set_default("RPCGetMessageStats", Reply(STATS, delay=0.2))
    stats = service(broker, clock, timers)
    got = []
    for tag in "abc":
        stats.fetch(lambda value, tag=tag: got.append((tag, value)))
    run_for(clock, timers, 0.2)
    assert got == [("a", fresh()), ("b", fresh()), ("c", fresh())]
    assert len(broker.requests) == 1


def test_the_first_silence_costs_the_timeout_once_and_later_requests_never_wait(
    broker, clock, timers
):
    broker.set_default("RPCGetMessageStats", Silence())
    stats = service(broker, clock, timers)
    got = []
    stats.fetch(got.append)
    run_for(clock, timers, 0.49)
    assert got == []
    run_for(clock, timers, 0.01)
    assert got == [None]
    assert broker.pending == []  # the query was cancelled
    assert not stats.responsive
    # From now on every request is answered at once. A query goes out in the background
    # 30 s after the timeout, then 60, 120 and 240 s after each further timeout (which
    # comes 0.5 s after its query), and every 240 s after that. The requests come at
    # t = 0.5 + second: the first at or after t = 30.5 is second 30; its query times
    # out at 31.0, so the next goes at t >= 91.0, second 91 (t = 91.5); then
    # 92.0 + 120 -> second 212; 213.0 + 240 -> 453; 454.0 + 240 -> 694; 935; 1176.
    asked_at = []
    for second in range(1, 1200):
        run_for(clock, timers, 1.0)
        before = len(broker.requests)
        stats.fetch(got.append)
        assert got[-1] is None  # answered inside fetch, without statistics
        if len(broker.requests) > before:
            asked_at.append(second)
    assert asked_at == [30, 91, 212, 453, 694, 935, 1176]
    assert len(got) == 1200


def test_an_answer_after_silence_makes_the_broker_waited_for_again(broker, clock, timers):
    broker.script("RPCGetMessageStats", Silence(), Reply(STATS, delay=0.3))
    broker.set_default("RPCGetMessageStats", Reply({"total_messages": 9}, delay=0.1))
    stats = service(broker, clock, timers)
    got = []
    stats.fetch(got.append)
    run_for(clock, timers, 0.5)
    assert got == [None]
    run_for(clock, timers, 30.0)
    stats.fetch(got.append)  # asked in the background, answered at once
    assert got == [None, None]
    run_for(clock, timers, 0.3)  # the background query's answer arrives
    assert stats.responsive
    assert stats.latest() == (STATS, pytest.approx(0.0))
    run_for(clock, timers, 0.5)
    stats.fetch(got.append)  # still within the cache: the known figures, 0.5 s old
    assert got[-1] == StatsAnswer(STATS, pytest.approx(0.5))
    run_for(clock, timers, 0.5)
    stats.fetch(got.append)  # responsive, cache expired: waits for the next query
    assert len(got) == 3
    run_for(clock, timers, 0.1)
    assert got[-1] == fresh({"total_messages": 9})


def test_a_silent_broker_after_answers_leaves_the_last_figures_with_their_age(
    broker, clock, timers
):
    broker.script("RPCGetMessageStats", Reply(STATS), Silence())
    broker.set_default("RPCGetMessageStats", Silence())
    stats = service(broker, clock, timers)
    got = []
    stats.fetch(got.append)
    run_for(clock, timers, 0.0)
    assert got == [fresh()]
    run_for(clock, timers, 2.0)
    stats.fetch(got.append)  # responsive: waits, and the broker stays silent
    run_for(clock, timers, 0.5)
    assert got[1] == StatsAnswer(STATS, pytest.approx(2.5))
    run_for(clock, timers, 10.0)
    stats.fetch(got.append)  # silent now: at once, with the same figures, older
    assert got[2] == StatsAnswer(STATS, pytest.approx(12.5))
    assert len(broker.requests) == 2


def test_an_error_reply_starts_the_retry_period_and_keeps_the_broker_responsive(
    broker, clock, timers
):
    broker.script("RPCGetMessageStats", Fail("unknown RPC method: RPCGetMessageStats"))
    broker.set_default("RPCGetMessageStats", Reply(STATS, delay=0.2))
    stats = service(broker, clock, timers, retry=10.0)
    got = []
    stats.fetch(got.append)
    run_for(clock, timers, 0.0)
    assert got == [None]
    assert stats.responsive
    run_for(clock, timers, 9.0)
    stats.fetch(got.append)
    assert got == [None, None]
    assert len(broker.requests) == 1
    run_for(clock, timers, 1.0)
    stats.fetch(got.append)  # the retry period is over: asked, and waited for
    assert len(got) == 2
    run_for(clock, timers, 0.2)
    assert got == [None, None, fresh()]


def test_a_late_reply_is_dropped_quietly(broker, clock, timers):
    broker.script("RPCGetMessageStats", Reply(STATS, delay=0.7))
    stats = service(broker, clock, timers)
    got = []
    stats.fetch(got.append)
    run_for(clock, timers, 0.5)
    run_for(clock, timers, 0.2)
    assert got == [None]
    assert broker.late == 1
    assert stats.latest() is None


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
    assert got == [("c", None), ("a", fresh()), ("b", fresh())]


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
    assert got == [fresh()]
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
    stats.fetch(got.append)  # the late payload was not cached: a new query, not waited for
    assert len(port.callbacks) == 2
    assert got == [None, None]
