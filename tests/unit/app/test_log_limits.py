import logging

from sysmon.adapters.fake_clock import FakeClock
from sysmon.app.log_limits import RepeatLimiter


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def make(clock: FakeClock) -> tuple[logging.Logger, Collect, RepeatLimiter]:
    logger = logging.getLogger("sysmon.test.limits")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = Collect()
    limiter = RepeatLimiter(burst=3, period=60.0, monotonic=clock.monotonic)
    handler.addFilter(limiter)
    logger.addHandler(handler)
    return logger, handler, limiter


def test_a_flood_is_held_back_and_summarised_at_the_next_period():
    clock = FakeClock()
    logger, handler, limiter = make(clock)
    for n in range(10_000):
        logger.warning("bad line %d", n)
    assert handler.lines == ["bad line 0", "bad line 1", "bad line 2"]
    assert limiter.held_back() == {"bad line %d": 9_997}
    clock.advance(60)
    logger.warning("bad line %d", 10_000)
    assert handler.lines[-1] == "bad line 10000 (… 9,997 more like this held back before)"
    assert limiter.held_back() == {}


def test_other_templates_are_not_held_back_by_a_flood():
    clock = FakeClock()
    logger, handler, _ = make(clock)
    for _ in range(100):
        logger.warning("noise")
    logger.error("the one that matters: %s", "disk gone")
    assert handler.lines[-1] == "the one that matters: disk gone"
    assert handler.lines.count("noise") == 3


def test_flush_reports_what_is_still_held():
    clock = FakeClock()
    logger, handler, limiter = make(clock)
    for _ in range(5):
        logger.info("parse error: %s", "x")
    limiter.flush(logger)
    assert handler.lines[-1] == "… 2 more like this from sysmon.test.limits: parse error: %s"
    limiter.flush(logger)
    assert len(handler.lines) == 4  # nothing more to say


def test_the_number_of_templates_tracked_is_bounded():
    clock = FakeClock()
    limiter = RepeatLimiter(burst=1, max_templates=10, monotonic=clock.monotonic)
    for n in range(1000):
        record = logging.LogRecord("x", logging.WARNING, __file__, 1, f"template {n}", (), None)
        assert limiter.filter(record)
    assert len(limiter._windows) == 10
