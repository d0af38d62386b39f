#!/usr/bin/env python3
"""The long load run: a test broker pipelines N requests into a spawned sysmon.

    python3 scripts/load_long.py --requests 1000000    (re-runs itself with .venv's python)

The driver is tests/load/test_load.py's: requests mixed across the eleven methods and
both dialects (broker envelopes, JSON-RPC calls, notifications and batches), written
from a thread while the main thread reads; the broker answers sysmon's
RPCGetMessageStats queries and ignores one in five. Prints what was sent and
received; exits 1 if a reply was lost, duplicated, stray or wrong, if RSS grew by
2 MiB or more between the warm-up and the end, or if sysmon did not exit 0, and says
which check failed, with its figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from project_venv import use_project_venv

use_project_venv(__file__)  # before importing what only the .venv has

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "load"))
sys.path.insert(0, str(ROOT / "tests"))

from test_load import run_load  # noqa: E402

RSS_GROWTH_LIMIT_KIB = 2048


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=5_000,
                        help="replies received before RSS is first taken")  # fmt: skip
    args = parser.parse_args()

    def progress(done: int) -> None:
        if done % 100_000 == 0:
            print(f"  … {done:,} replies", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="sysmon-load-") as workdir:
        report = run_load(
            args.requests, Path(workdir), seed=args.seed, warmup=args.warmup,
            sample_every=max(args.requests // 10, 1), guard=max(600.0, args.requests / 100),
            progress=progress,
        )  # fmt: skip
    uname = os.uname()
    print(f"machine:            {uname.nodename} {uname.machine}, Linux {uname.release}, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")  # fmt: skip
    print(f"date:               {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"requests:           {report.requests:,} lines ({report.calls:,} calls, "
          f"{report.notifications:,} notifications, {report.batches:,} batches)")  # fmt: skip
    print(f"replies owed:       {report.owed:,}")
    print(f"replies:            {report.replies:,}")
    print(f"lost:               {report.lost:,}")
    print(f"duplicates:         {report.duplicates:,}")
    print(f"stray:              {report.strays:,}")
    print(f"wrong:              {report.wrong:,}")
    print(f"RPCGetSysMetrics:   {report.with_stats:,} with message_stats, "
          f"{report.without_stats:,} without (broker dialect)")  # fmt: skip
    print(f"broker queries:     {report.broker_queries:,} ({report.broker_ignored:,} ignored)")
    print(f"RSS at start:       {report.rss_start_kib:,} KiB")
    print(f"RSS after warm-up:  {report.rss_warm_kib:,} KiB ({args.warmup:,} replies)")
    print(f"RSS at the end:     {report.rss_end_kib:,} KiB "
          f"(growth {report.rss_growth_kib:,} KiB; peak {report.rss_peak_kib:,} KiB)")  # fmt: skip
    samples = ", ".join(f"{n // 1000:,}k: {kib:,}" for n, kib in report.rss_samples)
    print(f"RSS along the run:  {samples} (replies: KiB)")
    rate = report.replies / report.seconds if report.seconds else 0.0
    print(f"time:               {report.seconds:,.1f} s ({rate:,.0f} replies/s)")
    print(f"exit status:        {report.exit_status}")
    print(f"tracebacks:         {report.tracebacks}")
    for problem in report.problems:
        print(f"problem: {problem}")
    failed = failed_checks(report)
    for check in failed:
        print(f"FAILED: {check}")
    print("result:             " + (f"{len(failed)} check(s) failed" if failed else "all passed"))
    return 1 if failed else 0


def failed_checks(report: Any) -> list[str]:
    """Each check the run failed, with its figures."""
    checks = [
        (report.lost, f"replies lost: {report.lost:,} of {report.owed:,} owed"),
        (report.duplicates, f"duplicate replies: {report.duplicates:,}"),
        (report.strays, f"stray replies: {report.strays:,}"),
        (report.wrong, f"wrong replies: {report.wrong:,}"),
        (
            report.rss_growth_kib >= RSS_GROWTH_LIMIT_KIB,
            f"RSS grew {report.rss_growth_kib:,} KiB from the warm-up "
            f"({report.rss_warm_kib:,} KiB) to the end ({report.rss_end_kib:,} KiB), "
            f"limit {RSS_GROWTH_LIMIT_KIB:,} KiB",
        ),
        (report.exit_status != 0, f"sysmon exit status {report.exit_status}, expected 0"),
        (report.tracebacks, f"tracebacks on sysmon's stderr: {report.tracebacks}"),
        (report.problems, f"problems: {len(report.problems)} (listed above)"),
    ]
    return [text for bad, text in checks if bad]


if __name__ == "__main__":
    sys.exit(main())
