#!/usr/bin/env python3
"""Developer entry point that needs nothing but python3.

    python3 dev.py run [SYSMON ARGS]   install into .venv if needed, then run sysmon
    python3 dev.py test [PYTEST ARGS]  install test tools, run the whole suite with
                                       coverage, mypy and ruff
    python3 dev.py bench [ARGS]        run the benchmark (bench/run.py)

pip's chatter goes to stderr, so ``… | python3 dev.py run`` keeps stdout for the protocol.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
COVERAGE_FLOOR = 95
PYTHON_TREES = ("sysmon", "tests", "scripts", "bench", "dev.py")


def _say(message: str) -> None:
    sys.stderr.write(f"dev.py: {message}\n")
    sys.stderr.flush()


def _run(command: list[str], **kwargs: object) -> int:
    return subprocess.call(command, cwd=ROOT, **kwargs)  # type: ignore[arg-type]


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project with ``extras``, once per pyproject.toml."""
    if not PYTHON.exists():
        _say("creating .venv")
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)], stdout=sys.stderr)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{extras or 'base'}-{digest}"
    if stamp.exists():
        return
    target = f".[{extras}]" if extras else "."
    _say(f"installing sysmon{f'[{extras}]' if extras else ''} into .venv")
    subprocess.check_call(
        [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target],
        cwd=ROOT,
        stdout=sys.stderr,
    )
    # pip compiles what it installs, but not an editable project's own modules; byte-code
    # them once so that each start does not recompile (PYTHONDONTWRITEBYTECODE may be set)
    subprocess.check_call([str(PYTHON), "-m", "compileall", "-q", str(ROOT / "sysmon")])
    stamp.write_text("ok\n")


def run(args: list[str]) -> int:
    ensure_venv("")
    return _run([str(BIN / "sysmon"), *args])


def test(args: list[str]) -> int:
    ensure_venv("test")
    env = dict(os.environ, COVERAGE_RCFILE=str(ROOT / "pyproject.toml"))
    for stale in ROOT.glob(".coverage*"):
        stale.unlink()
    status = _run([str(PYTHON), "-m", "coverage", "run", "-m", "pytest", *args], env=env)
    if status != 0:
        return status
    _run([str(PYTHON), "-m", "coverage", "combine", "-q"], env=env)
    status = _run(
        [str(PYTHON), "-m", "coverage", "report", f"--fail-under={COVERAGE_FLOOR}"], env=env
    )
    if args:
        return 0  # a partial run says nothing about the whole tree's coverage
    for check in (
        [str(PYTHON), "-m", "mypy"],
        [str(PYTHON), "-m", "ruff", "check", *PYTHON_TREES],
        [str(PYTHON), "-m", "ruff", "format", "--check", *PYTHON_TREES],
    ):
        _say(" ".join(check[2:]))
        status = _run(check) or status
    return status


def bench(args: list[str]) -> int:
    ensure_venv("test")
    return _run([str(PYTHON), str(ROOT / "bench" / "run.py"), *args])


def main(argv: list[str]) -> int:
    commands = {"run": run, "test": test, "bench": bench}
    if not argv or argv[0] not in commands:
        sys.stderr.write(__doc__ or "")
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
