"""4. Start-up: spawn to ``subprocess_ready`` beside ``python -c pass``, and the imports.

Every spawn uses the service's interpreter (``.venv/bin/python``, the one the console
script runs on), so both sides pay the same interpreter start and ``site``.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    PYTHON,
    SYSMON,
    BenchError,
    Child,
    Context,
    Row,
    Section,
    child_environment,
    median,
    rotated,
    say,
)

ALONE = {
    "import asyncio": "import asyncio",
    "import dependency_injector": "import dependency_injector.containers, "
    "dependency_injector.providers",
}
INTERPRETER = frozenset({"site", "encodings", "_frozen_importlib_external", "zipimport"})
# The console script's own code, so -X importtime sees exactly what ``sysmon`` imports.
SERVE = "import sys\nfrom sysmon.app.cli import main\nsys.exit(main(sys.argv[1:]))"


@dataclass
class Import:
    name: str
    level: int
    self_us: int
    cumulative_us: int
    parent: str = ""


def parse_importtime(text: str) -> list[Import]:
    """``-X importtime`` lines; a module's importer is the next line one level up."""
    entries: list[Import] = []
    for line in text.splitlines():
        if not line.startswith("import time:"):
            continue
        own, cumulative, name = line[len("import time:") :].split("|", 2)
        if not own.strip().isdigit():
            continue  # the header
        level = (len(name) - len(name.lstrip()) - 1) // 2
        entries.append(Import(name.strip(), level, int(own), int(cumulative)))
    for index, entry in enumerate(entries):
        for later in entries[index + 1 :]:
            if later.level < entry.level:
                entry.parent = later.name
                break
    return entries


def top_level(entries: list[Import], index: int) -> str:
    """The level-0 import under which entry ``index`` was made."""
    for later in entries[index:]:
        if later.level == 0:
            return later.name
    return entries[index].name


def spawn_to_ready(ctx: Context, cwd: Path) -> float:
    """As the broker starts it: ``./sysmon``, no arguments, its config.json beside it."""
    start = time.perf_counter()
    child = Child([SYSMON], ctx.workdir, "sysmon-start", cwd=cwd)
    try:
        line = child.line()
        elapsed = time.perf_counter() - start
    finally:
        child.close()
    if b"subprocess_ready" not in line:
        raise BenchError(f"sysmon's first line is not its ready event: {line[:200]!r}")
    return elapsed * 1000


def spawn_to_exit(ctx: Context, code: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [PYTHON, "-c", code],
        cwd=ctx.workdir,
        env=child_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        check=True,
    )
    return (time.perf_counter() - start) * 1000


def run(ctx: Context) -> Section:
    plan = ctx.plan
    cwd = ctx.broker_dir("startup", {})
    cases = {
        "sysmon": lambda: spawn_to_ready(ctx, cwd),
        "python -c pass": lambda: spawn_to_exit(ctx, "pass"),
        **{label: (lambda code=code: spawn_to_exit(ctx, code)) for label, code in ALONE.items()},
    }
    say(f"4. start-up: {plan.startup_rounds} rounds")
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for case in cases.values():
        case()  # warm the page cache
    for turn in range(plan.startup_rounds):
        for name in rotated(list(cases), turn):
            samples[name].append(cases[name]())
    figures = {name: median(values) for name, values in samples.items()}

    say("4. start-up: -X importtime")
    traced = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", SERVE],
        check=False,
        cwd=cwd,
        env=child_environment(),
        input="",  # a pipe at its end, as a broker that has gone: the stdio channel
        capture_output=True,
        text=True,
    )
    entries = parse_importtime(traced.stderr)
    roots = [top_level(entries, index) for index in range(len(entries))]
    chain = [e for e, root in zip(entries, roots, strict=True) if root not in INTERPRETER]
    chain_total = sum(e.cumulative_us for e in chain if e.level == 0)
    startup_total = sum(e.cumulative_us for e in entries if e.level == 0) - chain_total
    outside = [e for e in chain if not e.name.startswith("sysmon")]
    costliest = sorted(outside, key=lambda e: e.cumulative_us, reverse=True)[:5]
    heaviest = sorted(chain, key=lambda e: e.self_us, reverse=True)[:5]
    figures |= {"imports_ms": chain_total / 1000, "interpreter_imports_ms": startup_total / 1000}
    ctx.figures["startup"] = figures
    ctx.raw["startup"] = {
        "rounds_ms": samples,
        "importtime": [vars(e) for e in entries],
    }

    section = Section(
        4,
        f"Start-up (ms, median of {plan.startup_rounds} rounds)",
        "",
        "python -c pass",
    )
    bare = figures["python -c pass"]
    section.rows.append(Row("spawn to subprocess_ready", figures["sysmon"], floor=bare))
    for label in ALONE:
        section.rows.append(Row(f"  python -c '{label}'", figures[label], floor=bare))
    section.notes.append(
        "python -c rows: spawn to exit, the same interpreter (.venv/bin/python) as the service."
    )
    section.notes.append(
        f"-X importtime, one run of the service: its own import chain {chain_total / 1000:.1f} ms, "
        f"interpreter start-up imports (site, encodings) {startup_total / 1000:.1f} ms."
    )
    section.notes.append("five costliest imports outside sysmon (cumulative ms, self ms, by):")
    section.notes.extend(
        f"  {e.name:<34}{e.cumulative_us / 1000:8.1f}{e.self_us / 1000:8.1f}  by {e.parent or '-'}"
        for e in costliest
    )
    section.notes.append("five largest self times in the chain (self ms, by):")
    section.notes.extend(
        f"  {e.name:<34}{e.self_us / 1000:8.1f}  by {e.parent or '-'}" for e in heaviest
    )
    return section
