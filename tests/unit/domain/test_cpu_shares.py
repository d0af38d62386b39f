"""Per-CPU shares: where each CPU's ticks went over a window, by hand from the columns."""

from sysmon.domain.cpu import usage_percent
from sysmon.domain.cpu_shares import IDLE_SHARES, CpuShares, cpu_breakdown, cpu_shares
from sysmon.domain.models import CpuStat, CpuTimes, KernelStat
from sysmon.domain.window import Sample, Window


def times(**columns: int) -> CpuTimes:
    return CpuTimes(**columns)


def test_each_share_is_its_columns_over_the_window_total():
    before = times(user=100, nice=10, system=50, idle=800, iowait=20, irq=5, softirq=5, steal=10)
    # steps: user 30, nice 10, system 14, idle 120, iowait 8, irq 3, softirq 3, steal 12:
    # total 200; user+nice 40 = 20 %, system+irq+softirq 20 = 10 %, iowait 4 %, steal 6 %,
    # idle 60 %, busy = 40 + 20 + 12 = 72 of 200 = 36 %
    after = times(user=130, nice=20, system=64, idle=920, iowait=28, irq=8, softirq=8, steal=22)
    assert cpu_shares(before, after) == CpuShares(20.0, 10.0, 4.0, 6.0, 60.0, 36.0)


def test_busy_is_rpccpuusages_usage_percent():
    before = times(user=1000, system=500, idle=7000, iowait=300, steal=40, guest=200)
    after = times(user=1333, system=612, idle=7401, iowait=377, steal=51, guest=290)
    assert cpu_shares(before, after).busy == usage_percent(before, after)


def test_guest_is_inside_user_and_not_counted_twice():
    # user steps 100 of which guest 60; idle 100: total 200 (not 260); user 50 %
    before, after = times(), times(user=100, idle=100, guest=60)
    assert cpu_shares(before, after) == CpuShares(50.0, 0.0, 0.0, 0.0, 50.0, 50.0)


def test_a_counter_that_steps_back_counts_as_zero_and_a_still_cpu_as_idle():
    # idle went back 50 (a hotplugged CPU's counters); user moved 25: 100 % user
    before, after = times(user=100, idle=1000), times(user=125, idle=950)
    assert cpu_shares(before, after) == CpuShares(100.0, 0.0, 0.0, 0.0, 0.0, 100.0)
    assert cpu_shares(after, after) == IDLE_SHARES


def sample(per_cpu: dict[int, CpuTimes], at: float) -> Sample[CpuStat]:
    aggregate = CpuTimes(
        user=sum(t.user for t in per_cpu.values()), idle=sum(t.idle for t in per_cpu.values())
    )
    return Sample(CpuStat(KernelStat(aggregate, len(per_cpu)), per_cpu), at, 1000.0 + at)


def test_the_breakdown_keeps_the_files_numbers_and_drops_a_cpu_not_in_both():
    before = sample({0: times(user=10, idle=90), 2: times(user=0, idle=100)}, 0.0)
    after = sample(
        {0: times(user=60, idle=140), 2: times(user=25, idle=175), 3: times(user=5)}, 1.0
    )
    breakdown = cpu_breakdown(Window(before, after))
    # cpu0: 50 of 100 = 50 %; cpu2: 25 of 100 = 25 %; cpu3 came online meanwhile: none
    assert {n: s.busy for n, s in breakdown.per_cpu.items()} == {0: 50.0, 2: 25.0}
    # aggregate: user 10 → 90 (80), idle 190 → 315 (125); busy 80 / 205 = 39.02 %
    assert breakdown.total.busy == 39.02
    assert breakdown.seconds == 1.0
