"""A fake host's files on disk: written from its state, broken, hidden, sized.

``HostFiles`` knows where each file lives, which ones the script changed since the last
write (``touch``), which are broken on purpose, and where procfs is while hidden. It
writes with root's rights whatever user a test reads as, and in a real directory replaces
files whole, so that a service reading meanwhile never sees one half written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sysmon.adapters.fake_host.model import HostState, MountEntry
from sysmon.adapters.fake_host.render import render
from sysmon.domain.models import HostFacts

BREAKS = ("missing", "empty", "truncated", "garbage", "unreadable")
HIDES = ("unmounted", "missing", "unreadable")
GARBAGE = b"\x00\xfe not kernel text \xff\n"
KERNEL_FILES_ONLY = frozenset({"cgroup", "cgroup2"})


class HostFiles:
    """The files of one fake host under ``root``; ``fs`` is pyfakefs's, if it is there."""

    def __init__(self, root: str, fs: Any, state: HostState, facts: HostFacts) -> None:
        base = root.rstrip("/")
        self.root = base or "/"
        self.procfs_root = f"{base}/proc"
        self.rootfs_root = f"{base}/rootfs"
        self.host_json = f"{base}/host.json"
        self.fs = fs
        self.state = state
        self._facts = facts
        self._proc_dir = self.procfs_root
        self._hidden: str | None = None
        self._dirty: set[str] = set()
        self._gone: set[int] = set()
        self._broken: dict[str, str] = {}
        self._batch = 0

    def touch(self, *paths: str) -> None:
        """These files changed: write them at the next ``commit``."""
        self._dirty.update(paths)

    def drop(self, *pids: int) -> None:
        """These processes' directories go at the next ``commit``."""
        self._gone.update(pids)

    def keep(self, pid: int) -> None:
        self._gone.discard(pid)

    @contextmanager
    def batch(self) -> Iterator[None]:
        self._batch += 1
        try:
            yield
        finally:
            self._batch -= 1
            self.commit()

    def commit(self) -> None:
        """Write what changed (unless inside ``batch``), skipping files broken on purpose."""
        if self._batch:
            return
        dirty, self._dirty = sorted(self._dirty), set()
        gone, self._gone = sorted(self._gone), set()
        with self.privileged():
            if "/host.json" in dirty:  # new mounts first: files may be written inside them
                self.apply_sizes()
            for path in dirty:
                if path not in self._broken:
                    self._put(self._disk_path(path), render(self.state, self._facts, path))
            for pid in gone:
                self._remove_pid_dir(pid)
            if any(not path.startswith("/proc/") for path in dirty):
                self.apply_sizes()  # pyfakefs counts what is written under the rootfs

    # -- breaking things ----------------------------------------------------------------

    def break_file(self, path: str, how: str, keep: int | None) -> None:
        """Write ``path`` broken (see ``FakeHost.break_file``); ``commit`` leaves it so."""
        if how not in BREAKS:
            raise ValueError(f"how must be one of {', '.join(BREAKS)}, not {how!r}")
        text = render(self.state, self._facts, path)
        if text is None:
            raise FileNotFoundError(f"{path} is not a file of this host")
        self._broken[path] = how
        disk = self._disk_path(path)
        with self.privileged():
            if how == "missing":
                self._remove(disk)
                return
            cut = len(text) // 2 if keep is None else keep
            broken = {"empty": b"", "garbage": GARBAGE, "truncated": text[:cut]}.get(how, text)
            self._write(disk, broken)
            if how == "unreadable":
                os.chmod(disk, 0)

    def repair(self, path: str) -> None:
        if self._broken.pop(path, None) == "unreadable":
            with self.privileged():
                os.chmod(self._disk_path(path), 0o644)
        self.touch(path)
        self.commit()

    def hide(self, how: str) -> None:
        """Take procfs away (see ``FakeHost.hide_procfs``); writes go to where it hides."""
        if how not in HIDES or self._hidden is not None:
            raise ValueError(f"how must be one of {', '.join(HIDES)}, and procfs not yet hidden")
        with self.privileged():
            if how == "unreadable":
                os.chmod(self.procfs_root, 0)
            else:
                self._proc_dir = f"{self.root.rstrip('/')}/.proc-hidden"
                os.rename(self.procfs_root, self._proc_dir)
                if how == "unmounted":
                    os.mkdir(self.procfs_root)
        self._hidden = how

    def restore(self) -> None:
        with self.privileged():
            if self._hidden == "unreadable":
                os.chmod(self.procfs_root, 0o755)
            elif self._hidden is not None:
                if self._hidden == "unmounted":
                    os.rmdir(self.procfs_root)
                os.rename(self._proc_dir, self.procfs_root)
                self._proc_dir = self.procfs_root
        self._hidden = None

    @contextmanager
    def unprivileged(self, uid: int) -> Iterator[None]:
        if self.fs is None:
            raise RuntimeError("an unprivileged reader needs pyfakefs (FakeHost(fs=...))")
        from pyfakefs import helpers

        previous = helpers.get_uid()
        helpers.set_uid(uid)
        try:
            yield
        finally:
            helpers.set_uid(previous)

    # -- writing ------------------------------------------------------------------------

    def _put(self, disk: str, data: bytes | None) -> None:
        if data is None:
            self._remove(disk)
        else:
            self._write(disk, data)

    def _write(self, disk: str, data: bytes) -> None:
        parent, _, name = disk.rpartition("/")
        # A real tree may be read by a running service meanwhile (``sysmon --fake-host``):
        # a file that is there already is replaced whole, never seen half written.
        target = disk if self.fs is not None else f"{parent}/.{name}.tmp"
        try:
            file = open(target, "wb")  # noqa: SIM115 - closed below, whichever open it was
        except FileNotFoundError:
            os.makedirs(parent, exist_ok=True)
            target = disk  # in a new directory: there is no older file to replace
            file = open(target, "wb")  # noqa: SIM115
        with file:
            file.write(data)
        if target != disk:
            os.replace(target, disk)

    @staticmethod
    def _remove(disk: str) -> None:
        with suppress(FileNotFoundError):
            os.remove(disk)

    def _remove_pid_dir(self, pid: int) -> None:
        directory = f"{self._proc_dir}/{pid}"
        try:
            names = os.listdir(directory)
        except FileNotFoundError:
            return
        for name in names:
            self._remove(f"{directory}/{name}")
        os.rmdir(directory)

    def _disk_path(self, path: str) -> str:
        if path == "/host.json":
            return self.host_json
        if path.startswith("/proc/"):
            return self._proc_dir + path[len("/proc") :]
        if not path.startswith("/"):
            raise ValueError(f"paths are absolute (/proc/… or under the rootfs), not {path!r}")
        return self.rootfs_root + path

    @contextmanager
    def privileged(self) -> Iterator[None]:
        """Write as root whichever user the test reads as (pyfakefs; a real tree is ours)."""
        if self.fs is None:
            yield
            return
        from pyfakefs import helpers

        previous = helpers.get_uid()
        helpers.set_uid(0)
        try:
            yield
        finally:
            helpers.set_uid(previous)

    def apply_sizes(self) -> None:
        """Mount point directories, and inside pyfakefs a device of each mount's size.

        pyfakefs keeps its mount table as text: a mount point whose name is not UTF-8
        would break its every lookup, so there such a path is measured on the device
        that holds it.
        """
        for entry in self.state.mounts:
            if self.fs is not None and not _is_utf8(entry.path):
                continue
            directory = self.rootfs_root + os.fsdecode(entry.path).rstrip("/")
            if not os.path.isdir(directory):
                os.makedirs(directory)
            if self.fs is None:
                continue
            if entry.fstype in KERNEL_FILES_ONLY:
                # its files are the kernel's and take no room: a device without a size
                self.fs.add_mount_point(self.fs.absnormpath(directory), can_exist=True)
            else:
                self._size_device(self.fs, directory, entry)

    @staticmethod
    def _size_device(fs: Any, directory: str, entry: MountEntry) -> None:
        # An absolute path with its drive: under Windows emulation pyfakefs would otherwise
        # make the mount point a second tree beside the files already there.
        where = fs.absnormpath(directory)
        device = fs.add_mount_point(where, can_exist=True)
        fs.set_disk_usage(max(entry.total, device["used_size"]), where)
        fs.change_disk_usage(entry.used - device["used_size"], where, device["idev"])
        fs.set_disk_usage(entry.total, where)


def _is_utf8(path: bytes) -> bool:
    try:
        path.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
