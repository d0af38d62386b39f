#!/usr/bin/env python3
"""sysmon's benchmark: one run, one table, medians, each figure beside its comparison.

    python3 dev.py bench                 # the full run (a few minutes)
    python3 dev.py bench --quick         # a smoke run in seconds
    .venv/bin/python bench/run.py --json figures.json --requests 200000

Sections: 1 collection cost in-process (sysmon / psutil / raw reads), 2 the process
scan of a large tmpfs procfs tree, 3 round trips over real pipes (beside an echo
child), 4 start-up (beside ``python -c pass``), 5 memory, 6 host impact at one request
a second, 7 a silent broker, 8 the Prometheus endpoint beside node_exporter, 9 the
terminal view beside procps top; then the performance goals. It prints; it does not
judge by exit status. It needs root for the tmpfs mount and the cpuacct cgroup, and
falls back without.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--json", metavar="PATH", help="also write the raw figures here")
    parser.add_argument(
        "--requests",
        type=int,
        metavar="N",
        help="pipelined requests before the second RSS reading (default 1,000,000)",
    )
    parser.add_argument(
        "--impact-seconds",
        type=int,
        metavar="S",
        help="length of the one-request-a-second run (default 60)",
    )
    return parser.parse_args(argv)


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # so every finally runs: children stopped, tmpfs unmounted


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import (
        collect,
        exporter,
        goals,
        impact,
        memory,
        pipes,
        scan,
        silent_broker,
        startup,
        top,
    )
    from bench.common import Context, Plan, host_load, machine, render_section, say

    signal.signal(signal.SIGTERM, _terminate)
    plan = Plan.make(args.quick, args.requests, args.impact_seconds)
    host = machine()
    sections = []
    with tempfile.TemporaryDirectory(prefix="sysmon-bench-") as scratch:
        ctx = Context(plan, Path(scratch))
        for module in (collect, scan, pipes, startup, memory, impact, silent_broker, exporter, top):
            with host_load() as load:
                section = module.run(ctx)
            section.load = load[0]
            ctx.raw.setdefault("host_load", {})[section.number] = vars(section.load)
            sections.append(section)
    results = goals.evaluate(ctx.figures)
    say("done")

    lines = [
        "sysmon benchmark" + (" (--quick: small counts, a smoke run)" if plan.quick else ""),
        f"machine: {host['nproc']} CPUs, {host['cpu']}, {host['memory']}, Linux "
        f"{host['kernel']}, Python {host['python']}, psutil {host['psutil']}; {host['date']}",
        f"sysmon {host['sysmon']} from {host['source']}",
        "ratios: sysmon / comparison (below 1 is faster or smaller)",
    ]
    for section in sections:
        lines.extend(render_section(section))
    lines.extend(goals.render(results))
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    if args.json:
        document = {
            "machine": host,
            "plan": vars(plan),
            "figures": ctx.figures,
            "raw": ctx.raw,
            "goals": [vars(g) for g in results],
        }
        Path(args.json).write_text(json.dumps(document, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
