import pytest

from sysmon.adapters.procfs.loadavg import parse_loadavg
from sysmon.domain.errors import InternalError
from sysmon.domain.models import LoadAvg


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b"0.06 0.12 0.06 1/81 2756\n", LoadAvg(0.06, 0.12, 0.06, 1, 81, 2756), id="6.18"
        ),
        pytest.param(
            b"0.50 0.25 0.10 2/180 4321\n", LoadAvg(0.5, 0.25, 0.1, 2, 180, 4321), id="2.6.18"
        ),
        pytest.param(
            b"123.45 6.00 0.00 12/34567 4194304",
            LoadAvg(123.45, 6.0, 0.0, 12, 34567, 4194304),
            id="busy-no-newline",
        ),
    ],
)
def test_parses(data, expected):
    assert parse_loadavg(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "/proc/loadavg: empty", id="empty"),
        pytest.param(
            b"0.02 0.04 0.05 1/497", "/proc/loadavg: not enough fields (4, need 5)", id="truncated"
        ),
        pytest.param(b"0.02", "/proc/loadavg: not enough fields (1, need 5)", id="one-field"),
        pytest.param(
            b"0.02 x 0.05 1/497 11947", "/proc/loadavg: bad number 'x' in field 2", id="non-numeric"
        ),
        pytest.param(
            b"nan 0.04 0.05 1/497 11947", "/proc/loadavg: bad number 'nan' in field 1", id="nan"
        ),
        pytest.param(
            b"0.02 0.04 -0.05 1/497 11947",
            "/proc/loadavg: bad number '-0.05' in field 3",
            id="negative",
        ),
        pytest.param(
            b"0.02 0.04 0.05 1-497 11947",
            "/proc/loadavg: bad task counts '1-497' in field 4",
            id="no-slash",
        ),
        pytest.param(
            b"0.02 0.04 0.05 1/ 11947", "/proc/loadavg: bad number '' in field 4", id="no-existing"
        ),
        pytest.param(
            b"0.02 0.04 0.05 1/497 pid", "/proc/loadavg: bad number 'pid' in field 5", id="bad-pid"
        ),
    ],
)
def test_rejects(data, message):
    with pytest.raises(InternalError) as caught:
        parse_loadavg(data)
    assert str(caught.value) == message
