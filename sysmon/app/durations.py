"""Durations as config.json writes them: a number of seconds, or ``"500ms"``, ``"1m30s"``."""

from __future__ import annotations

import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(value: object) -> float:
    """Seconds from a non-negative number or a Go-style duration string; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError('expected a number of seconds or a duration such as "500ms"')
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_text(value.strip())
    else:
        raise ValueError('expected a number of seconds or a duration such as "500ms"')
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError("a duration must be a finite number of seconds, 0 or more")
    return seconds


def _parse_text(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    if not text:
        raise ValueError("empty duration")
    total = 0.0
    position = 0
    for match in _PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if position != len(text):
        raise ValueError(f'not a duration: {text!r} (use e.g. 1.5, "500ms", "2s", "1m")')
    return total
