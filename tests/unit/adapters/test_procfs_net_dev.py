import pytest

from sysmon.adapters.procfs.net_dev import parse_net_dev
from sysmon.domain.errors import InternalError
from sysmon.domain.models import NetDev

HEADER = (
    b"Inter-|   Receive                                                |  Transmit\n"
    b" face |bytes    packets errs drop fifo frame compressed multicast"
    b"|bytes    packets errs drop fifo colls carrier compressed\n"
)


def dev(name, rx=(0, 0, 0, 0), tx=(0, 0, 0, 0)):
    return NetDev(name, *rx, *tx)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            # Linux 6.18, development VM.
            b"    lo:    3193      29    0    0    0     0          0         0     3193      29"
            b"    0    0    0     0       0          0\n"
            b"  eth0: 60129362    1439    0    0    0     0          0         0    96394    1061"
            b"    0    0    0     0       0          0\n",
            [
                dev("lo", (3193, 29, 0, 0), (3193, 29, 0, 0)),
                dev("eth0", (60129362, 1439, 0, 0), (96394, 1061, 0, 0)),
            ],
            id="6.18",
        ),
        pytest.param(
            # Old "%6s:%8lu" layout: a 9-digit counter touches the colon.
            b"  eth0:123456789  200000    1    2    0     0          0         5 98765432  150000"
            b"    3    4    0     0       0          0\n",
            [dev("eth0", (123456789, 200000, 1, 2), (98765432, 150000, 3, 4))],
            id="2.6.18-glued",
        ),
        pytest.param(
            b"veth1234567:12345678     300    0    0    0     0          0         0 87654321"
            b"     400    0    0    0     0       0          0\n",
            [dev("veth1234567", (12345678, 300, 0, 0), (87654321, 400, 0, 0))],
            id="long-name-glued",
        ),
        pytest.param(
            b"eth0:1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
            [dev("eth0:1", (1, 2, 3, 4), (9, 10, 11, 12))],
            id="colon-in-name",
        ),
        pytest.param(
            b"eth0.100: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
            b"br-1a2b: 16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0 0\n",
            [
                dev("eth0.100", (1, 2, 3, 4), (9, 10, 11, 12)),
                dev("br-1a2b", (16, 15, 14, 13), (8, 7, 6, 5)),
            ],
            id="dot-dash-and-extra-columns",
        ),
        pytest.param(b"", [], id="no-interfaces"),
        pytest.param(b"\n  \n", [], id="blank-lines"),
    ],
)
def test_parses(body, expected):
    assert parse_net_dev(HEADER + body) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "/proc/net/dev: empty", id="empty"),
        pytest.param(b"  eth0: 1 2 3\n", "/proc/net/dev: missing header", id="no-header"),
        pytest.param(HEADER[:30], "/proc/net/dev: missing header", id="truncated-header"),
        pytest.param(
            HEADER + b"  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n",
            "/proc/net/dev: not enough fields for eth0 (15, need 16)",
            id="fifteen",
        ),
        pytest.param(
            HEADER + b"    lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n  eth0: 6012",
            "/proc/net/dev: not enough fields for eth0 (1, need 16)",
            id="truncated-mid-line",
        ),
        pytest.param(
            HEADER + b"  eth0: 1 2 x 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
            "/proc/net/dev: bad number 'x' in eth0 field 3",
            id="non-numeric",
        ),
        pytest.param(
            HEADER + b"  eth0: 1 2 3 4 5 6 7 8 9 10 11 -12 13 14 15 16\n",
            "/proc/net/dev: bad number '-12' in eth0 field 12",
            id="negative",
        ),
        pytest.param(
            HEADER + b"  eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
            "/proc/net/dev: no interface name in line 3",
            id="no-colon",
        ),
        pytest.param(
            HEADER + b"   : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
            "/proc/net/dev: no interface name in line 3",
            id="empty-name",
        ),
    ],
)
def test_rejects(data, message):
    with pytest.raises(InternalError) as caught:
        parse_net_dev(data)
    assert str(caught.value) == message
