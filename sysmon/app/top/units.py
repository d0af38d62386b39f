"""Sizes, rates and durations as a person reads them: binary units, as ``free -h`` shows."""

from __future__ import annotations

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def size(value: float | None) -> str:
    """``512 B``, ``1.50 KiB``, ``47.7 MiB``, ``252 GiB``: three significant figures."""
    if value is None:
        return "—"
    scaled, unit = float(value), 0
    while abs(scaled) >= 1024 and unit < len(_UNITS) - 1:
        scaled /= 1024
        unit += 1
    if unit == 0:
        return f"{int(value)} B"
    if abs(scaled) < 10:
        return f"{scaled:.2f} {_UNITS[unit]}"
    if abs(scaled) < 100:
        return f"{scaled:.1f} {_UNITS[unit]}"
    return f"{scaled:.0f} {_UNITS[unit]}"


def rate(bytes_per_second: float | None) -> str:
    """A byte rate; ``—`` when the window has none (a reset counter, a new interface)."""
    return "—" if bytes_per_second is None else f"{size(bytes_per_second)}/s"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def uptime(seconds: float) -> str:
    """``3:08:34``, or ``2 days, 03:08:34``, as ``uptime`` writes days."""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}" if days else f"{hours}:{minutes:02d}:{secs:02d}"
    if not days:
        return clock
    return f"{days} day{'s' if days != 1 else ''}, {clock}"
