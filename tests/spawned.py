"""What the tests that spawn a real sysmon share: finding the console script, feeding it.

Importable as ``spawned`` from any test (``tests/`` is on sys.path through its
conftest) and from ``scripts/`` (which add ``tests/`` themselves).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def sysmon_executable() -> str:
    """The installed ``sysmon`` console script, beside this interpreter or on PATH."""
    beside = Path(sys.executable).with_name("sysmon")
    found = str(beside) if beside.exists() else shutil.which("sysmon")
    if found is None:
        raise RuntimeError("the sysmon console script is not installed (pip install -e .)")
    return found


def write_all(fd: int, data: bytes) -> None:
    """Write every byte to ``fd``, however the pipe splits the writes."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
