import logging

import pytest

from sysmon.adapters.procfs.meminfo import parse_meminfo
from sysmon.domain.errors import InternalError

# Linux 6.18 (development VM), first lines and the unit-less HugePages lines.
LINUX_6_18 = (
    b"MemTotal:       24684092 kB\n"
    b"MemFree:        24237724 kB\n"
    b"MemAvailable:   24335240 kB\n"
    b"Active(file):     131040 kB\n"
    b"HugePages_Total:       0\n"
    b"HugePages_Free:        0\n"
    b"Hugepagesize:       2048 kB\n"
)
# 2.6.18: no MemAvailable, no Active(file); a wide VmallocTotal.
LINUX_2_6_18 = (
    b"MemTotal:      4096000 kB\n"
    b"MemFree:       1024000 kB\n"
    b"Cached:         512000 kB\n"
    b"VmallocTotal: 34359738367 kB\n"
    b"HugePages_Total:     0\n"
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            LINUX_6_18,
            {
                "MemTotal": 24684092 * 1024,
                "MemFree": 24237724 * 1024,
                "MemAvailable": 24335240 * 1024,
                "Active(file)": 131040 * 1024,
                "HugePages_Total": 0,
                "HugePages_Free": 0,
                "Hugepagesize": 2048 * 1024,
            },
            id="6.18",
        ),
        pytest.param(
            LINUX_2_6_18,
            {
                "MemTotal": 4194304000,
                "MemFree": 1048576000,
                "Cached": 524288000,
                "VmallocTotal": 34359738367 * 1024,
                "HugePages_Total": 0,
            },
            id="2.6.18",
        ),
        pytest.param(
            b"ShadowCallStack:10373888 kB\n", {"ShadowCallStack": 10622861312}, id="no-space"
        ),
        pytest.param(b"HugePages_Surp:     7\n", {"HugePages_Surp": 7}, id="unitless"),
        pytest.param(b"MemTotal: 1 kB", {"MemTotal": 1024}, id="no-final-newline"),
        pytest.param(
            b"MemTotal: 1 kB\nMemFree: x kB\nBad line\n: 5 kB\nCached: 2 MB\nBuffers: 3 kB extra\n"
            b"Shmem:\nDirty: -1 kB\nSwapTotal: 4 kB\n",
            {"MemTotal": 1024, "SwapTotal": 4096},
            id="malformed-lines-skipped",
        ),
        pytest.param(
            b"MemTotal: 1 kB\nMemFree: 23",  # cut off mid-line: the value is what was written
            {"MemTotal": 1024, "MemFree": 23},
            id="truncated",
        ),
    ],
)
def test_parses(data, expected):
    assert parse_meminfo(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "/proc/meminfo: empty", id="empty"),
        pytest.param(b"\n\n", "/proc/meminfo: empty", id="blank"),
        pytest.param(b"garbage\n\x00\xff\n", "/proc/meminfo: no parseable line", id="garbage"),
        pytest.param(b"MemTotal: lots kB\n", "/proc/meminfo: no parseable line", id="non-numeric"),
        pytest.param(b"MemTotal:\n", "/proc/meminfo: no parseable line", id="no-value"),
    ],
)
def test_rejects(data, message):
    with pytest.raises(InternalError) as caught:
        parse_meminfo(data)
    assert str(caught.value) == message


def test_a_skipped_line_is_logged_at_debug(caplog):
    caplog.set_level(logging.DEBUG, logger="sysmon.adapters.procfs.meminfo")
    parse_meminfo(b"MemTotal: 1 kB\nodd line\n")
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]
    assert "odd line" in caplog.records[0].getMessage()
