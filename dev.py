#!/usr/bin/env python3
"""Developer entry point that needs nothing but python3.

    python3 dev.py run [SYSMON ARGS]   install into .venv if needed, then run sysmon in
                                       the current directory
    python3 dev.py test [PYTEST ARGS]  install test tools, run the whole suite with
                                       coverage (at least 95 %), mypy and ruff; with
                                       arguments, only that part, its coverage shown
    python3 dev.py bench [ARGS]        run the benchmark (bench/run.py)
    python3 dev.py --help              this text

pip's chatter goes to stderr, so ``… | python3 dev.py run`` keeps stdout for the protocol.
.venv needs Python's venv module (on Debian and Ubuntu: apt install python3-venv).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
COVERAGE_FLOOR = 95
PYTHON_TREES = ("sysmon", "tests", "scripts", "bench", "dev.py")
DISTRIBUTION = "sysmon-service"
OLD_DISTRIBUTIONS = ("sysmon",)  # the name before: its stale pytest11 entry point must go
NO_VENV = (
    "python3 cannot create a virtual environment: its venv module (with ensurepip) is "
    "missing. On Debian and Ubuntu install it with: sudo apt install python3-venv "
    "(or python3.X-venv for your python3 -V), then run this again."
)


def _say(message: str) -> None:
    sys.stderr.write(f"dev.py: {message}\n")
    sys.stderr.flush()


def _run(command: list[str], **kwargs: object) -> int:
    return subprocess.call(command, cwd=ROOT, **kwargs)  # type: ignore[arg-type]


def venv_available() -> bool:
    """Whether ``python3 -m venv`` can work here (Debian ships ensurepip separately)."""
    try:
        import ensurepip  # noqa: F401
        import venv  # noqa: F401
    except ImportError:
        return False
    return True


def create_venv() -> None:
    if not venv_available():
        raise SystemExit(f"dev.py: {NO_VENV}")
    _say("creating .venv")
    if subprocess.call([sys.executable, "-m", "venv", str(VENV)], stdout=sys.stderr) != 0:
        raise SystemExit(f"dev.py: creating .venv failed. {NO_VENV}")


def stale_distributions(venv: Path) -> list[str]:
    """Distributions installed under an earlier name of this project, in ``venv``."""
    found = set()
    for site in venv.glob("lib*/python*/site-packages"):
        for old in OLD_DISTRIBUTIONS:
            if any(site.glob(f"{old}-*.dist-info")):
                found.add(old)
    return sorted(found)


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project with ``extras``, once per pyproject.toml."""
    if not PYTHON.exists():
        create_venv()
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = VENV / f".installed-{extras or 'base'}-{digest}"
    if stamp.exists() or (not extras and any(VENV.glob(f".installed-*-{digest}"))):
        return  # the project without extras is in any install of this pyproject.toml
    for old in stale_distributions(VENV):
        _say(f"removing {old}, this project's earlier name, from .venv")
        subprocess.check_call(
            [str(PYTHON), "-m", "pip", "uninstall", "--disable-pip-version-check", "-q", "-y", old],
            stdout=sys.stderr,
        )
    for old in OLD_DISTRIBUTIONS:
        # an editable install's metadata in the clone is found too (the clone's root is on
        # sys.path under ``python -m pytest``), with its stale pytest11 entry point
        stale_metadata = ROOT / f"{old}.egg-info"
        if stale_metadata.is_dir():
            _say(f"removing {stale_metadata.name}, left by this project's earlier name")
            shutil.rmtree(stale_metadata)
    target = f".[{extras}]" if extras else "."
    _say(f"installing {DISTRIBUTION}{f'[{extras}]' if extras else ''} into .venv")
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
    """sysmon in the caller's directory, so that its relative paths and config.json hold."""
    ensure_venv("")
    return subprocess.call([str(BIN / "sysmon"), *args])


def test(args: list[str]) -> int:
    ensure_venv("test")
    env = dict(os.environ, COVERAGE_RCFILE=str(ROOT / "pyproject.toml"))
    for stale in ROOT.glob(".coverage*"):
        stale.unlink()
    status = _run([str(PYTHON), "-m", "coverage", "run", "-m", "pytest", *args], env=env)
    if status != 0:
        return status
    _run([str(PYTHON), "-m", "coverage", "combine", "-q"], env=env)
    if args:
        # a partial run says nothing about the whole tree's coverage: show it, judge nothing
        _run([str(PYTHON), "-m", "coverage", "report"], env=env)
        _say(f"a partial run: coverage shown, not held to {COVERAGE_FLOOR} %")
        return 0
    status = _run(
        [str(PYTHON), "-m", "coverage", "report", f"--fail-under={COVERAGE_FLOOR}"], env=env
    )
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
    # modules edited since the install would otherwise be compiled at every spawn the
    # benchmark times (where PYTHONDONTWRITEBYTECODE is set, nothing caches them)
    subprocess.check_call([str(PYTHON), "-m", "compileall", "-q", str(ROOT / "sysmon")])
    return _run([str(PYTHON), str(ROOT / "bench" / "run.py"), *args])


def main(argv: list[str]) -> int:
    commands = {"run": run, "test": test, "bench": bench}
    if argv[:1] in (["--help"], ["-h"], ["help"]):
        sys.stdout.write(__doc__ or "")
        return 0
    if not argv or argv[0] not in commands:
        sys.stderr.write(__doc__ or "")
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
