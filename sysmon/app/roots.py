"""The procfs and rootfs roots as the service starts with them: present, and of one host.

A root missing at start is a mistake in the configuration, so it is fatal and named;
one that goes away later is ``ServiceUnavailable`` per request, as the reader reports.
A captured tree (``<tree>/proc`` beside ``<tree>/rootfs``) pointed at by its procfs root
alone would otherwise be read with this host's mounts and os-release: its rootfs is
taken then, and said so.
"""

from __future__ import annotations

import os
from dataclasses import replace

from sysmon.app.config import ConfigError, Settings


def settle_roots(settings: Settings) -> Settings:
    """``settings`` with the rootfs root paired to a tree's procfs root; ConfigError for a
    root that does not exist."""
    rootfs = paired_rootfs(settings.procfs_path) if not settings.rootfs_given else None
    if rootfs is not None:
        notice = (
            f"procfs root {settings.procfs_path} is a host tree's proc/: reading its "
            f"rootfs {rootfs} too (give --rootfs or sysmon_rootfs_path to choose another)"
        )
        settings = replace(settings, rootfs_path=rootfs, notices=(*settings.notices, notice))
    for what, flag, key, path in (
        ("procfs", "--procfs", "sysmon_procfs_path", settings.procfs_path),
        ("rootfs", "--rootfs", "sysmon_rootfs_path", settings.rootfs_path),
    ):
        if not os.path.isdir(path):
            state = "is not a directory" if os.path.exists(path) else "does not exist"
            raise ConfigError(f"the {what} root {path} ({flag}, {key}) {state}")
    return settings


def paired_rootfs(procfs_path: str) -> str | None:
    """``<tree>/rootfs`` when ``procfs_path`` is ``<tree>/proc`` and that directory exists.

    ``host/proc`` given relatively pairs with ``host/rootfs``; a bare ``proc`` with ``rootfs``.
    """
    trimmed = procfs_path.rstrip("/")
    tree = os.path.dirname(trimmed)
    if os.path.basename(trimmed) != "proc" or tree == "/":
        return None  # this host's own /proc: a /rootfs beside it is some other mount
    candidate = os.path.join(tree, "rootfs")
    return candidate if os.path.isdir(candidate) else None
