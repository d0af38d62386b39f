#!/usr/bin/env python3
"""The long protocol fuzz run: N fuzzed lines into a spawned sysmon over real pipes.

    python3 scripts/fuzz_long.py --lines 200000 --seed 1    (re-runs itself with .venv's python)

The lines and the checks are those of tests/fuzz/test_protocol_fuzz.py (random bytes,
random JSON, broker envelopes and JSON-RPC calls with fields of every type, batches,
invalid UTF-8, BOMs, CRLF, NUL bytes, 10,000-digit numbers, nesting 100,000 deep,
duplicate keys, lines over the size cap), each line followed by a marker request so
that every reply is attributed to its line. The broker answers sysmon's queries or
ignores them. Prints what was sent and received; exits 1 if anything was lost, extra,
mismatched or malformed, or sysmon did not exit 0.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from project_venv import use_project_venv

use_project_venv(__file__)  # before importing what only the .venv has

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
sys.path.insert(0, str(ROOT / "tests"))

from test_protocol_fuzz import run_spawned_fuzz  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000, help="fuzzed lines to send")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=512 * 1024,
                        help="sysmon_max_message_bytes for the run (bytes)")  # fmt: skip
    parser.add_argument("--ignore-broker", type=float, default=0.3,
                        help="share of sysmon's broker queries left unanswered")  # fmt: skip
    args = parser.parse_args()

    started = time.perf_counter()

    def progress(done: int) -> None:
        if done % 20_000 == 0:
            rate = done / (time.perf_counter() - started)
            print(f"  … {done:,} lines, {rate:,.0f} lines/s", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="sysmon-fuzz-") as workdir:
        report = run_spawned_fuzz(
            args.lines, args.seed, Path(workdir), limit=args.limit,
            ignore_broker=args.ignore_broker, guard=max(600.0, args.lines / 50),
            progress=progress,
        )  # fmt: skip
    seconds = time.perf_counter() - started
    uname = os.uname()
    print(f"machine:              {uname.nodename} {uname.machine}, Linux {uname.release}, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")  # fmt: skip
    print(f"date:                 {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"seed:                 {args.seed}")
    print(f"lines generated:      {args.lines:,} (+ {args.lines:,} marker requests)")
    print(f"lines fuzzed:         {report.lines:,} (as sysmon cuts them at newlines)")
    print(f"  owed no reply:      {report.owed_nothing:,} (blank, stray replies, notifications)")
    print(f"  waiting for broker: {report.waited:,} (broker-dialect RPCGetSysMetrics)")
    print(f"replies owed:         {report.owed:,} (markers included)")
    print(f"replies:              {report.replies:,}")
    print(f"lost:                 {report.lost:,}")
    print(f"extra:                {report.extra:,}")
    print(f"mismatched:           {report.mismatched:,}")
    print(f"not one JSON line:    {report.invalid:,}")
    print(f"broker queries:       {report.broker_queries:,} ({report.broker_ignored:,} ignored)")
    print(f"exit status:          {report.exit_status}")
    print(f"tracebacks on stderr: {report.tracebacks}")
    print(f"RSS at start:         {report.rss_start_kib:,} KiB")
    print(f"max RSS (VmHWM):      {report.rss_peak_kib:,} KiB")
    print(f"time:                 {seconds:,.1f} s ({report.lines / seconds:,.0f} lines/s)")
    for problem in report.problems[:20]:
        print(f"problem: {problem}")
    failed = [
        text
        for bad, text in (
            (report.lost, f"replies lost: {report.lost:,} of {report.owed:,} owed"),
            (report.extra, f"extra replies: {report.extra:,}"),
            (report.mismatched, f"mismatched replies: {report.mismatched:,}"),
            (report.invalid, f"output lines not one JSON value: {report.invalid:,}"),
            (report.exit_status != 0, f"sysmon exit status {report.exit_status}, expected 0"),
            (report.tracebacks, f"tracebacks on sysmon's stderr: {report.tracebacks}"),
            (report.problems, f"problems: {len(report.problems)} (the first listed above)"),
        )
        if bad
    ]
    for check in failed:
        print(f"FAILED: {check}")
    print("result:               " + (f"{len(failed)} check(s) failed" if failed else "all passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
