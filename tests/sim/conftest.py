"""The simulation suite runs each pyfakefs scenario under Linux, macOS and Windows emulation.

``sim_os`` (the plugin's fixture) is parametrized here: a test that uses the fake
filesystem runs once per emulated OS. Two marks narrow that down:

- ``linux_only_names``: the scenario hinges on POSIX-only name details (a backslash, a
  newline or letter case in a mount path), which macOS (case-insensitive) and Windows
  (backslash is a separator) cannot hold;
- ``posix_permissions``: the scenario needs POSIX mode bits refusing a non-root reader;
  Windows has none, and pyfakefs's Windows emulation ignores them as Windows does.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

HOSTS = Path(__file__).resolve().parents[2] / "sysmon" / "hosts"
ALL_OSES = ("linux", "macos", "windows")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "posix_permissions: needs POSIX mode bits; not under Windows emulation"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "sim_os" not in metafunc.fixturenames:
        return
    oses: tuple[str, ...] = ALL_OSES
    if metafunc.definition.get_closest_marker("linux_only_names"):
        oses = ("linux",)
    elif metafunc.definition.get_closest_marker("posix_permissions"):
        oses = ("linux", "macos")
    metafunc.parametrize("sim_os", oses)


@pytest.fixture
def ram_dir(tmp_path: Path) -> Iterator[str]:
    """A real directory, in RAM where the OS offers one (/dev/shm): a large host writes
    10,000 files, which a disk in a VM makes slow and pyfakefs slower still.
    """
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    directory = tempfile.mkdtemp(prefix="sysmon-sim-", dir=base or str(tmp_path))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
