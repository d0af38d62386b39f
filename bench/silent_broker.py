"""7. A broker that never answers RPCGetMessageStats, beside one that answers at once.

Two of the broker's three generations never deliver the statistics. The dashboard
polls one RPCGetSysMetrics a second; with the cache off (``sysmon_cache_duration``
0) each poll would ask the broker. Two sysmon children run side by side, polled in
the same second: one whose broker stays silent, one whose broker answers every query
at once (the comparison). Each poll's latency is timed from our write to the reply.
The full run lasts 65 s, past two 30-second retry windows; the quick run sets the
retry to 1 s so that its few seconds still cross windows.
"""

from __future__ import annotations

import time

from bench.common import (
    Child,
    Context,
    Row,
    Section,
    answer_as_broker,
    expect_response,
    median,
    percentile,
    request,
    say,
    sysmon_child,
)
from bench.impact import sleep_until

SLOW_MS = 20.0


def silent_reply(child: Child) -> bytes:
    """Read up to the reply to our request, leaving sysmon's broker queries unanswered."""
    while True:
        line = child.line()
        if line.startswith(b'{"type":"request"'):
            continue
        return line


def run(ctx: Context) -> Section:
    seconds = ctx.plan.silent_seconds
    retry = "1s" if ctx.plan.quick else "30s"
    config = {"sysmon_cache_duration": 0, "sysmon_broker_retry": retry}
    waits: dict[str, list[float]] = {"silent": [], "answering": []}
    say(f"7. silent broker: {seconds} s at one RPCGetSysMetrics a second, two children")
    with (
        sysmon_child(ctx, "silent", config, guard=seconds + 120) as silent,
        sysmon_child(ctx, "answering", config, guard=seconds + 120) as answering,
    ):
        start = time.monotonic()
        for second in range(seconds):
            sleep_until(start + second)
            for name, child, read in (
                ("silent", silent, silent_reply),
                ("answering", answering, answer_as_broker),
            ):
                began = time.perf_counter()
                child.send(request("RPCGetSysMetrics", f"poll-{second}"))
                reply = read(child)
                waits[name].append((time.perf_counter() - began) * 1000)
                expect_response(reply, child.name)
    figures = {
        name: {
            "first_ms": values[0],
            "median_ms": median(values),
            "p99_ms": percentile(values, 99),
            "max_ms": max(values),
            "over_20ms": sum(1 for v in values if v > SLOW_MS),
            "polls": len(values),
        }
        for name, values in waits.items()
    }
    ctx.figures["silent_broker"] = figures
    quiet, loud = figures["silent"], figures["answering"]
    section = Section(
        7,
        f"A broker that never answers RPCGetMessageStats, {seconds} polls, cache off",
        "",
        "broker answers",
    )
    section.rows += [
        Row("first poll, ms (waits sysmon_broker_timeout)", quiet["first_ms"],
            floor=loud["first_ms"], fmt="{:,.2f}"),
        Row("polls after the first: median ms", median(waits["silent"][1:]),
            floor=median(waits["answering"][1:]), fmt="{:,.3f}"),
        Row("polls after the first: p99 ms", percentile(waits["silent"][1:], 99),
            floor=percentile(waits["answering"][1:], 99), fmt="{:,.3f}"),
        Row("polls after the first: max ms", max(waits["silent"][1:]),
            floor=max(waits["answering"][1:]), fmt="{:,.3f}"),
        Row(f"polls over {SLOW_MS:.0f} ms", quiet["over_20ms"], floor=loud["over_20ms"],
            fmt="{:,.0f}"),
    ]  # fmt: skip
    section.notes.append(
        f"sysmon_broker_retry {retry}: the silent broker is asked again in the background "
        "after it, doubling after each further timeout; no poll waits for those queries."
    )
    return section
