#!/usr/bin/env python3
"""Mutation smoke check: plant known bugs one at a time and see the hermetic suites fail.

    python3 scripts/mutants.py               every mutant, one after the other
    python3 scripts/mutants.py --only NAME   just these (repeat the option)
    python3 scripts/mutants.py --list        the mutants and what each plants

Each mutant is a named edit: a file, an exact text that must be there exactly once,
and the text that replaces it. For each, the working tree (without .venv and .git) is
copied to a temporary directory, the edit is made there, and the hermetic suites run
on the copy with this repository's .venv python, the copy first on PYTHONPATH:

    pytest -x -q -m "not live and not e2e" tests/unit tests/sim tests/hosts tests/fuzz

A mutant is caught when that run fails (or runs past ``--timeout``); it survived when
the suites pass. A mutant whose text is missing or not unique is stale: the code moved,
and the mutant must be brought up to date. Before the mutants, a canary that breaks
``sysmon`` at import must be caught, so that the copy's code is known to be what the
tests import. Exit status 0 when every mutant was caught, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
SUITES = ("tests/unit", "tests/sim", "tests/hosts", "tests/fuzz")
LEFT_OUT = (".venv", ".git", "__pycache__", ".hypothesis", ".coverage*", "*.egg-info")


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    bug: str


MUTANTS = (
    Mutant(
        "memory-used-from-memfree",
        "sysmon/domain/memory.py",
        "    used = total - available\n",
        "    used = total - free\n",
        "memory used is total - MemFree, not total - MemAvailable",
    ),
    Mutant(
        "cached-without-sreclaimable",
        "sysmon/domain/memory.py",
        '"cached": info.get("Cached", 0) + info.get("SReclaimable", 0),',
        '"cached": info.get("Cached", 0),',
        "cached leaves out SReclaimable",
    ),
    Mutant(
        "swap-percent-from-free",
        "sysmon/domain/memory.py",
        '"swap_usage_percent": percent(swap_used, swap_total),',
        '"swap_usage_percent": percent(swap_free, swap_total),',
        "swap percent taken from SwapFree instead of the swap used",
    ),
    Mutant(
        "iowait-counted-as-busy",
        "sysmon/domain/cpu.py",
        "    return total - deltas[_IDLE] - deltas[_IOWAIT], total\n",
        "    return total - deltas[_IDLE], total\n",
        "iowait counts as busy CPU time",
    ),
    Mutant(
        "steal-counted-as-idle",
        "sysmon/domain/cpu.py",
        "    return total - deltas[_IDLE] - deltas[_IOWAIT], total\n",
        "    return total - deltas[_IDLE] - deltas[_IOWAIT] - deltas[7], total\n",
        "steal time counts as idle, not busy",
    ),
    Mutant(
        "guest-counted-twice",
        "sysmon/domain/cpu.py",
        "    total = sum(deltas) - deltas[_GUEST] - deltas[_GUEST_NICE]\n",
        "    total = sum(deltas)\n",
        "guest time, already inside user, is added to the total again",
    ),
    Mutant(
        "lo-in-the-totals",
        "sysmon/domain/network.py",
        '"total_rx": sum(dev.rx_bytes for dev in devices if dev.name != LOOPBACK),',
        '"total_rx": sum(dev.rx_bytes for dev in devices),',
        "the loopback interface counts in total_rx",
    ),
    Mutant(
        "correlation-id-not-copied",
        "sysmon/app/envelope.py",
        "            + _routing(request.source, request.correlation_id)\n",
        '            + _routing(request.source, "")\n',
        "a response does not carry its request's correlation_id",
    ),
    Mutant(
        "reply-without-target",
        "sysmon/app/envelope.py",
        "            + _routing(request.source, request.correlation_id)\n",
        '            + _routing("", request.correlation_id)\n',
        "a response has no target (the requester)",
    ),
    Mutant(
        "notification-answered",
        "sysmon/app/server.py",
        "        if call.id_json is None:\n            return None\n",
        "",
        "a JSON-RPC notification gets a reply",
    ),
    Mutant(
        "broker-timeout-ignored",
        "sysmon/domain/message_stats.py",
        "self._timers.call_later(self._timeout, lambda: self._on_timeout(generation))",
        "self._timers.call_later(1e9, lambda: self._on_timeout(generation))",
        "sysmon_broker_timeout is ignored: a silent broker is waited for for ever",
    ),
    Mutant(
        "cache-never-expires",
        "sysmon/domain/cache.py",
        "        if entry is None or self._clock.monotonic() - entry[0] >= self._ttl:\n",
        "        if entry is None:\n",
        "a cached result is served for ever",
    ),
    Mutant(
        "uptime-idle-not-summed",
        "sysmon/domain/uptime.py",
        '{"uptime": uptime.uptime, "idle_time": uptime.idle}',
        '{"uptime": uptime.uptime, "idle_time": min(uptime.idle, uptime.uptime)}',
        "idle time taken as one CPU's (at most the uptime), not summed over CPUs",
    ),
    Mutant(
        "threads-counted-as-tasks",
        "sysmon/adapters/procfs/pid_stat.py",
        "        counts[state] = counts.get(state, 0) + 1\n",
        "        counts[state] = counts.get(state, 0) + count\n",
        "each thread counts as a process in the state tally",
    ),
    Mutant(
        "load5-from-field-3",
        "sysmon/adapters/procfs/loadavg.py",
        'load5=to_float(fields[1], PATH, "field 2"),',
        'load5=to_float(fields[2], PATH, "field 2"),',
        "the 5-minute load is read from the 15-minute column",
    ),
    Mutant(
        "disk-used-total-minus-bavail",
        "sysmon/adapters/procfs/statvfs.py",
        "        used=(result.f_blocks - result.f_bfree) * unit,\n",
        "        used=(result.f_blocks - result.f_bavail) * unit,\n",
        "disk used is total - f_bavail, counting reserved blocks as used",
    ),
    Mutant(
        "disk-percent-of-total",
        "sysmon/domain/disk.py",
        '"used_percent": percent(usage.used, usage.used + usage.free),',
        '"used_percent": percent(usage.used, usage.total),',
        "disk used % over total, not over used + available as df computes it",
    ),
)
CANARY = Mutant(
    "canary-broken-import",
    "sysmon/__init__.py",
    "",
    'raise ImportError("the mutation copy is what the tests import")\n',
    "sysmon cannot be imported: must be caught, or the tests are not importing the copy",
)


def stale_reason(mutant: Mutant, root: Path) -> str | None:
    """Why the mutant cannot be planted in ``root`` as written, or None."""
    if not mutant.old:
        return None  # the canary: its text goes in front of the file
    try:
        text = (root / mutant.path).read_text(encoding="utf-8")
    except OSError as error:
        return f"{mutant.path}: {error.strerror}"
    count = text.count(mutant.old)
    return None if count == 1 else f"{mutant.path}: its text is there {count} times, not once"


def plant(mutant: Mutant, copy: Path) -> None:
    target = copy / mutant.path
    text = target.read_text(encoding="utf-8")
    text = text.replace(mutant.old, mutant.new, 1) if mutant.old else mutant.new + text
    target.write_text(text, encoding="utf-8")


def run_suites(copy: Path, timeout: float) -> tuple[str, str]:
    """("caught" or "survived", the first failure or why), for the suites on ``copy``."""
    command = [str(PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    command += ["-m", "not live and not e2e", *SUITES]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env["PYTHONPATH"] = str(copy)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        result = subprocess.run(
            command,
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "caught", f"the suites ran past {timeout:g}s"
    if result.returncode == 0:
        return "survived", result.stdout.strip().splitlines()[-1]
    failures = [
        line
        for line in result.stdout.splitlines()
        if line.startswith(("FAILED ", "ERROR ", "E   ImportError"))
    ]
    return "caught", (failures or [f"exit status {result.returncode}"])[0][:140]


def try_mutant(mutant: Mutant, timeout: float) -> tuple[str, str, float]:
    started = time.monotonic()
    reason = stale_reason(mutant, ROOT)
    if reason is not None:
        return "stale", reason, 0.0
    with tempfile.TemporaryDirectory(prefix="sysmon-mutant-") as base:
        copy = Path(base) / "sysmon"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*LEFT_OUT))
        plant(mutant, copy)
        status, detail = run_suites(copy, timeout)
    return status, detail, time.monotonic() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", metavar="NAME", help="run just this mutant")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds the suites may take per mutant"
    )
    args = parser.parse_args(argv)
    if args.list:
        for mutant in MUTANTS:
            print(f"{mutant.name:32} {mutant.path}: {mutant.bug}")
        return 0
    known = {m.name: m for m in MUTANTS}
    unknown = sorted(set(args.only or ()) - set(known))
    if unknown:
        parser.error(f"no such mutant: {', '.join(unknown)}")
    chosen = [known[name] for name in args.only] if args.only else list(MUTANTS)
    if not PYTHON.exists():
        parser.error(f"{PYTHON} is missing: run `python3 dev.py test` once to create .venv")

    status, detail, _ = try_mutant(CANARY, args.timeout)
    if status != "caught":
        print(f"{CANARY.name}: {status} ({detail}): the tests do not import the copy")
        return 1
    print(f"{CANARY.name:32} caught    the copy's sysmon is what the tests import")
    tally = {"caught": 0, "survived": 0, "stale": 0}
    started = time.monotonic()
    for mutant in chosen:
        status, detail, seconds = try_mutant(mutant, args.timeout)
        tally[status] += 1
        print(f"{mutant.name:32} {status:9} {seconds:6.1f}s  {detail}", flush=True)
    print(
        f"{len(chosen)} mutants: {tally['caught']} caught, {tally['survived']} survived, "
        f"{tally['stale']} stale ({time.monotonic() - started:.0f}s)"
    )
    return 0 if tally["caught"] == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
