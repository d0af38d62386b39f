"""/proc/meminfo as a dict of bytes."""

from __future__ import annotations

import logging
from operator import mul

from sysmon.adapters.procfs.fields import text
from sysmon.domain.errors import ProcfsFormatError

log = logging.getLogger(__name__)

PATH = "/proc/meminfo"
KIB = 1024
# For the whole-file path, once each " kB\n" is replaced by \x01: translate() tables
# that keep only ':' and the line ends, that turn a line end into a newline, or into a
# colon; the factor a line end stands for; and the bytes bytes.split() takes for blanks.
_NOT_MARKS = bytes(range(256)).translate(None, b":\n\x01")
_END_TO_NEWLINE = bytes.maketrans(b"\x01", b"\n")
_END_TO_COLON = bytes.maketrans(b"\x01\n", b"::")
_FACTOR = tuple(KIB if byte == 1 else 1 for byte in range(256))
_BLANKS = b" \t\n\r\x0b\x0c"


def parse_meminfo(data: bytes) -> dict[str, int]:
    """``Key: value kB`` becomes value x 1024; a line without a unit keeps its value.

    The kernel prints ``%8lu`` right after the colon, so a wide value can touch it
    (``ShadowCallStack:10373888 kB``). Keys keep their parentheses (``Active(file)``).
    A line that does not fit is skipped, so one odd line never hides the others; a
    file with no usable line at all is an error.
    """
    if not data.strip():
        raise ProcfsFormatError(PATH, "empty")
    info = _whole_file(data if data.endswith(b"\n") else data + b"\n")
    return info if info is not None else _parse_lines(data)


def _whole_file(whole: bytes) -> dict[str, int] | None:
    """The file as the kernel writes it, parsed a whole file at a time; else None.

    Every line must read ``Key:value`` or ``Key:value kB``, where the key has no blank
    and no colon and the value is blanks then digits. The line-by-line path would read
    each such line the same way; this path takes the file in a few passes of C instead
    of a loop in Python, and leaves any other file to that path.
    """
    lines = whole.count(b"\n")
    ends = whole.replace(b" kB\n", b"\x01")
    # One colon a line, then the line's end: " kB\n" (now \x01) or a bare newline.
    marks = ends.translate(None, _NOT_MARKS)
    if marks.translate(_END_TO_NEWLINE) != b":\n" * lines:
        return None
    # So key, value, key, value... between the colons and the line ends.
    pieces = ends.translate(_END_TO_COLON).split(b":")
    keys = pieces[:-1:2]
    values = list(map(bytes.lstrip, pieces[1::2]))
    if not (all(values) and b"".join(values).isdigit()):
        return None
    joined = b"\n".join(keys)
    if not all(keys) or len(joined.translate(None, _BLANKS)) != len(joined) - lines + 1:
        return None
    names = joined.decode("utf-8", "backslashreplace").split("\n")
    factors = map(_FACTOR.__getitem__, marks[1::2])
    return dict(zip(names, map(mul, map(int, values), factors), strict=True))


def _parse_lines(data: bytes) -> dict[str, int]:
    """The general path: each line on its own, odd ones skipped and logged."""
    info: dict[str, int] = {}
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        key, colon, rest = line.partition(b":")
        key = key.strip()
        parts = rest.split()
        if colon and key and parts and parts[0].isdigit():
            if len(parts) == 1:  # HugePages_Total: 0
                info[text(key)] = int(parts[0])
                continue
            if len(parts) == 2 and parts[1] == b"kB":
                info[text(key)] = int(parts[0]) * KIB
                continue
        log.debug("%s: skipping malformed line %r", PATH, line)
    if not info:
        raise ProcfsFormatError(PATH, "no parseable line")
    return info
