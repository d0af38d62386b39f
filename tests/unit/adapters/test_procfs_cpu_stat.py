"""parse_cpu_stat: /proc/stat in full (each CPU, ctxt, processes, the intr total)."""

import pytest

from sysmon.adapters.procfs.stat import parse_cpu_stat, parse_stat
from sysmon.domain.errors import InternalError
from sysmon.domain.models import CpuTimes
from tests.unit.adapters.test_procfs_stat import LINUX_2_4, LINUX_2_6_18, LINUX_2_6_32, LINUX_6_18


@pytest.mark.parametrize(
    ("data", "per_cpu", "ctxt", "forks", "intr"),
    [
        pytest.param(
            LINUX_6_18,
            {
                0: CpuTimes(723, 0, 888, 30562, 15, 0, 8, 526, 0, 0),
                1: CpuTimes(3205, 0, 1237, 27491, 225, 0, 40, 534, 0, 0),
            },
            183477,
            2700,
            100860,
            id="6.18",
        ),
        pytest.param(
            LINUX_2_6_18,
            {
                0: CpuTimes(500, 10, 150, 4000, 50, 5, 10, 25),
                1: CpuTimes(500, 10, 150, 4000, 50, 5, 10, 25),
            },
            1234567,
            5000,
            456789,
            id="2.6.18-eight-columns",
        ),
        pytest.param(
            LINUX_2_6_32,
            {
                0: CpuTimes(2000, 50, 500, 25000, 250, 0, 50, 0, 100),
                1: CpuTimes(2000, 50, 500, 25000, 250, 0, 50, 0, 100),
            },
            None,
            None,
            None,
            id="2.6.32-no-counter-lines",
        ),
        pytest.param(
            LINUX_2_4, {0: CpuTimes(100, 2, 30, 900)}, None, None, None, id="2.4-four-columns"
        ),
        pytest.param(
            b"cpu  1 2 3 4\ncpu0 1 1 1 1\ncpu2 0 1 2 1\ncpu17 0 0 0 2\n",
            {0: CpuTimes(1, 1, 1, 1), 2: CpuTimes(0, 1, 2, 1), 17: CpuTimes(0, 0, 0, 2)},
            None,
            None,
            None,
            id="offline-cpus-leave-gaps",
        ),
        pytest.param(
            b"cpux 9 9 9 9\ncpu  1 2 3 4\ncpu1x 1 1 1 1\nintr  7\nctxt 0\nprocesses 1\n",
            {},
            0,
            1,
            7,
            id="cpu-like-names-ignored-intr-alone",
        ),
    ],
)
def test_parses_each_cpu_and_the_counters(data, per_cpu, ctxt, forks, intr):
    stat = parse_cpu_stat(data)
    assert stat.per_cpu == per_cpu
    assert list(stat.per_cpu) == list(per_cpu)  # in the file's order
    assert (stat.context_switches, stat.forks, stat.interrupts) == (ctxt, forks, intr)
    # the part every request reads is the one the fast parser gives
    assert stat.stat == parse_stat(data)
    assert stat.stat.online_cpus == len(per_cpu)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "/proc/stat: empty", id="empty"),
        pytest.param(b"cpu0 1 2 3 4\n", "/proc/stat: no aggregate cpu line", id="per-cpu-only"),
        pytest.param(
            b"cpu  1 2 3 4\ncpu0 1 2 3\n",
            "/proc/stat: not enough fields in cpu0 line (3, need 4)",
            id="short-per-cpu-line",
        ),
        pytest.param(
            b"cpu  1 2 3 4\ncpu1 1 2 x 4\n",
            "/proc/stat: bad number 'x' in cpu1 field 3",
            id="per-cpu-non-numeric",
        ),
        pytest.param(
            b"cpu  1 2 3 4\nintr \n", "/proc/stat: not enough fields in intr line", id="bare-intr"
        ),
        pytest.param(
            b"cpu  1 2 3 4\nintr -5 1\n", "/proc/stat: bad number '-5' in intr", id="negative-intr"
        ),
        pytest.param(
            b"cpu  1 2 3 4\nctxt 12a\n", "/proc/stat: bad number '12a' in ctxt", id="bad-ctxt"
        ),
        pytest.param(
            b"cpu  1 2 3 4\nprocesses \xff\n",
            "/proc/stat: bad number '\\xff' in processes",
            id="binary-processes",
        ),
        pytest.param(
            b"cpu  1 2 3 4\nbtime 17x\n", "/proc/stat: bad number '17x' in btime", id="bad-btime"
        ),
    ],
)
def test_rejects(data, message):
    with pytest.raises(InternalError) as caught:
        parse_cpu_stat(data)
    assert str(caught.value) == message
    assert caught.value.path == "/proc/stat"
