import pytest

from sysmon.adapters.procfs.stat import parse_stat
from sysmon.domain.errors import InternalError
from sysmon.domain.models import CpuTimes, KernelStat

# Linux 6.18, captured on the development VM (intr and softirq lines shortened).
LINUX_6_18 = (
    b"cpu  3929 0 2126 58054 240 0 49 1061 0 0\n"
    b"cpu0 723 0 888 30562 15 0 8 526 0 0\n"
    b"cpu1 3205 0 1237 27491 225 0 40 534 0 0\n"
    b"intr 100860 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 15 0 0\n"
    b"ctxt 183477\n"
    b"btime 1795769056\n"
    b"processes 2700\n"
    b"procs_running 1\n"
    b"procs_blocked 0\n"
    b"softirq 81466 0 13683 0 1571 2290 0 9 28373 0 35540\n"
)
# 2.6.18: eight columns (steal since 2.6.11, guest only from 2.6.24).
LINUX_2_6_18 = (
    b"cpu  1000 20 300 8000 100 10 20 50\n"
    b"cpu0 500 10 150 4000 50 5 10 25\n"
    b"cpu1 500 10 150 4000 50 5 10 25\n"
    b"intr 456789 0 0\nctxt 1234567\nbtime 1200000000\nprocesses 5000\n"
    b"procs_running 2\nprocs_blocked 1\n"
)
# 2.6.32: nine columns (guest, no guest_nice before 2.6.33).
LINUX_2_6_32 = (
    b"cpu  4000 100 1000 50000 500 0 100 0 200\n"
    b"cpu0 2000 50 500 25000 250 0 50 0 100\n"
    b"cpu1 2000 50 500 25000 250 0 50 0 100\n"
    b"btime 1300000000\nprocs_running 1\nprocs_blocked 0\n"
)
# 2.4: user nice system idle only, and no procs_running/procs_blocked lines.
LINUX_2_4 = b"cpu  100 2 30 900\ncpu0 100 2 30 900\npage 1 2\nbtime 1000000000\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            LINUX_6_18,
            KernelStat(CpuTimes(3929, 0, 2126, 58054, 240, 0, 49, 1061, 0, 0), 2, 1795769056, 1, 0),
            id="6.18",
        ),
        pytest.param(
            LINUX_2_6_18,
            KernelStat(CpuTimes(1000, 20, 300, 8000, 100, 10, 20, 50), 2, 1200000000, 2, 1),
            id="2.6.18-eight-columns",
        ),
        pytest.param(
            LINUX_2_6_32,
            KernelStat(CpuTimes(4000, 100, 1000, 50000, 500, 0, 100, 0, 200), 2, 1300000000, 1, 0),
            id="2.6.32-nine-columns",
        ),
        pytest.param(
            LINUX_2_4,
            KernelStat(CpuTimes(100, 2, 30, 900), 1, 1000000000, None, None),
            id="2.4-four-columns-no-procs",
        ),
        pytest.param(
            b"cpu  1 2 3 4 5 6 7 8 9 10 11 12\n",
            KernelStat(CpuTimes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0),
            id="future-columns-ignored",
        ),
        pytest.param(
            b"cpu  1 2 3 4\ncpu0 1 1 1 1\ncpu2 0 1 2 1\ncpu17 0 0 0 2\n",
            KernelStat(CpuTimes(1, 2, 3, 4), 3),
            id="offline-cpus-not-counted",
        ),
        pytest.param(
            b"cpu 1 2 3 4\ncpu  9 9 9 9\n",
            KernelStat(CpuTimes(1, 2, 3, 4), 0),
            id="first-aggregate-wins",
        ),
        pytest.param(
            b"cpux 9 9 9 9\ncpu  1 2 3 4\ncpu1x 1 1 1 1\n",
            KernelStat(CpuTimes(1, 2, 3, 4), 0),
            id="cpu-like-names-ignored",
        ),
    ],
)
def test_parses(data, expected):
    assert parse_stat(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "/proc/stat: empty", id="empty"),
        pytest.param(b"\n \n", "/proc/stat: empty", id="blank"),
        pytest.param(b"intr 1 2\nctxt 3\n", "/proc/stat: no aggregate cpu line", id="no-cpu"),
        pytest.param(b"cpu0 1 2 3 4\n", "/proc/stat: no aggregate cpu line", id="per-cpu-only"),
        pytest.param(b"\x00\xffgarbage\n", "/proc/stat: no aggregate cpu line", id="garbage"),
        pytest.param(
            b"cpu  1 2 3\n", "/proc/stat: not enough fields in cpu line (3, need 4)", id="3-cols"
        ),
        pytest.param(
            b"cpu  3929 0 21",
            "/proc/stat: not enough fields in cpu line (3, need 4)",
            id="truncated-mid-line",
        ),
        pytest.param(b"cpu\n", "/proc/stat: not enough fields in cpu line (0, need 4)", id="bare"),
        pytest.param(
            b"cpu  1 2 x 4\n", "/proc/stat: bad number 'x' in cpu field 3", id="non-numeric"
        ),
        pytest.param(
            b"cpu  1 2 -3 4\n", "/proc/stat: bad number '-3' in cpu field 3", id="negative"
        ),
        pytest.param(
            b"cpu  1 2 3 4 5 6 7 8 9 1.5\n",
            "/proc/stat: bad number '1.5' in cpu field 10",
            id="fraction",
        ),
        pytest.param(
            b"cpu  1 2 3 4\nbtime 17x\n", "/proc/stat: bad number '17x' in btime", id="bad-btime"
        ),
        pytest.param(
            b"cpu  1 2 3 4\nprocs_running \n",
            "/proc/stat: not enough fields in procs_running line",
            id="procs-running-without-value",
        ),
        pytest.param(
            b"cpu  1 2 3 4\nprocs_blocked \xff\n",
            "/proc/stat: bad number '\\xff' in procs_blocked",
            id="procs-blocked-binary",
        ),
    ],
)
def test_rejects(data, message):
    with pytest.raises(InternalError) as caught:
        parse_stat(data)
    assert str(caught.value) == message
    assert caught.value.path == "/proc/stat"
