"""A small host for the protocol tests: the real ProcfsReader over a /proc written here.

``write_small_host(root)`` uses plain ``open``, so it writes into pyfakefs when the
``fs`` fixture is active and into a real directory (``tmp_path``) otherwise; the runner
tests need the latter, as pyfakefs would also fake their pipes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sysmon.adapters.deadline import InlineDeadline
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


def write_files(root: str, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = f"{root}/{relative}"
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)


def write_small_host(root: str) -> tuple[str, str]:
    """Write ``<root>/proc`` and ``<root>/rootfs``; returns both paths."""
    proc, rootfs = f"{root}/proc", f"{root}/rootfs"
    write_files(proc, SMALL_PROC)
    write_files(rootfs, {"etc/os-release": 'PRETTY_NAME="Test Linux 1.0"\n'})
    return proc, rootfs


def _metrics(proc: str, rootfs: str, clock: ClockPort, cache: float = 1.0) -> MetricsService:
    return MetricsService(
        ProcfsReader(proc, rootfs),
        clock,
        InlineDeadline(),
        HostFacts(user_hz=100, page_size=4096, machine="x86_64"),
        DiskPolicy(),
        cache_duration=cache,
    )


@pytest.fixture
def make_metrics() -> Callable[..., MetricsService]:
    """``make_metrics(proc, rootfs, clock, cache=1.0)``: the real MetricsService on a tree."""
    return _metrics


BROKER_DATA = Path(__file__).resolve().parents[3] / "testdata" / "broker"


@pytest.fixture
def small_host(fs: Any) -> tuple[str, str]:
    """The small host inside pyfakefs, at /host/proc and /host/rootfs; canned broker replies
    stay readable at their real path."""
    fs.add_real_directory(str(BROKER_DATA))
    return write_small_host("/host")


@pytest.fixture
def small_host_on_disk(tmp_path: Path) -> tuple[str, str]:
    """The same small host in a real directory, for tests that need real pipes."""
    return write_small_host(str(tmp_path / "host"))
