"""The parsers' fast paths: taken for files as the kernel writes them, and never different.

meminfo is read a whole file at a time and mountinfo without unescaping when a file
allows it; otherwise the line-by-line path reads it. Whenever a fast path answers, its
answer must be the line-by-line path's, to the order of the keys: checked here on real
files and on near-valid lines made up from the pieces that trip parsers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sysmon.adapters.procfs.meminfo import _parse_lines, _whole_file
from sysmon.adapters.procfs.mountinfo import _mountinfo_lines, _plain_mountinfo
from sysmon.domain.errors import ProcfsFormatError

HOSTS = Path(__file__).resolve().parents[3] / "sysmon" / "hosts"
MEMINFO = sorted(HOSTS.glob("*/proc/meminfo"))
# tables with an escape take the general path by design, so only the others apply here
MOUNTINFO = sorted(p for p in HOSTS.glob("*/proc/*/mountinfo") if b"\\" not in p.read_bytes())


def meminfo_path(data: bytes) -> dict[str, int] | None:
    return _whole_file(data if data.endswith(b"\n") else data + b"\n")


@pytest.mark.parametrize("path", MEMINFO, ids=lambda p: p.parts[-3])
def test_captured_meminfo_takes_the_whole_file_path(path: Path) -> None:
    data = path.read_bytes()
    fast = meminfo_path(data)
    assert fast is not None
    assert list(fast.items()) == list(_parse_lines(data).items())


@pytest.mark.parametrize("path", MOUNTINFO, ids=lambda p: "/".join(p.parts[-4:-1]))
def test_captured_mountinfo_without_escapes_takes_the_plain_path(path: Path) -> None:
    data = path.read_bytes()
    assert _plain_mountinfo(data) == _mountinfo_lines(data, "/proc/1/mountinfo")


MEMINFO_KEYS = [
    b"MemTotal",
    b"Active(file)",
    b"A",
    b"",
    b"A B",
    b"1 A",
    b"A:B",
    b" A",
    b"k\xffey",
    b"\x01",
]
MEMINFO_COLONS = [b":", b":", b"", b"::", b": :"]
MEMINFO_BLANKS = [b" ", b"       ", b"", b"\t", b" \x0b", b"\x1c"]
MEMINFO_VALUES = [b"24684092", b"0", b"007", b"", b"1.5", b"-1", b"12x", b"\xd9\xa1", b"1 2"]
MEMINFO_UNITS = [b" kB", b"", b"  kB", b" KB", b" kB kB", b"kB", b"\tkB", b" kB\x01", b" kB "]
ENDINGS = [b"\n", b"", b"\n\n", b" \n", b"\r\n"]

meminfo_lines = st.builds(
    lambda *parts: b"".join(parts),
    st.sampled_from(MEMINFO_KEYS),
    st.sampled_from(MEMINFO_COLONS),
    st.sampled_from(MEMINFO_BLANKS),
    st.sampled_from(MEMINFO_VALUES),
    st.sampled_from(MEMINFO_UNITS),
) | st.sampled_from([b"MemFree:        24273020 kB", b"HugePages_Free:        0", b""])


@settings(max_examples=400)
@given(st.lists(meminfo_lines, max_size=6), st.sampled_from(ENDINGS))
def test_the_whole_file_path_agrees_with_the_line_path(lines: list[bytes], end: bytes) -> None:
    data = b"\n".join(lines) + end
    fast = meminfo_path(data)
    if fast is None:
        return
    try:
        slow = _parse_lines(data)
    except ProcfsFormatError:  # no parseable line: the fast path must not have answered
        pytest.fail(f"the whole-file path answered {fast!r} for {data!r}")
    assert list(fast.items()) == list(slow.items())


MOUNT_FIELDS = [b"22", b"", b"-", b"0:21", b"/", b"/proc", b"rw", b"shared:1", b"\xe9", b"x\ty"]
MOUNT_TAIL = [b"ext4", b"", b"-", b"/dev/vda", b"rw", b"tmpfs"]

mount_lines = st.builds(
    lambda head, optional, dash, tail: b" ".join([*head, *optional, *dash, *tail]),
    st.lists(st.sampled_from(MOUNT_FIELDS), min_size=4, max_size=7),
    st.lists(st.sampled_from(MOUNT_FIELDS), max_size=3),
    st.sampled_from([[b"-"], [b"-"], []]),
    st.lists(st.sampled_from(MOUNT_TAIL), max_size=4),
) | st.sampled_from([b"22 27 0:21 / /proc rw,relatime - proc proc rw", b"7 2 0:4 / /x r - t  r"])


@settings(max_examples=400)
@given(st.lists(mount_lines, max_size=5), st.sampled_from(ENDINGS))
def test_the_plain_mountinfo_path_agrees_with_the_general_one(
    lines: list[bytes], end: bytes
) -> None:
    data = b"\n".join(lines) + end
    fast = _plain_mountinfo(data)
    if fast is None:
        return
    try:
        slow = _mountinfo_lines(data, "/proc/1/mountinfo")
    except ProcfsFormatError as error:
        pytest.fail(f"the plain path answered {fast!r} where the general one says {error}")
    assert fast == slow
