import pytest

from sysmon.adapters.procfs.pressure import parse_pressure
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import PressureLine

P = "/proc/pressure/cpu"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b"some avg10=0.12 avg60=0.05 avg300=0.01 total=123456\n"
            b"full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
            {"some": PressureLine(0.12, 0.05, 0.01, 123456), "full": PressureLine(0, 0, 0, 0)},
            id="5.13-and-later",
        ),
        pytest.param(
            b"some avg10=84.83 avg60=45.47 avg300=34.04 total=273694137\n",
            {"some": PressureLine(84.83, 45.47, 34.04, 273694137)},
            id="cpu-before-5.13-some-only",
        ),
        pytest.param(
            b"full avg10=0.10 avg60=0.05 avg300=0.01 total=100000\n",
            {"full": PressureLine(0.1, 0.05, 0.01, 100000)},
            id="irq-full-only",
        ),
    ],
)
def test_parses(data, expected):
    assert parse_pressure(data, P) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", f"{P}: empty"),
        (
            b"some avg10=0.12 avg60",
            f"{P}: line 1 is not 'some|full avg10= avg60= avg300= total=': 'some avg10=0.12 avg60'",
        ),
        (
            b"half avg10=0 avg60=0 avg300=0 total=0\n",
            f"{P}: line 1 is not 'some|full avg10= avg60= avg300= total=': "
            "'half avg10=0 avg60=0 avg300=0 total=0'",
        ),
        (
            b"some avg60=0 avg10=0 avg300=0 total=0\n",
            f"{P}: line 1: expected 'avg10=', not 'avg60=0'",
        ),
        (b"some avg10=x avg60=0 avg300=0 total=0\n", f"{P}: bad number 'x' in line 1"),
        (b"some avg10=1 avg60=0 avg300=0 total=-5\n", f"{P}: bad number '-5' in line 1"),
    ],
)
def test_rejects(data, message):
    with pytest.raises(ProcfsFormatError) as caught:
        parse_pressure(data, P)
    assert str(caught.value) == message
