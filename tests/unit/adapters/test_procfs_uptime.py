import pytest

from sysmon.adapters.procfs.uptime import parse_uptime
from sysmon.domain.errors import InternalError
from sysmon.domain.models import Uptime


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"326.66 580.54\n", Uptime(326.66, 580.54), id="6.18-idle-above-uptime"),
        pytest.param(b"86400.00 170000.00\n", Uptime(86400.0, 170000.0), id="2.6.18"),
        pytest.param(b"5 7", Uptime(5.0, 7.0), id="whole-seconds"),
    ],
)
def test_parses(data, expected):
    assert parse_uptime(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "/proc/uptime: empty", id="empty"),
        pytest.param(b"326.66\n", "/proc/uptime: not enough fields (1, need 2)", id="truncated"),
        pytest.param(b"abc 1.0\n", "/proc/uptime: bad number 'abc' in field 1", id="garbage"),
        pytest.param(b"1.0 1.2.3\n", "/proc/uptime: bad number '1.2.3' in field 2", id="two-dots"),
        pytest.param(b"1e5 1.0\n", "/proc/uptime: bad number '1e5' in field 1", id="exponent"),
    ],
)
def test_rejects(data, message):
    with pytest.raises(InternalError) as caught:
        parse_uptime(data)
    assert str(caught.value) == message
