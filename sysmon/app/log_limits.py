"""Rate limits for repeated log lines, so a flood of bad input cannot flood the log.

Each message template (not its formatted arguments) may log ``burst`` times per
``period`` seconds; the rest are counted, and the next line of that template after
the period, or ``flush()`` at exit, says how many were held back
(``… 9,812 more like this``).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

_Key = tuple[str, int, str]


@dataclass(slots=True)
class _Window:
    started: float
    passed: int = 0
    held: int = 0


class RepeatLimiter(logging.Filter):
    """A logging filter; attach it to the handlers that write the log."""

    def __init__(
        self,
        burst: int = 5,
        period: float = 60.0,
        max_templates: int = 1024,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._burst = burst
        self._period = period
        self._max_templates = max_templates
        self._monotonic = monotonic
        self._windows: OrderedDict[_Key, _Window] = OrderedDict()
        self._logger: logging.Logger | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "sysmon_summary", False):
            return True
        # One limiter serves every handler (stderr and the log file): a record is counted
        # once, and each handler gets the same answer for it.
        decided: bool | None = getattr(record, "sysmon_repeat_passed", None)
        if decided is not None:
            return decided
        passed = self._count(record)
        record.sysmon_repeat_passed = passed
        return passed

    def _count(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = self._monotonic()
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(now)
            if len(self._windows) > self._max_templates:
                self._windows.popitem(last=False)
        elif now - window.started >= self._period:
            if window.held:
                record.msg = f"{record.msg} (… {window.held:,} more like this held back before)"
            window.started, window.passed, window.held = now, 0, 0
        self._windows.move_to_end(key)
        if window.passed < self._burst:
            window.passed += 1
            return True
        window.held += 1
        return False

    def held_back(self) -> dict[str, int]:
        """Templates with lines held back in their current period, and how many."""
        return {key[2]: w.held for key, w in self._windows.items() if w.held}

    def flush(self, logger: logging.Logger) -> None:
        """Log one summary line per template that still has lines held back."""
        for (name, level, template), window in list(self._windows.items()):
            if window.held:
                logger.log(
                    level,
                    "… %s more like this from %s: %s",
                    f"{window.held:,}",
                    name,
                    template,
                    extra={"sysmon_summary": True},
                )
                window.held = 0
