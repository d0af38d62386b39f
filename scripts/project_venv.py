"""Run a script of this directory with the project's .venv, whatever interpreter started it.

``scripts/fuzz_long.py`` typed alone runs under the system python3, which has neither
sysmon nor the test tools; this re-executes the script with ``.venv/bin/python``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def use_project_venv(script: str) -> None:
    """Re-execute ``script`` under .venv's python unless already there; exit 1 without it."""
    if Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
        return
    if not VENV_PYTHON.exists():
        sys.stderr.write(
            f"{Path(script).name}: needs the project's .venv with the test tools; create "
            "it with: python3 dev.py test tests/unit -q\n"
        )
        raise SystemExit(1)
    os.execv(VENV_PYTHON, [str(VENV_PYTHON), script, *sys.argv[1:]])
