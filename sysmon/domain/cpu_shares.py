"""Where each CPU's time went over a window: user, system, iowait, steal and idle shares.

The view's bars need more than RPCCPUUsage's one busy figure, for the total and for every
CPU. The shares come from the per-CPU lines of /proc/stat (``ProcfsPort.cpu_stat``) and
follow the same rules as ``cpu.usage_percent``: a column's step is clamped at 0 (counters
can step back), guest time is already inside user and nice, and busy leaves out idle and
iowait, so that ``busy`` here is RPCCPUUsage's ``usage_percent`` over the same window.
"""

from __future__ import annotations

from operator import sub

from sysmon.domain.cpu import busy_and_total
from sysmon.domain.models import CpuStat, CpuTimes
from sysmon.domain.records import record
from sysmon.domain.window import Window

_USER, _NICE, _SYSTEM, _IDLE, _IOWAIT, _IRQ, _SOFTIRQ, _STEAL = range(8)


@record
class CpuShares:
    """Percentages of one CPU's (or all CPUs') time over a window, each rounded to 0.01.

    ``user`` includes nice (and guest, inside it), ``system`` includes irq and softirq;
    ``busy`` = user + system + steal. ``idle`` and ``iowait`` are the waiting rest.
    """

    user: float
    system: float
    iowait: float
    steal: float
    idle: float
    busy: float


IDLE_SHARES = CpuShares(0.0, 0.0, 0.0, 0.0, 100.0, 0.0)


def _percent(part: int, total: int) -> float:
    return round(part / total * 100.0, 2)


def cpu_shares(before: CpuTimes, after: CpuTimes) -> CpuShares:
    """The shares between two readings; a CPU that spent no ticks counts as idle."""
    steps = tuple(max(step, 0) for step in map(sub, after.as_tuple(), before.as_tuple()))
    busy, total = busy_and_total(steps)
    if total <= 0:
        return IDLE_SHARES
    return CpuShares(
        user=_percent(steps[_USER] + steps[_NICE], total),
        system=_percent(steps[_SYSTEM] + steps[_IRQ] + steps[_SOFTIRQ], total),
        iowait=_percent(steps[_IOWAIT], total),
        steal=_percent(steps[_STEAL], total),
        idle=_percent(steps[_IDLE], total),
        busy=round(min(max(busy / total * 100.0, 0.0), 100.0), 2),
    )


@record
class CpuBreakdown:
    """The shares of the aggregate line and of each CPU, over ``seconds``.

    ``per_cpu`` keeps the file's numbering; a CPU missing from either reading (taken
    offline, or brought online meanwhile) has no shares for this window.
    """

    total: CpuShares
    per_cpu: dict[int, CpuShares]
    seconds: float


def cpu_breakdown(window: Window[CpuStat]) -> CpuBreakdown:
    before, after = window.before.value, window.after.value
    per_cpu = {
        number: cpu_shares(before.per_cpu[number], times)
        for number, times in after.per_cpu.items()
        if number in before.per_cpu
    }
    return CpuBreakdown(cpu_shares(before.stat.cpu, after.stat.cpu), per_cpu, window.seconds)
