"""The performance goals beside the figures of this run: goal, measured, met."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Goal:
    goal: str
    measured: str
    met: bool


def _x(value: float) -> str:
    return f"{value:.2f}x"


FLOOR = "import dependency_injector"  # the floor of a container-wired Python service


def evaluate(figures: dict[str, Any]) -> list[Goal]:
    goals = []
    sys_metrics = figures["collect"]["RPCGetSysMetrics"]
    theirs, floor = sys_metrics["psutil"], sys_metrics["raw"]
    impact = figures["impact"]
    per_request = impact["per_request_us"]
    goals.append(
        Goal(
            "service CPU per uncached RPCGetSysMetrics <= 0.6 x psutil in-process",
            f"{_x(per_request / theirs)} ({per_request:,.1f} vs {theirs:,.1f} µs)",
            per_request <= 0.6 * theirs,
        )
    )
    goals.append(
        Goal(
            "service CPU per uncached RPCGetSysMetrics <= 2.5 x raw reads",
            f"{_x(per_request / floor)} ({per_request:,.1f} vs {floor:,.1f} µs)",
            per_request <= 2.5 * floor,
        )
    )
    pipes = figures["pipes"]
    p50, echo50 = pipes["cached load p50"], pipes["echo p50"]
    goals.append(
        Goal(
            "cached p50 <= 1.5 x echo child's p50",
            f"{_x(p50 / echo50)} ({p50:,.1f} vs {echo50:,.1f} µs)",
            p50 <= 1.5 * echo50,
        )
    )
    startup = figures["startup"]
    ready, di_start = startup["sysmon"], startup[FLOOR]
    goals.append(
        Goal(
            "spawn to ready <= 1.25 x python -c 'import dependency_injector'",
            f"{_x(ready / di_start)} ({ready:,.1f} vs {di_start:,.1f} ms)",
            ready <= 1.25 * di_start,
        )
    )
    memory = figures["memory"]
    di_rss = memory["by_import"]["+ " + FLOOR]
    goals.append(
        Goal(
            "idle RSS <= python -c 'import dependency_injector' + 2 MiB",
            f"{memory['idle']:.2f} vs {di_rss:.2f} MiB (+{memory['idle'] - di_rss:.2f})",
            memory["idle"] <= di_rss + 2,
        )
    )
    core = impact["core_percent"]
    goals.append(
        Goal(
            "<= 0.05 % of one core at one request a second",
            f"{core:.4f} % ({impact['measured_by']})",
            core <= 0.05,
        )
    )
    goals.append(
        Goal(
            f"RSS after {memory['requests']:,} more requests <= RSS after the first 5,000 + 1 MiB",
            f"{memory['growth_after_warm']:+.2f} MiB",
            memory["growth_after_warm"] <= 1,
        )
    )
    scan = figures["scan"]
    count = scan["processes"]
    tally, psutil_scan = scan["sysmon tally"], scan["psutil"]
    goals.append(
        Goal(
            f"process scan ({count:,}) <= 0.35 x psutil",
            f"{_x(tally / psutil_scan)} ({tally:,.2f} vs {psutil_scan:,.2f} ms)",
            tally <= 0.35 * psutil_scan,
        )
    )
    rate = pipes["replies_per_s"]
    goals.append(Goal(">= 30,000 pipelined cached replies/s", f"{rate:,.0f}/s", rate >= 30_000))
    goals.extend(exporter_goals(figures.get("exporter")))
    view = figures.get("top")
    if view is not None:
        screen = view["screen"]
        goals.append(Goal("sysmon top at a 1 s refresh <= 1 % of one core",
                          f"{screen:.3f} % (full screen on a pty)", screen <= 1.0))  # fmt: skip
    return goals


def exporter_goals(exporter: dict[str, Any] | None) -> list[Goal]:
    """The /metrics endpoint's goals, where node_exporter ran beside it."""
    if exporter is None or "node_exporter" not in exporter["cpu_ms_per_scrape"]:
        return []
    cpu, p50 = exporter["cpu_ms_per_scrape"], exporter["latency_p50_ms"]
    ours, theirs = cpu["sysmon"], cpu["node_exporter"]
    rss = exporter["rss_mib"]
    large = exporter["large_host_cpu_ms"]
    return [
        Goal("/metrics CPU per scrape <= 0.5 x node_exporter (cache off)",
             f"{_x(ours / theirs)} ({ours:.2f} vs {theirs:.2f} ms)", ours <= 0.5 * theirs),
        Goal("/metrics scrape latency p50 <= node_exporter's",
             f"{p50['sysmon']:.2f} vs {p50['node_exporter']:.2f} ms",
             p50["sysmon"] <= p50["node_exporter"]),
        Goal("RSS beside node_exporter's (reported)",
             f"{rss['sysmon']:.1f} vs {rss['node_exporter']:.1f} MiB", True),
        Goal("1,000 interfaces + 500 mounts: one scrape <= 50 ms CPU", f"{large:.1f} ms",
             large <= 50),
    ]  # fmt: skip


def render(goals: list[Goal]) -> list[str]:
    width = max(len(g.goal) for g in goals) + 2
    measured = max(len(g.measured) for g in goals) + 2
    lines = ["", "== Performance goals (this machine, medians) =="]
    lines.append("goal".ljust(width) + "measured".ljust(measured) + "met")
    lines.extend(
        g.goal.ljust(width) + g.measured.ljust(measured) + ("yes" if g.met else "NO") for g in goals
    )
    met = sum(g.met for g in goals)
    lines.append(f"{met} of {len(goals)} goals met.")
    return lines
