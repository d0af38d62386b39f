"""6. Host impact at the dashboard's rate: one RPCGetSysMetrics a second, cache expired.

The service runs with ``"sysmon_cache_duration": 0.5`` so each request, a second after
the last, finds every cache (its metrics and the broker's message_stats) expired. Its
CPU time over the window counts every thread and every idle wakeup, three ways:
the sum of ``/proc/PID/task/*/schedstat`` (ns, live threads only), a cpuacct cgroup
made for the child (ns, threads that exited too: sysmon starts one per statvfs), and
utime + stime of ``/proc/PID/stat`` (clock ticks, threads that exited too).
"""

from __future__ import annotations

import json
import os
import time

from bench.common import (
    Context,
    CpuGroup,
    Row,
    Section,
    answer_as_broker,
    expect_response,
    request,
    say,
    stat_cpu_ticks,
    sysmon_child,
    task_cpu_ns,
)

SYS = request("RPCGetSysMetrics")


def sleep_until(deadline: float) -> None:
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(left)


def run(ctx: Context) -> Section:
    plan = ctx.plan
    seconds = plan.impact_seconds
    group = CpuGroup.create()
    grouped = False
    stamps: set[float] = set()
    with_stats = 0
    try:
        config = {"sysmon_cache_duration": 0.5}
        with sysmon_child(ctx, "impact", config, guard=seconds + 300) as child:
            grouped = group is not None and group.add(child.pid)
            time.sleep(1.0)
            idle_seconds = max(1, seconds // 6)
            say(f"6. host impact: {idle_seconds} s idle")
            idle_before = task_cpu_ns(child.pid)
            idle_start = time.monotonic()
            time.sleep(idle_seconds)
            idle_ns = task_cpu_ns(child.pid) - idle_before
            idle_wall = time.monotonic() - idle_start
            say(f"6. host impact: {seconds} s at one RPCGetSysMetrics a second")
            start = time.monotonic()
            before = (task_cpu_ns(child.pid), stat_cpu_ticks(child.pid))
            group_before = group.usage_ns() if grouped and group else 0
            for second in range(seconds):
                sleep_until(start + second)
                child.send(SYS)
                reply = answer_as_broker(child)
                expect_response(reply, child.name)
                payload = json.loads(reply)["payload"]
                stamps.add(payload["timestamp"])
                with_stats += "message_stats" in payload
            sleep_until(start + seconds)
            after = (task_cpu_ns(child.pid), stat_cpu_ticks(child.pid))
            group_after = group.usage_ns() if grouped and group else 0
            wall = time.monotonic() - start
    finally:
        if group is not None:
            group.remove()

    tick_ns = 1e9 / os.sysconf("SC_CLK_TCK")
    spent = {
        "schedstat": after[0] - before[0],
        "stat ticks": (after[1] - before[1]) * tick_ns,
    }
    if grouped:
        spent["cgroup"] = group_after - group_before
    whole = spent.get("cgroup", spent["schedstat"])
    psutil_us = ctx.figures["collect"]["RPCGetSysMetrics"]["psutil"]
    figures = {
        "seconds": wall,
        "requests": seconds,
        "fresh_replies": len(stamps),
        "with_message_stats": with_stats,
        "cpu_ns": spent,
        "core_percent": whole / (wall * 1e9) * 100,
        "per_request_us": whole / seconds / 1000,
        "measured_by": "cgroup" if grouped else "schedstat",
        "psutil_us": psutil_us,
        "idle_percent": idle_ns / (idle_wall * 1e9) * 100,
        "idle_seconds": idle_wall,
    }
    ctx.figures["impact"] = figures

    section = Section(
        6,
        f"Host impact, one uncached RPCGetSysMetrics a second for {wall:.0f} s",
        "psutil",
        "",
    )
    names = {
        "cgroup": "cpuacct cgroup, all threads",
        "schedstat": "task/*/schedstat, live threads",
        "stat ticks": "/proc/PID/stat ticks",
    }
    for key in ("cgroup", "schedstat", "stat ticks"):
        if key in spent:
            percent = spent[key] / (wall * 1e9) * 100
            section.rows.append(Row(f"% of one core ({names[key]})", percent, fmt="{:.4f}"))
    section.rows.append(
        Row(
            f"% of one core idle, no requests, {idle_wall:.0f} s (schedstat)",
            figures["idle_percent"],
            fmt="{:.4f}",
        )
    )
    for key in ("cgroup", "schedstat"):
        if key in spent:
            per_request = spent[key] / seconds / 1000
            section.rows.append(
                Row(f"CPU µs per request ({names[key]})", per_request, psutil=psutil_us)
            )
    section.notes.append(
        f"{len(stamps)} of {seconds} replies freshly computed (distinct timestamps), "
        f"{with_stats} with the broker's message_stats (each a broker round trip)."
    )
    section.notes.append(
        "psutil: its in-process cost of gathering the same fields (section 1). The whole-CPU "
        "figure is the cgroup's where one could be made, else schedstat's."
        + ("" if grouped else " No cgroup could be made here.")
    )
    return section
