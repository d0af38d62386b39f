"""The real procfs adapter: reads files under injected roots, parses them, translates errors.

Paths are joined with "/" onto the roots given at construction, so the same reader
works on /proc, on a captured tree, and inside a fake filesystem that emulates another
OS. Nothing is read before a method is called, and a file is opened without a stat
first. OS errors are turned into domain errors here and nowhere else: the common path
pays nothing for it, as the root is only examined once a read has failed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from sysmon.adapters.procfs.cgroup import (
    parse_cpu_count,
    parse_cpu_max,
    parse_keyed,
    parse_limit,
    parse_self_cgroup,
)
from sysmon.adapters.procfs.kernel import DIRECTORY, OPTIONAL, REQUIRED, parse_kernel_identity
from sysmon.adapters.procfs.loadavg import parse_loadavg
from sysmon.adapters.procfs.meminfo import parse_meminfo
from sysmon.adapters.procfs.mountinfo import parse_mountinfo, parse_mounts
from sysmon.adapters.procfs.net_dev import parse_net_dev
from sysmon.adapters.procfs.os_release import CANDIDATES, parse_os_release
from sysmon.adapters.procfs.pid_stat import scan_processes
from sysmon.adapters.procfs.pressure import parse_pressure
from sysmon.adapters.procfs.stat import parse_cpu_stat, parse_stat
from sysmon.adapters.procfs.statvfs import usage_of
from sysmon.adapters.procfs.uptime import parse_uptime
from sysmon.adapters.procfs.zoneinfo import parse_zoneinfo
from sysmon.domain.errors import ProcfsFormatError, ServiceUnavailable, SysmonError
from sysmon.domain.models import (
    CgroupLine,
    CpuStat,
    FsUsage,
    KernelIdentity,
    KernelStat,
    LoadAvg,
    Mount,
    NetDev,
    PressureLine,
    ProcessTally,
    Uptime,
)

if TYPE_CHECKING:
    from sysmon.domain.ports import ProcfsPort

log = logging.getLogger(__name__)

# Where the mount table lives, best first: pid 1's view is the host's even when sysmon
# runs in a mount namespace of its own; mountinfo is Linux >= 2.6.26, /proc/mounts older.
MOUNT_TABLES: tuple[tuple[str, Callable[[bytes, str], list[Mount]]], ...] = (
    ("1/mountinfo", parse_mountinfo),
    ("self/mountinfo", parse_mountinfo),
    ("mounts", parse_mounts),
)


def _file_reason(error: OSError) -> str:
    if isinstance(error, FileNotFoundError | NotADirectoryError):
        return "missing"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    return error.strerror or str(error)


def _root_reason(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "missing"
    if isinstance(error, NotADirectoryError):
        return "not a directory"
    if isinstance(error, PermissionError):
        return "permission denied"
    return error.strerror or str(error)


class ProcfsReader:
    """``ProcfsPort`` on a procfs tree and a root filesystem, both given as POSIX paths."""

    def __init__(
        self,
        procfs_root: str = "/proc",
        rootfs_root: str = "/",
        statvfs: Callable[[bytes], os.statvfs_result] = os.statvfs,
    ) -> None:
        """``statvfs`` is ``os.statvfs`` but where a fake filesystem supplies its own."""
        self._procfs_root = procfs_root
        self._statvfs = statvfs
        self._proc = procfs_root.rstrip("/")
        self._rootfs = rootfs_root.rstrip("/")
        # The last mount table parsed: which file, its bytes, and its mounts. The table
        # is read on every call; only when it is byte for byte the same is the parse
        # skipped (the records are immutable, and each caller gets a list of its own).
        self._last_table: tuple[str, bytes, list[Mount]] | None = None

    # -- reading and error translation ------------------------------------------------

    def _open(self, relative: str) -> bytes:
        with open(f"{self._proc}/{relative}", "rb", buffering=0) as file:
            return file.read()

    def _read(self, relative: str) -> bytes:
        try:
            return self._open(relative)
        except OSError as error:
            raise self._failure(relative, error) from error

    def _read_optional(self, relative: str, *absent: type[OSError]) -> bytes | None:
        """The file, or None when it fails with one of ``absent`` while the root is sound."""
        try:
            return self._open(relative)
        except absent as error:
            problem = self._root_problem()
            if problem is not None:
                raise self._unavailable(problem) from error
            log.debug("/proc/%s: %s", relative, _file_reason(error))
            return None
        except OSError as error:
            raise self._failure(relative, error) from error

    def _failure(self, relative: str, error: OSError, more: str = "") -> SysmonError:
        problem = self._root_problem()
        if problem is not None:
            return self._unavailable(problem)
        return ProcfsFormatError(f"/proc/{relative}", _file_reason(error) + more)

    def _unavailable(self, reason: str) -> ServiceUnavailable:
        return ServiceUnavailable(f"{self._procfs_root} is not readable: {reason}")

    def _root_problem(self) -> str | None:
        """Why the root as a whole cannot serve, or None if it can (only after a failure)."""
        try:
            os.stat(f"{self._proc}/stat")
        except OSError as error:
            first = error
        else:
            return None
        try:
            names = os.listdir(self._proc or "/")
        except OSError as error:
            return _root_reason(error)
        if not names:
            return "empty"
        if "stat" not in names:
            return "no stat entry"
        return _root_reason(first)

    # -- ProcfsPort ---------------------------------------------------------------------

    def kernel_stat(self) -> KernelStat:
        return parse_stat(self._read("stat"))

    def cpu_stat(self) -> CpuStat:
        return parse_cpu_stat(self._read("stat"))

    def meminfo(self) -> dict[str, int]:
        return parse_meminfo(self._read("meminfo"))

    def zoneinfo_low_pages(self) -> int | None:
        # Optional refinement: a kernel built without it, or one that hides it, has the
        # domain fall back to MemFree + Cached.
        data = self._read_optional("zoneinfo", FileNotFoundError, PermissionError)
        return None if data is None else parse_zoneinfo(data)

    def loadavg(self) -> LoadAvg:
        return parse_loadavg(self._read("loadavg"))

    def uptime(self) -> Uptime:
        return parse_uptime(self._read("uptime"))

    def mounts(self) -> list[Mount]:
        """The first mount table that can be read wins, even if a later one would parse."""
        error: OSError | None = None
        for relative, parse in MOUNT_TABLES:
            try:
                data = self._open(relative)
            except OSError as failed:
                error = failed
                continue
            last = self._last_table
            if last is not None and last[0] == relative and last[1] == data:
                return list(last[2])
            mounts = parse(data, f"/proc/{relative}")
            self._last_table = (relative, data, mounts)
            return list(mounts)
        assert error is not None
        others = " or ".join(f"/proc/{relative}" for relative, _ in MOUNT_TABLES[:-1])
        raise self._failure(MOUNT_TABLES[-1][0], error, f", and no readable {others}") from error

    def fs_usage(self, mount_path: bytes) -> FsUsage:
        # OSError propagates: the domain reports it for this mount alone.
        return usage_of(self._statvfs(os.fsencode(self._rootfs) + mount_path))

    def net_dev(self) -> list[NetDev]:
        return parse_net_dev(self._read("net/dev"))

    def process_tally(self) -> ProcessTally:
        try:
            names = os.listdir(self._proc or "/")
        except OSError as error:
            raise self._unavailable(_root_reason(error)) from error
        try:
            tally = scan_processes(self._proc, names)
        except OSError as error:
            raise self._failure("[pid]/stat", error) from error
        if not tally.states:
            # A live procfs always shows at least our own process: none at all means an
            # empty or foreign directory, unless the root passes the usual check.
            problem = self._root_problem()
            if problem is not None:
                raise self._unavailable(problem)
        return tally

    def kernel_identity(self) -> KernelIdentity:
        hostname, osrelease, ostype = (self._read(f"{DIRECTORY}/{name}") for name in REQUIRED)
        arch, version, domainname = (
            self._read_optional(f"{DIRECTORY}/{name}", FileNotFoundError) for name in OPTIONAL
        )
        return parse_kernel_identity(hostname, osrelease, ostype, arch, version, domainname)

    def os_release(self) -> dict[str, str] | None:
        for relative in CANDIDATES:
            path = f"{self._rootfs}/{relative}"
            try:
                with open(path, "rb") as file:
                    data = file.read()
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as error:
                log.warning("cannot read %s: %s", path, _file_reason(error))
                continue
            return parse_os_release(data)
        return None

    # -- cgroups and pressure -------------------------------------------------------------

    def self_cgroup(self) -> list[CgroupLine] | None:
        data = self._read_optional("self/cgroup", FileNotFoundError)
        return None if data is None else parse_self_cgroup(data)

    def _cgroup_file(self, directory: bytes, name: str) -> tuple[bytes, str] | None:
        """The file's bytes and its name on the host; None when it is not there."""
        shown = f"{display(directory).rstrip('/')}/{name}"
        path = os.fsencode(self._rootfs) + directory.rstrip(b"/") + b"/" + name.encode()
        try:
            with open(path, "rb", buffering=0) as file:
                return file.read(), shown
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as error:
            raise ProcfsFormatError(shown, _file_reason(error)) from error

    def cgroup_limit(self, directory: bytes, name: str) -> int | None:
        found = self._cgroup_file(directory, name)
        return None if found is None else parse_limit(*found)

    def cgroup_keyed(self, directory: bytes, name: str) -> dict[str, int] | None:
        found = self._cgroup_file(directory, name)
        return None if found is None else parse_keyed(*found)

    def cgroup_cpu_max(self, directory: bytes) -> tuple[int | None, int] | None:
        found = self._cgroup_file(directory, "cpu.max")
        return None if found is None else parse_cpu_max(*found)

    def cgroup_cpu_count(self, directory: bytes, name: str) -> int | None:
        found = self._cgroup_file(directory, name)
        return None if found is None else parse_cpu_count(*found)

    def pressure(
        self, resource: str, directory: bytes | None = None
    ) -> dict[str, PressureLine] | None:
        if directory is not None:
            found = self._cgroup_file(directory, f"{resource}.pressure")
            return None if found is None else parse_pressure(*found)
        # Absent before Linux 4.20 and with psi=0; other errors (EOPNOTSUPP) are named.
        relative = f"pressure/{resource}"
        data = self._read_optional(relative, FileNotFoundError, NotADirectoryError)
        return None if data is None else parse_pressure(data, f"/proc/{relative}")


def display(path: bytes) -> str:
    """A host path as text; bytes that are not UTF-8 are shown as ``\\xNN``."""
    return path.decode("utf-8", "backslashreplace")


if TYPE_CHECKING:
    _port: ProcfsPort = ProcfsReader()
