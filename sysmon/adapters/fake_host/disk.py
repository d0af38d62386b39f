"""Disk sizes of a fake host in a real directory, where no statvfs can be faked: host.json.

``host.json`` holds the host facts and each mount's ``{total, used, free}`` in bytes;
``HostJsonReader`` is the real ``ProcfsReader`` with ``fs_usage`` answered from it, so
that ``sysmon --fake-host`` and real-directory simulations report the scripted sizes.
Inside pyfakefs the plain reader is used instead: mount points carry the sizes there.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterable
from typing import Any, Protocol

from sysmon.adapters.procfs import ProcfsReader
from sysmon.domain.models import FsUsage, HostFacts


class Sized(Protocol):
    path: bytes
    total: int
    used: int
    free: int


def mount_key(path: bytes) -> str:
    """A mount path as a JSON key; bytes that are not UTF-8 survive as surrogates."""
    return path.decode("utf-8", "surrogateescape")


def host_json(facts: HostFacts, mounts: Iterable[Sized]) -> bytes:
    """host.json, the same bytes for the same host: sorted keys, a final newline."""
    document = {
        "user_hz": facts.user_hz,
        "page_size": facts.page_size,
        "machine": facts.machine,
        "mounts": {
            mount_key(m.path): {"total": m.total, "used": m.used, "free": m.free} for m in mounts
        },
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def read_host_json(path: str) -> dict[str, Any]:
    """The parsed host.json; an absent file is an empty one (every default applies)."""
    try:
        with open(path, "rb") as file:
            document = json.loads(file.read())
    except FileNotFoundError:
        return {}
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return document


DEFAULT_FACTS = HostFacts(user_hz=100, page_size=4096, machine="x86_64")


def facts_from(document: dict[str, Any]) -> HostFacts:
    """host.json's facts; those it does not give are the ``DEFAULT_FACTS``."""
    return HostFacts(
        user_hz=int(document.get("user_hz", DEFAULT_FACTS.user_hz)),
        page_size=int(document.get("page_size", DEFAULT_FACTS.page_size)),
        machine=str(document.get("machine", DEFAULT_FACTS.machine)),
    )


class HostJsonReader(ProcfsReader):
    """The real reader, except that statvfs figures come from the host's host.json."""

    def __init__(self, procfs_root: str, rootfs_root: str, host_json_path: str) -> None:
        super().__init__(procfs_root, rootfs_root)
        self._host_json = host_json_path

    def fs_usage(self, mount_path: bytes) -> FsUsage:
        sizes = read_host_json(self._host_json).get("mounts", {}).get(mount_key(mount_path))
        if sizes is None:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), mount_key(mount_path))
        return FsUsage(total=sizes["total"], used=sizes["used"], free=sizes["free"])
