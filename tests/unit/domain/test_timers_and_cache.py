from sysmon.adapters.fake_clock import FakeClock
from sysmon.domain.cache import TTLCache
from sysmon.domain.timers import Timers


def test_timers_run_in_deadline_then_schedule_order():
    clock = FakeClock()
    timers = Timers(clock)
    ran: list[str] = []
    timers.call_later(2.0, lambda: ran.append("b"))
    timers.call_later(1.0, lambda: ran.append("a1"))
    timers.call_later(1.0, lambda: ran.append("a2"))
    cancelled = timers.call_later(0.5, lambda: ran.append("never"))
    Timers.cancel(cancelled)
    assert timers.next_deadline() == clock.monotonic() + 1.0
    clock.advance(1.0)
    assert timers.run_due() == 2
    assert ran == ["a1", "a2"]
    assert len(timers) == 1
    clock.advance(5)
    timers.run_due()
    assert ran == ["a1", "a2", "b"]
    assert timers.next_deadline() is None


def test_cache_expires_on_the_clock_and_zero_turns_it_off():
    clock = FakeClock()
    cache: TTLCache[int] = TTLCache(clock, 1.0)
    calls = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get_or_compute("k", compute) == 1
    clock.advance(0.999)
    assert cache.get_or_compute("k", compute) == 1
    clock.advance(0.001)
    assert cache.get_or_compute("k", compute) == 2
    off: TTLCache[int] = TTLCache(clock, 0)
    assert off.get_or_compute("k", compute) == 3
    assert off.get_or_compute("k", compute) == 4
