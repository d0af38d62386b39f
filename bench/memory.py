"""5. Memory: sysmon's RSS when idle after start and after many pipelined requests.

RSS is VmRSS from /proc/PID/status. Beside it: the echo child (a bare interpreter
running a read loop), and fresh interpreters that import only asyncio, only
dependency_injector, or the service's whole import chain, so the idle figure can be
attributed to what is imported.
"""

from __future__ import annotations

import time

from bench.common import (
    BenchError,
    Context,
    Row,
    Section,
    echo_child,
    median,
    pipelined,
    python_rss_kib,
    request,
    rss_kib,
    say,
    sysmon_child,
)

LOAD = request("RPCGetLoadAverage")
WARM = 5000  # the issue judges growth from the RSS after the first 5,000 requests
IMPORTS = {
    "bare interpreter (python -c)": "",
    "+ import asyncio": "import asyncio",
    "+ import dependency_injector": "import dependency_injector.containers, "
    "dependency_injector.providers",
    # The service itself, started and stopped at the end of its (empty) input.
    "+ sysmon, started to end of input": "import os, sys\n"
    "_r, _w = os.pipe()\nos.close(_w)\nos.dup2(_r, 0)\n"  # a pipe at its end: the stdio channel
    "os.dup2(os.open(os.devnull, os.O_RDWR), 1)\n"
    "from sysmon.app.cli import main\n"
    "main([])",  # as the broker starts it: no arguments
}


def run(ctx: Context) -> Section:
    plan = ctx.plan
    count = plan.rss_requests
    settle = 0.3 if plan.quick else 1.0
    guard = 300 + count / 1000
    with sysmon_child(ctx, "memory", {}, guard) as child, echo_child(ctx) as echo:
        time.sleep(settle)
        idle = rss_kib(child.pid)
        echo_idle = rss_kib(echo.pid)
        pipelined(child, LOAD, WARM)
        warm = rss_kib(child.pid)
        say(f"5. memory: {count:,} pipelined requests")
        elapsed, errors, last = pipelined(child, LOAD, count)
        after = rss_kib(child.pid)
        time.sleep(settle)
        after_settled = rss_kib(child.pid)
    if errors or not last.startswith(b'{"type":"response"'):
        raise BenchError(f"sysmon: {errors} error replies; last {last[:200]!r}")

    say("5. memory: RSS of fresh interpreters by import")
    rounds = 1 if plan.quick else 3
    by_import = {
        label: median([python_rss_kib(code, ctx.workdir) for _ in range(rounds)])
        for label, code in IMPORTS.items()
    }
    mib = {
        "idle": idle / 1024,
        "echo_idle": echo_idle / 1024,
        "warm": warm / 1024,
        "after": after / 1024,
        "after_settled": after_settled / 1024,
        "growth": (after - idle) / 1024,
        "growth_after_warm": (after - warm) / 1024,
        "requests": count,
        "replies_per_s": count / elapsed,
        "by_import": {label: kib / 1024 for label, kib in by_import.items()},
    }
    ctx.figures["memory"] = mib
    kib = {"idle": idle, "warm": warm, "after": after}
    ctx.raw["memory"] = {"kib": kib, "by_import": by_import}

    bare = by_import["bare interpreter (python -c)"] / 1024
    section = Section(5, "Memory (RSS in MiB, VmRSS)", "", "bare python")
    section.rows.append(Row("idle after start", mib["idle"], floor=mib["echo_idle"], fmt="{:.2f}"))
    section.rows.append(Row(f"after {WARM:,} requests", mib["warm"], fmt="{:.2f}"))
    section.rows.append(Row(f"after {WARM + count:,} requests", mib["after"], fmt="{:.2f}"))
    section.rows.append(Row(f"growth over {count:,} requests", mib["growth"], fmt="{:+.2f}"))
    section.rows.append(
        Row(f"  of which after the first {WARM:,}", mib["growth_after_warm"], fmt="{:+.2f}")
    )
    for label, kib in by_import.items():
        if label.startswith("+"):
            section.rows.append(Row(f"  {label}", kib / 1024, floor=bare, fmt="{:.2f}"))
    section.notes.append(
        "bare python: the echo child's RSS (an interpreter in a read loop); each + row is a "
        f"fresh `python -c` at its end beside an empty one ({bare:.2f} MiB), median of {rounds}."
    )
    section.notes.append(
        f"{count:,} pipelined cached RPCGetLoadAverage at {mib['replies_per_s']:,.0f} replies/s; "
        f"RSS {mib['after_settled']:.2f} MiB after a further {settle:g} s idle."
    )
    return section
