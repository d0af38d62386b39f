"""os-release(5): ``KEY=value`` lines with shell-style quoting."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

CANDIDATES = ("etc/os-release", "usr/lib/os-release")  # the first that exists wins
# Inside double quotes a backslash escapes only these, as in the shell; elsewhere it is kept.
_DOUBLE_QUOTED_ESCAPES = frozenset('$`"\\')


def _unquote(value: str) -> str | None:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _unescape(value[1:-1], _DOUBLE_QUOTED_ESCAPES)
    if value[:1] in ("'", '"'):
        return None  # an opening quote that is never closed
    return _unescape(value, None)


def _unescape(value: str, escapable: frozenset[str] | None) -> str:
    """Drop the backslash before an escapable character (any character when unquoted)."""
    if "\\" not in value:
        return value
    out: list[str] = []
    i = 0
    while i < len(value):
        char = value[i]
        following = value[i + 1 : i + 2]
        if char == "\\" and following and (escapable is None or following in escapable):
            out.append(following)
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def parse_os_release(data: bytes) -> dict[str, str]:
    """All assignments of the file; comments, blank lines and malformed lines are skipped."""
    release: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, equals, raw = stripped.partition("=")
        if not equals or not key.isidentifier():
            log.debug("os-release: skipping malformed line %r", line)
            continue
        value = _unquote(raw)
        if value is None:
            log.debug("os-release: skipping malformed line %r", line)
            continue
        release[key] = value
    return release
