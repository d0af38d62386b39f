"""A host tree of sysmon/hosts inside pyfakefs, served by the real MetricsService.

The tree is mapped read-only at ``/host``: ``/host/proc`` is the procfs root and
``/host/rootfs`` the root filesystem. Every mount point of the tree's host.json becomes
a pyfakefs mount point under ``/host/rootfs`` of host.json's ``total``, holding
host.json's ``used`` bytes, so that ``shutil.disk_usage`` (statvfs) answers with them.

What pyfakefs cannot express:

- reserved blocks: it has no f_bfree apart from f_bavail, so its free is always
  total − used, where host.json's ``free`` (f_bavail) can be smaller (ext's 5 % for root);
- a mount point whose name is not UTF-8 (odd-host's ``/mnt/raw\\xff``): pyfakefs keeps
  its mount table as text and encodes it in the locale's encoding whenever a bytes path
  is looked up, so such a mount point would break every lookup. It is left out here, and
  the path is measured on the device that holds it, the rootfs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sysmon.adapters.deadline import InlineDeadline
from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.fake_host.disk import fakefs_statvfs
from sysmon.adapters.procfs import ProcfsReader
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.metrics import MetricsService
from sysmon.domain.models import HostFacts, JSONDict

HOSTS = Path(__file__).resolve().parents[2] / "sysmon" / "hosts"
TREES = ("this-vm", "legacy-2.6.18", "debian6-2.6.32", "odd-host", "container")
HOST = "/host"
PROC = f"{HOST}/proc"
ROOTFS = f"{HOST}/rootfs"
WINDOW = 0.5  # seconds the clock moves after start(): the CPU window (at least 0.1 s)


def expressible(point: str) -> bool:
    """Whether pyfakefs can hold a mount point of this name (see the module docstring)."""
    try:
        point.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class Host:
    """One tree in the fake filesystem and the service reading it."""

    fs: Any
    facts: JSONDict
    clock: FakeClock
    deadline: InlineDeadline
    service: MetricsService

    def call(self, method: str) -> JSONDict:
        return self.service.collect(method)

    def rewrite(self, relative: str, data: bytes) -> None:
        """Replace ``/proc/<relative>`` in the fake filesystem (the real tree is untouched)."""
        self.fs.get_object(f"{PROC}/{relative}").set_contents(data)

    def read(self, relative: str) -> bytes:
        with open(f"{PROC}/{relative}", "rb") as file:
            return file.read()

    def remove(self, relative: str) -> None:
        self.fs.remove_object(f"{PROC}/{relative}")

    def exists(self, relative: str) -> bool:
        return bool(self.fs.exists(f"{PROC}/{relative}"))


def map_tree(fs: Any, name: str) -> JSONDict:
    """Map the tree at /host and give each of its mount points host.json's figures."""
    # lazy_read=False: pyfakefs fails to add a mount point inside a mapped directory it
    # has not loaded yet.
    fs.add_real_directory(str(HOSTS / name), target_path=HOST, read_only=True, lazy_read=False)
    with open(f"{HOST}/host.json", encoding="utf-8") as file:
        facts: JSONDict = json.load(file)
    for point, figures in sorted(facts["mounts"].items()):
        if not expressible(point):
            continue
        # With its drive: under Windows emulation pyfakefs would otherwise make the mount
        # point a second, empty tree beside the mapped files.
        directory = fs.absnormpath(ROOTFS + point.rstrip("/"))
        device = fs.add_mount_point(directory, total_size=figures["total"])
        # A new device holds nothing (the mapped files' sizes are not counted): used is
        # exactly host.json's, and pyfakefs derives free = total − used.
        fs.change_disk_usage(figures["used"], directory, device["idev"])
    return facts


@pytest.fixture
def open_host(fs: Any) -> Callable[..., Host]:
    """``open_host(name)``: the tree's service, started, with the clock WINDOW later.

    ``machine`` replaces host.json's machine (what ``uname`` would say) when given.
    """

    def open_(name: str, *, machine: str | None = None) -> Host:
        facts = map_tree(fs, name)
        clock = FakeClock()  # epoch 1795766400.0 (2026-11-27T00:00:00Z), monotonic 1000.0
        deadline = InlineDeadline()
        service = MetricsService(
            ProcfsReader(PROC, ROOTFS, fakefs_statvfs(fs)),
            clock,
            deadline,
            HostFacts(
                user_hz=facts["user_hz"],
                page_size=facts["page_size"],
                machine=facts["machine"] if machine is None else machine,
            ),
            DiskPolicy(),
            cache_duration=0,
        )
        service.start()  # the CPU baseline
        clock.advance(WINDOW)
        return Host(fs, facts, clock, deadline, service)

    return open_
