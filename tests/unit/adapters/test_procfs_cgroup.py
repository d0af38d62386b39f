import pytest

from sysmon.adapters.procfs.cgroup import (
    parse_cpu_count,
    parse_cpu_max,
    parse_keyed,
    parse_limit,
    parse_self_cgroup,
)
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import CgroupLine

P = "/sys/fs/cgroup/x"


def test_self_cgroup_hybrid_with_a_path_holding_spaces_and_colons():
    data = b"4:memory:/a b:c\n2:cpu,cpuacct:/\n1:name=systemd:/user.slice\n0::/\n"
    assert parse_self_cgroup(data) == [
        CgroupLine(4, ("memory",), b"/a b:c"),
        CgroupLine(2, ("cpu", "cpuacct"), b"/"),
        CgroupLine(1, ("name=systemd",), b"/user.slice"),
        CgroupLine(0, (), b"/"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "/proc/self/cgroup: empty"),
        (b"0::/\n4:memory\n", "/proc/self/cgroup: line 2 is not ID:CONTROLLERS:/PATH"),
        (b"x::/\n", "/proc/self/cgroup: bad number 'x' in line 1"),
        (b"0::relative\n", "/proc/self/cgroup: line 1 is not ID:CONTROLLERS:/PATH"),
    ],
)
def test_self_cgroup_rejects(data, message):
    with pytest.raises(ProcfsFormatError) as caught:
        parse_self_cgroup(data)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("data", "value"),
    [(b"536870912\n", 536870912), (b"max\n", None), (b"-1\n", None), (b"0\n", 0)],
)
def test_limit(data, value):
    assert parse_limit(data, P) == value


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", f"{P}: empty"),
        (b"\n", f"{P}: empty"),
        (b"-2\n", f"{P}: bad number '-2' in the value"),
        (b"12 13\n", f"{P}: bad number '12 13' in the value"),
    ],
)
def test_limit_rejects(data, message):
    with pytest.raises(ProcfsFormatError) as caught:
        parse_limit(data, P)
    assert str(caught.value) == message


def test_keyed():
    data = b"usage_usec 123\nnr_periods 4\nthrottled_usec 5\n"
    assert parse_keyed(data, P) == {"usage_usec": 123, "nr_periods": 4, "throttled_usec": 5}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", f"{P}: empty"),
        (b"usage_usec\n", f"{P}: line 1 is not 'KEY VALUE'"),
        (b"a 1\nb x\n", f"{P}: bad number 'x' in line 2"),
    ],
)
def test_keyed_rejects(data, message):
    with pytest.raises(ProcfsFormatError) as caught:
        parse_keyed(data, P)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("data", "value"),
    [(b"max 100000\n", (None, 100000)), (b"150000 100000\n", (150000, 100000))],
)
def test_cpu_max(data, value):
    assert parse_cpu_max(data, P) == value


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", f"{P}: expected 'QUOTA PERIOD', not ''"),
        (b"max\n", f"{P}: expected 'QUOTA PERIOD', not 'max'"),
        (b"1 2 3\n", f"{P}: expected 'QUOTA PERIOD', not '1 2 3'"),
        (b"half 100000\n", f"{P}: bad number 'half' in the quota"),
        (b"max max\n", f"{P}: bad number 'max' in the period"),
        (b"max 0\n", f"{P}: a period of 0"),
    ],
)
def test_cpu_max_rejects(data, message):
    with pytest.raises(ProcfsFormatError) as caught:
        parse_cpu_max(data, P)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("data", "count"), [(b"0\n", 1), (b"0-3\n", 4), (b"0-3,8\n", 5), (b"1,3,5-6\n", 4)]
)
def test_cpu_count(data, count):
    assert parse_cpu_count(data, P) == count


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\n", f"{P}: empty"),
        (b"3-1\n", f"{P}: range '3-1' runs backwards"),
        (b"0-\n", f"{P}: bad number '' in the CPU list"),
        (b"a\n", f"{P}: bad number 'a' in the CPU list"),
    ],
)
def test_cpu_count_rejects(data, message):
    with pytest.raises(ProcfsFormatError) as caught:
        parse_cpu_count(data, P)
    assert str(caught.value) == message
