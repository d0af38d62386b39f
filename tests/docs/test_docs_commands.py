"""Every shell command in README.md, SECURITY.md and docs/*.md runs as written from a
fresh copy of the repository's root, with .venv there as the docs say (on PATH, as after
``. .venv/bin/activate``).

The convention (README.md, Development): commands sit in fenced ``sh``, ``bash`` or
``console`` blocks (``console``: the lines after ``$ ``). A command that cannot run there
ends with ``# not run: <reason>``; a long one ends with ``# quick: <command>``, a short
form of the same command that is run instead. A new document falls under this test by
being there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHELL_BLOCKS = {"sh", "bash", "console", "shell"}
NOT_RUN = re.compile(r"#\s*not run:(.*)$")
QUICK = re.compile(r"#\s*quick:(.*)$")
LOOKS_LIKE_A_COMMAND = re.compile(r"^\s*(\$ )?(sysmon|python3?|pip|\.venv/|\./|scripts/)\b")
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".coverage*", ".hypothesis",
    ".mypy_cache", ".ruff_cache", ".cache", "figures.json",
)  # fmt: skip


@dataclass(frozen=True)
class Command:
    where: str  # file:line
    text: str  # as written
    run: str | None  # what the test runs (the quick form), None when not run
    reason: str = ""


def documents() -> list[Path]:
    return [ROOT / "README.md", ROOT / "SECURITY.md", *sorted((ROOT / "docs").glob("*.md"))]


def fenced_blocks(path: Path):
    """(language, [(line number, text)]) for each fenced block of ``path``."""
    language, lines = None, []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fence = re.match(r"^\s*```(\S*)", line)
        if fence and language is None:
            language, lines = fence.group(1) or "", []
        elif fence:
            yield language, lines
            language = None
        elif language is not None:
            lines.append((number, line))


def commands_of(path: Path, root: Path = ROOT) -> list[Command]:
    found = []
    for language, lines in fenced_blocks(path):
        if language not in SHELL_BLOCKS:
            continue
        pending, start = "", 0
        for number, written in lines:
            line = written
            if language == "console":
                if not line.startswith("$ "):
                    continue
                line = line[2:]
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            start = start if pending else number
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            text = pending + line
            pending = ""
            where = f"{path.relative_to(root)}:{start}"
            not_run, quick = NOT_RUN.search(text), QUICK.search(text)
            if not_run:
                found.append(Command(where, text, None, not_run.group(1).strip()))
            else:
                found.append(Command(where, text, quick.group(1).strip() if quick else text))
    return found


def all_commands() -> list[Command]:
    return [command for path in documents() for command in commands_of(path)]


def test_the_extraction_reads_blocks_markers_and_continuations(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text(
        "```sh\n# a comment line\nsysmon methods   # a note\nsysmon \\\n  call X\n"
        "long --run   # quick: long --run --small\nbroker   # not run: needs a broker\n```\n"
        "```console\n$ echo hi\nhi\n```\n```python\nprint()\n```\n"
    )
    found = commands_of(doc, root=tmp_path)
    assert [(c.where, c.run, c.reason) for c in found] == [
        ("x.md:3", "sysmon methods   # a note", ""),
        ("x.md:4", "sysmon    call X", ""),
        ("x.md:6", "long --run --small", ""),
        ("x.md:7", None, "needs a broker"),
        ("x.md:10", "echo hi", ""),
    ]


def test_every_command_not_run_says_why():
    assert [c.where for c in all_commands() if c.run is None and not c.reason] == []


def test_the_docs_scenario_is_the_example_file():
    text = (ROOT / "docs" / "examples" / "scenario.json").read_text()
    assert f"```json\n{text}```" in (ROOT / "docs" / "simulation.md").read_text()


def test_commands_are_in_shell_blocks():
    """A command in an unlabelled block would escape this test: label it sh."""
    stray = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in documents()
        for language, lines in fenced_blocks(path)
        if language == ""
        for number, line in lines
        if LOOKS_LIKE_A_COMMAND.match(line)
    ]
    assert stray == []


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory):
    """A copy of the repository as a clone has it, with this .venv where the docs put it."""
    # the copy shares this .venv: it must be installed already, so that the docs' dev.py
    # commands find it done and never reinstall it from the copy (which then goes away)
    assert list((ROOT / ".venv").glob(".installed-*")), "install .venv first: python3 dev.py test"
    clone = tmp_path_factory.mktemp("docs") / "sysmon"
    shutil.copytree(ROOT, clone, ignore=NOT_COPIED, symlinks=True)
    (clone / ".venv").symlink_to(ROOT / ".venv")
    script = ROOT / ".venv" / "bin" / "sysmon"
    shebang = script.read_bytes().split(b"\n", 1)[0]
    yield clone
    assert script.read_bytes().split(b"\n", 1)[0] == shebang, "the docs' commands reinstalled .venv"


def distinct_runs() -> list:
    """Each command the docs run, once, with every place that shows it (its id: the first)."""
    runs: dict[str, list[str]] = {}
    for command in all_commands():
        if command.run is not None:
            runs.setdefault(command.run, []).append(command.where)
    return [pytest.param(run, places, id=places[0]) for run, places in runs.items()]


@pytest.mark.e2e
@pytest.mark.timeout(900)  # a quick form of the suite or the benchmark: minutes on 2 busy CPUs
@pytest.mark.parametrize(("run", "places"), distinct_runs())
def test_the_documented_command_runs(fresh_clone, run, places):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "PYTEST_"))}
    venv = fresh_clone / ".venv"
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv))
    env.pop("PROCESS_ID", None)
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", run], cwd=fresh_clone, env=env, input=b"",
        capture_output=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, (
        f"{', '.join(places)}: {run!r} exited {done.returncode}\n"
        f"stdout:\n{done.stdout.decode(errors='replace')[-3000:]}\n"
        f"stderr:\n{done.stderr.decode(errors='replace')[-3000:]}"
    )
