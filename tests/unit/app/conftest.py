"""A small host for the protocol tests: the real ProcfsReader over a /proc written here.

Files are written through a ``create(path, text)`` function: pyfakefs's own
``fs.create_file`` for the ``fs`` fixture, plain ``pathlib`` for a real directory
(``tmp_path``), which the runner tests need as pyfakefs would also fake their pipes.
Going through pyfakefs's API, not a patched ``os``, keeps the files inside the fake
filesystem whichever other conftest module is loaded under the same name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from sysmon.adapters.deadline import InlineDeadline
from sysmon.adapters.fake_host.disk import fakefs_statvfs
from sysmon.adapters.procfs import ProcfsReader
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.metrics import MetricsService
from sysmon.domain.models import HostFacts
from sysmon.domain.ports import ClockPort

PID_STAT = "{pid} (init) {state} 0 1 1 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 {threads} 0 10 100 2\n"

SMALL_PROC = {
    "stat": (
        "cpu  4000 0 1000 15000 0 0 0 0 0 0\n"
        "cpu0 2000 0 500 7500 0 0 0 0 0 0\n"
        "cpu1 2000 0 500 7500 0 0 0 0 0 0\n"
        "ctxt 1990473\nbtime 1795680000\nprocesses 2915\nprocs_running 2\nprocs_blocked 1\n"
    ),
    "meminfo": (
        "MemTotal:        8000000 kB\nMemFree:         1000000 kB\n"
        "MemAvailable:    6000000 kB\nBuffers:          200000 kB\n"
        "Cached:          3000000 kB\nSwapTotal:       2000000 kB\nSwapFree:        1500000 kB\n"
    ),
    "loadavg": "0.52 0.58 0.59 2/497 11947\n",
    "uptime": "12345.67 23456.78\n",
    "1/mountinfo": "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n",
    "net/dev": (
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|"
        "bytes    packets errs drop fifo colls carrier compressed\n"
        "    lo:  500000     100    0    0    0     0          0         0"
        "   500000     100    0    0    0     0       0          0\n"
        "  eth0: 9000000    5000    1    2    0     0          0         0"
        "  1000000    4000    3    4    0     0       0          0\n"
    ),
    "1/stat": PID_STAT.format(pid=1, state="S", threads=1),
    "42/stat": PID_STAT.format(pid=42, state="R", threads=3),
    "sys/kernel/hostname": "testhost\n",
    "sys/kernel/osrelease": "6.1.0-test\n",
    "sys/kernel/ostype": "Linux\n",
}


def write_small_host(root: str, create: Callable[[str, str], object]) -> tuple[str, str]:
    """Write ``<root>/proc`` and ``<root>/rootfs``; returns both paths."""
    proc, rootfs = f"{root}/proc", f"{root}/rootfs"
    for relative, text in SMALL_PROC.items():
        create(f"{proc}/{relative}", text)
    create(f"{rootfs}/etc/os-release", 'PRETTY_NAME="Test Linux 1.0"\n')
    return proc, rootfs


def _create_on_disk(path: str, text: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")


def _metrics(
    statvfs: Callable[[bytes], os.statvfs_result],
    proc: str,
    rootfs: str,
    clock: ClockPort,
    cache: float = 1.0,
) -> MetricsService:
    return MetricsService(
        ProcfsReader(proc, rootfs, statvfs),
        clock,
        InlineDeadline(),
        HostFacts(user_hz=100, page_size=4096, machine="x86_64"),
        DiskPolicy(),
        cache_duration=cache,
    )


@pytest.fixture
def make_metrics(request: pytest.FixtureRequest) -> Callable[..., MetricsService]:
    """``make_metrics(proc, rootfs, clock, cache=1.0)``: the real MetricsService on a tree
    (statvfs inside pyfakefs where the test uses it).
    """
    if "fs" in request.fixturenames:
        return partial(_metrics, fakefs_statvfs(request.getfixturevalue("fs")))
    return partial(_metrics, os.statvfs)


BROKER_DATA = Path(__file__).resolve().parents[3] / "sysmon" / "broker_replies"


@pytest.fixture
def small_host(fs: Any) -> tuple[str, str]:
    """The small host inside pyfakefs, at /host/proc and /host/rootfs; canned broker replies
    stay readable at their real path."""
    fs.add_real_directory(str(BROKER_DATA))
    return write_small_host("/host", lambda path, text: fs.create_file(path, contents=text))


@pytest.fixture
def small_host_on_disk(tmp_path: Path) -> tuple[str, str]:
    """The same small host in a real directory, for tests that need real pipes."""
    return write_small_host(str(tmp_path / "host"), _create_on_disk)
