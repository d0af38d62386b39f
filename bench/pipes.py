"""3. Round trips over real pipes to a spawned ``sysmon``, beside an echo child.

We are the broker: requests in its envelope, and sysmon's ``RPCGetMessageStats``
queries answered on the spot, so an uncached ``RPCGetSysMetrics`` round trip includes
the broker query. The echo child (a bare interpreter writing each line back) is the
floor of a pipe round trip on this machine; both are driven by the same client code.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench.common import (
    BenchError,
    Child,
    Context,
    Row,
    Section,
    answer_as_broker,
    echo_child,
    expect_response,
    median,
    percentile,
    pipelined,
    request,
    rotated,
    say,
    sysmon_child,
    time_block,
)

LOAD = request("RPCGetLoadAverage")
SYS = request("RPCGetSysMetrics")


def one_at_a_time(child: Child, line: bytes, count: int, broker: bool) -> list[float]:
    """Microseconds from writing each request to reading its whole reply."""
    clock, send = time.perf_counter_ns, child.send
    read = (lambda: answer_as_broker(child)) if broker else child.line
    out = []
    reply = b""
    for _ in range(count):
        start = clock()
        send(line)
        reply = read()
        out.append((clock() - start) / 1000)
    if broker:
        expect_response(reply, child.name)
    return out


def throughput(child: Child, count: int) -> float:
    elapsed, errors, last = pipelined(child, LOAD, count)
    if errors or not (last.startswith(b'{"type":"response"') or child.name == "echo"):
        raise BenchError(f"{child.name}: {errors} error replies; last {last[:200]!r}")
    return count / elapsed


class Discard:
    def write(self, data: bytes) -> None:
        pass


def server_cost(rounds: int) -> float:
    """µs of ``Server.handle_line`` for a cached request, in-process, output discarded."""
    from sysmon.app.config import Settings
    from sysmon.app.container import build_container

    container = build_container(Settings())
    container.writer.override(Discard())
    server = container.server()
    server.start()
    line = LOAD.rstrip(b"\n")

    def handle() -> None:
        server.handle_line(line)

    time_block(handle, 200)
    return median([time_block(handle, 2000) for _ in range(rounds)])


def run(ctx: Context) -> Section:
    plan = ctx.plan
    in_process = server_cost(max(3, plan.latency_rounds))
    with (
        echo_child(ctx) as echo,
        sysmon_child(ctx, "cached", {}) as cached,
        sysmon_child(ctx, "uncached", {"sysmon_cache_duration": 0}) as uncached,
    ):
        say("3. pipes: warming up")
        for child, line in ((echo, LOAD), (cached, LOAD), (cached, SYS), (uncached, SYS)):
            one_at_a_time(child, line, 200, child is not echo)

        say(f"3. pipes: {plan.pipeline_rounds} rounds of {plan.pipeline_requests:,} pipelined")
        rates: dict[str, list[float]] = {"sysmon": [], "echo": []}
        pair = {"sysmon": cached, "echo": echo}
        for turn in range(plan.pipeline_rounds):
            for name in rotated(list(pair), turn):
                rates[name].append(throughput(pair[name], plan.pipeline_requests))

        fast, slow = plan.latency_block, plan.latency_block_slow
        cases: dict[str, Callable[[], list[float]]] = {
            "echo": lambda: one_at_a_time(echo, LOAD, fast, False),
            "cached load": lambda: one_at_a_time(cached, LOAD, fast, True),
            "cached sys": lambda: one_at_a_time(cached, SYS, fast, True),
            "uncached load": lambda: one_at_a_time(uncached, LOAD, slow, True),
            "uncached sys": lambda: one_at_a_time(uncached, SYS, slow, True),
        }
        say(f"3. pipes: {plan.latency_rounds} rounds of one-at-a-time round trips")
        latencies: dict[str, list[float]] = {name: [] for name in cases}
        for turn in range(plan.latency_rounds):
            for name in rotated(list(cases), turn):
                latencies[name].extend(cases[name]())

    figures = {
        "handle_line_us": in_process,
        "replies_per_s": median(rates["sysmon"]),
        "echo_per_s": median(rates["echo"]),
    }
    for name, values in latencies.items():
        figures[f"{name} p50"] = percentile(values, 50)
        figures[f"{name} p99"] = percentile(values, 99)
    ctx.figures["pipes"] = figures
    ctx.raw["pipes"] = {"replies_per_s_rounds": rates, "latency_samples": {
        name: len(values) for name, values in latencies.items()}}  # fmt: skip

    section = Section(
        3,
        "Round trips over real pipes to a spawned sysmon (broker envelope)",
        "",
        "echo child",
    )
    section.rows.append(
        Row(
            f"replies/s, {plan.pipeline_requests:,} pipelined cached LoadAverage",
            figures["replies_per_s"],
            floor=figures["echo_per_s"],
            fmt="{:,.0f}",
        )
    )
    labels = {
        "cached load": "cached RPCGetLoadAverage",
        "cached sys": "cached RPCGetSysMetrics",
        "uncached load": "uncached RPCGetLoadAverage",
        "uncached sys": "uncached RPCGetSysMetrics + broker query",
    }
    for name, label in labels.items():
        for p in ("p50", "p99"):
            section.rows.append(
                Row(f"{label}, {p} µs", figures[f"{name} {p}"], floor=figures[f"echo {p}"])
            )
    section.notes.append(
        f"replies/s: median of {plan.pipeline_rounds} rounds, requests written by a thread "
        "while the main thread counts replies; the echo child gets the same lines."
    )
    section.notes.append(
        "latency: one request at a time, write to whole reply read; percentiles over "
        f"{len(latencies['cached load']):,} cached / {len(latencies['uncached sys']):,} "
        f"uncached samples taken in {plan.latency_rounds} interleaved rounds."
    )
    section.notes.append(
        f"in-process, Server.handle_line of a cached RPCGetLoadAverage takes {in_process:.1f} µs "
        "(median of blocks of 2,000, output discarded): sysmon's share of the cached round trip."
    )
    section.notes.append(
        'uncached: a config with "sysmon_cache_duration": 0; every RPCGetSysMetrics asks '
        "the broker (us) for RPCGetMessageStats. Requests come < 100 ms apart, so its CPU "
        "figure is the sampler's last window (it reads /proc/stat once per 100 ms)."
    )
    return section
