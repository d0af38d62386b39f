import pytest

from sysmon.adapters.procfs.pid_stat import parse_pid_stat
from sysmon.domain.errors import InternalError

# Linux 6.x: 52 fields; num_threads (field 20) is 13 here.
LINUX_6 = (
    b"1 (systemd) S 0 1 1 0 -1 4194560 42102 1524585 0 143 140 676 1754 3495 20 0 13 0 30 "
    b"43659264 3210 18446744073709551615 1 1 0 0 0 0 671173123 4096 1260 0 0 0 17 0 0 0 0 0 0 "
    b"0 0 0 0 0 0 0 0\n"
)
# 2.6.18: 42 fields, num_threads 10.
LINUX_2_6_18 = (
    b"2200 (mysqld) S 1 2200 2200 0 -1 4194560 150 0 0 0 10 5 0 0 20 0 10 0 100 104857600 512 "
    b"18446744073709551615 4194304 4238788 140736466511168 0 0 0 0 4096 1260 1 0 0 17 0 0 0 0\n"
)
# A kernel thread in the idle state (Linux >= 4.14).
KWORKER = (
    b"10 (kworker/0:1-events) I 2 0 0 0 -1 69238880 0 0 0 0 0 7 0 0 20 0 1 0 42 0 0 "
    b"18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
)
TAIL = b" 1 100 100 0 -1 0 0 0 0 0 1 2 0 0 20 0 4 0 5 0 0\n"  # fields 4..24, 4 threads


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(LINUX_6, (b"S", 13), id="6.x"),
        pytest.param(LINUX_2_6_18, (b"S", 10), id="2.6.18"),
        pytest.param(KWORKER, (b"I", 1), id="kworker-idle"),
        pytest.param(b"100 ((sd-pam)) S" + TAIL, (b"S", 4), id="parenthesised"),
        pytest.param(b"101 (my (weird) proc) R" + TAIL, (b"R", 4), id="spaces-and-parens"),
        pytest.param(b"102 (a) b) D" + TAIL, (b"D", 4), id="close-paren-inside"),
        pytest.param(b"103 (x) R (y) T" + TAIL, (b"T", 4), id="fake-fields-inside"),
        pytest.param(b"104 (new\nline) t" + TAIL, (b"t", 4), id="newline-inside"),
        pytest.param(b"105 (bad\xffname) Z" + TAIL, (b"Z", 4), id="not-utf8"),
        pytest.param(b"106 () X" + TAIL, (b"X", 4), id="empty-comm"),
        pytest.param(
            b"107 (short) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 7\n",
            (b"S", 7),
            id="exactly-20-fields",
        ),
    ],
)
def test_parses(data, expected):
    assert parse_pid_stat(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "/proc/9/stat: no ')' after the command name", id="empty"),
        pytest.param(b"9 (cat", "/proc/9/stat: no ')' after the command name", id="cut-in-comm"),
        pytest.param(
            b"9 (cat) S 1 2\n", "/proc/9/stat: not enough fields (5, need 20)", id="truncated"
        ),
        pytest.param(
            b"9 (cat) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
            "/proc/9/stat: not enough fields (19, need 20)",
            id="nineteen-fields",
        ),
        pytest.param(b"9 (cat) SS" + TAIL, "/proc/9/stat: bad state 'SS'", id="two-letters"),
        pytest.param(b"9 (cat) 7" + TAIL, "/proc/9/stat: bad state '7'", id="digit-state"),
        pytest.param(
            b"9 (cat) S 1 100 100 0 -1 0 0 0 0 0 1 2 0 0 20 0 x 0 5\n",
            "/proc/9/stat: bad number 'x' in num_threads",
            id="non-numeric-threads",
        ),
        pytest.param(
            b"9 (cat) S 1 100 100 0 -1 0 0 0 0 0 1 2 0 0 20 0 -1 0 5\n",
            "/proc/9/stat: bad number '-1' in num_threads",
            id="negative-threads",
        ),
        pytest.param(
            b"\x00\x01\x02)", "/proc/9/stat: not enough fields (2, need 20)", id="garbage"
        ),
    ],
)
def test_rejects(data, message):
    with pytest.raises(InternalError) as caught:
        parse_pid_stat(data, "/proc/9/stat")
    assert str(caught.value) == message
