"""Disk sizes of a fake host, where no real statvfs can answer: host.json.

``host.json`` holds the host facts and each mount's ``{total, used, free}`` in bytes,
with ``files``, ``files_free`` (inodes) and ``readonly`` where the script set them;
``free`` being what is left to users (f_bavail): total - used - free is reserved for
root. ``HostJsonReader`` is the real ``ProcfsReader`` measuring each mount through a
statvfs answered from it, so that ``sysmon --fake-host`` and every simulation report
the scripted figures as the reader's own reading of statvfs makes them (used = total -
f_bfree, free = f_bavail), reserved blocks included.
``fakefs_statvfs`` is statvfs for the plain reader inside pyfakefs, which fakes
``shutil.disk_usage`` but not ``os.statvfs``.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from sysmon.adapters.procfs import ProcfsReader
from sysmon.adapters.procfs.statvfs import usage_of
from sysmon.domain.models import FsUsage, HostFacts, Mount
from sysmon.domain.records import replace


class Sized(Protocol):
    path: bytes
    total: int
    used: int
    free: int
    files: int | None
    files_free: int | None
    readonly: bool


def mount_key(path: bytes) -> str:
    """A mount path as a JSON key; bytes that are not UTF-8 survive as surrogates."""
    return path.decode("utf-8", "surrogateescape")


def host_json(facts: HostFacts, mounts: Iterable[Sized]) -> bytes:
    """host.json, the same bytes for the same host: sorted keys, a final newline."""
    document = {
        "user_hz": facts.user_hz,
        "page_size": facts.page_size,
        "machine": facts.machine,
        "mounts": {mount_key(m.path): _sizes(m) for m in mounts},
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def _sizes(mount: Sized) -> dict[str, Any]:
    sizes: dict[str, Any] = {"total": mount.total, "used": mount.used, "free": mount.free}
    if mount.files is not None:
        sizes["files"] = mount.files
    if mount.files_free is not None:
        sizes["files_free"] = mount.files_free
    if mount.readonly:
        sizes["readonly"] = True
    return sizes


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


def usage_from(sizes: dict[str, Any]) -> FsUsage:
    """One mount's host.json entry; inode counts absent from it are None."""
    files, files_free = sizes.get("files"), sizes.get("files_free")
    return FsUsage(
        total=int(sizes["total"]),
        used=int(sizes["used"]),
        free=int(sizes["free"]),
        files=None if files is None else int(files),
        files_free=None if files_free is None else int(files_free),
        readonly=bool(sizes.get("readonly", False)),
    )


class HostJsonReader(ProcfsReader):
    """The real reader, except that statvfs figures come from the host's host.json.

    The file is parsed once per reading of the mount table (and again whenever it looks
    replaced), so a collection over many mounts parses it once, not once per mount.
    """

    def __init__(self, procfs_root: str, rootfs_root: str, host_json_path: str) -> None:
        super().__init__(procfs_root, rootfs_root)
        self._host_json = host_json_path
        self._parsed: tuple[tuple[int, int, int], dict[str, Any]] | None = None

    def _mounts(self) -> dict[str, Any]:
        try:
            status = os.stat(self._host_json)
        except FileNotFoundError:
            return {}
        key = (status.st_ino, status.st_mtime_ns, status.st_size)
        if self._parsed is None or self._parsed[0] != key:
            self._parsed = (key, dict(read_host_json(self._host_json).get("mounts", {})))
        return self._parsed[1]

    def mounts(self) -> list[Mount]:
        self._parsed = None
        return super().mounts()

    def fs_usage(self, mount_path: bytes) -> FsUsage:
        sizes = self._mounts().get(mount_key(mount_path))
        if sizes is None:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), mount_key(mount_path))
        scripted = usage_from(sizes)
        # Through the reader's reading of statvfs, as a real mount is measured; inode
        # counts that host.json does not give stay unknown.
        usage = usage_of(as_statvfs(scripted))
        return replace(usage, files=scripted.files, files_free=scripted.files_free)


def as_statvfs(usage: FsUsage) -> os.statvfs_result:
    """statvfs in 1-byte blocks: f_bfree counts the reserved bytes, f_bavail does not."""
    flags = os.ST_RDONLY if usage.readonly else 0
    files, files_free = usage.files or 0, usage.files_free or 0
    blocks = (usage.total, usage.total - usage.used, usage.free)  # f_blocks, f_bfree, f_bavail
    return os.statvfs_result((4096, 1, *blocks, files, files_free, files_free, flags, 255))


def fakefs_statvfs(fs: Any) -> Callable[[bytes], os.statvfs_result]:
    """statvfs inside the pyfakefs filesystem ``fs``, from its disk usage in 1-byte blocks.

    Answers as pyfakefs's ``shutil.disk_usage`` does (for any path, from the mount
    point that would hold it). pyfakefs has no reserved blocks (``f_bavail`` =
    ``f_bfree``), no inodes (0 of them, as on btrfs) and no read-only mounts.
    """

    def statvfs(path: bytes) -> os.statvfs_result:
        total, _, free = fs.get_disk_usage(path)
        return os.statvfs_result((4096, 1, total, free, free, 0, 0, 0, 0, 255))

    return statvfs
