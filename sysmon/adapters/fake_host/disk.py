"""Disk sizes of a fake host, as statvfs would give them, reserved blocks included.

``host.json`` holds the host facts and each mount's ``{total, used, free}`` in bytes,
``free`` being what is left to users (f_bavail): total - used - free is reserved for
root. The real ``ProcfsReader`` measures a fake host's mounts through one of two
``disk_usage`` stand-ins, so that its own reading of statvfs (used = total - f_bfree,
free = f_bavail) is what a test sees:

- ``HostJsonSizes``, in a real directory, where no statvfs can be faked: the sizes come
  from host.json (``sysmon --fake-host`` and real-directory simulations);
- ``ReservedBlocks``, inside pyfakefs: each mount point is a pyfakefs device of its size,
  and pyfakefs, which knows no reserved blocks, answers; the mount's reserved bytes are
  then taken from its free space.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Protocol

from sysmon.adapters.fake_host.model import is_utf8
from sysmon.adapters.procfs import ProcfsReader
from sysmon.domain.models import HostFacts


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


class Sizes(NamedTuple):
    """A statvfs answer in bytes, as ``shutil.disk_usage`` gives it."""

    total: int
    used: int
    free: int


def _mount_path(rootfs_root: str, path: bytes) -> bytes:
    """The mount path under the rootfs of a path the reader measures."""
    return path[len(os.fsencode(rootfs_root.rstrip("/"))) :] or b"/"


class HostJsonSizes:
    """``disk_usage`` for a host in a real directory: each mount's sizes from host.json,
    read afresh on every call; a path that is no mount there is FileNotFoundError."""

    def __init__(self, rootfs_root: str, host_json_path: str) -> None:
        self._rootfs = rootfs_root
        self._host_json = host_json_path

    def __call__(self, path: bytes) -> Sizes:
        key = mount_key(_mount_path(self._rootfs, path))
        sizes = read_host_json(self._host_json).get("mounts", {}).get(key)
        if sizes is None:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), key)
        return Sizes(sizes["total"], sizes["used"], sizes["free"])


class ReservedBlocks:
    """``disk_usage`` inside pyfakefs: pyfakefs's own answer for the device that holds
    the path, less the reserved bytes of the mount it measured.

    pyfakefs holds mount points whose name is UTF-8 only (see ``HostFiles.apply_sizes``),
    so the mount it measured is the longest such mount path that holds the path.
    """

    def __init__(self, rootfs_root: str, mounts: Callable[[], Iterable[Sized]]) -> None:
        self._rootfs = rootfs_root
        self._mounts = mounts

    def __call__(self, path: bytes) -> Sizes:
        usage = shutil.disk_usage(path)  # pyfakefs's, as it patches shutil
        wanted = _mount_path(self._rootfs, path)
        holders = [m for m in self._mounts() if _holds(m.path, wanted) and is_utf8(m.path)]
        if not holders:
            return Sizes(usage.total, usage.used, usage.free)
        mount = max(holders, key=lambda m: len(m.path))
        reserved = max(mount.total - mount.used - mount.free, 0)
        return Sizes(usage.total, usage.used, max(usage.free - reserved, 0))


def _holds(mount_path: bytes, path: bytes) -> bool:
    return path == mount_path or path.startswith(mount_path.rstrip(b"/") + b"/")


class HostJsonReader(ProcfsReader):
    """The real reader, with statvfs figures from the host's host.json."""

    def __init__(self, procfs_root: str, rootfs_root: str, host_json_path: str) -> None:
        super().__init__(procfs_root, rootfs_root, HostJsonSizes(rootfs_root, host_json_path))
