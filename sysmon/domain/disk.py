"""Disk usage of real storage, mount by mount, as ``df`` computes it."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from sysmon.domain.models import FsUsage, JSONDict, Mount
from sysmon.domain.percent import percent
from sysmon.domain.ports import DeadlinePort, ProcfsPort
from sysmon.domain.records import record

DEFAULT_EXCLUDE_FSTYPES: tuple[str, ...] = (
    "proc", "sysfs", "cgroup", "cgroup2", "devpts", "devtmpfs", "tmpfs", "mqueue",
    "debugfs", "tracefs", "securityfs", "pstore", "bpf", "configfs", "fusectl",
    "hugetlbfs", "autofs", "binfmt_misc", "nsfs", "rpc_pipefs", "selinuxfs",
    "squashfs", "overlay",
)  # fmt: skip
DEFAULT_EXCLUDE_MOUNTS: tuple[str, ...] = ("/proc", "/sys", "/dev", "/run")
ROOT = b"/"


def display_path(path: bytes) -> str:
    """A mount path as valid UTF-8 text; bytes that are not UTF-8 are shown as ``\\xNN``."""
    return path.decode("utf-8", "backslashreplace")


def _under(path: bytes, prefixes: Iterable[bytes]) -> bool:
    return any(path == p or path.startswith(p.rstrip(b"/") + b"/") for p in prefixes)


@record
class DiskPolicy:
    """Which mounts count as real storage; both lists can be replaced in config."""

    exclude_fstypes: frozenset[str] = frozenset(DEFAULT_EXCLUDE_FSTYPES)
    exclude_mounts: tuple[bytes, ...] = tuple(m.encode() for m in DEFAULT_EXCLUDE_MOUNTS)
    timeout: float = 1.0

    def select(self, mounts: Iterable[Mount]) -> list[Mount]:
        """Real storage only: ``/`` always, pseudo filesystems out, bind mounts once.

        A device mounted twice is kept at its shortest path (the first seen on a tie).
        Where two mounts share a path (old kernels list ``rootfs`` and the real root
        both at ``/``), the later one wins: it is the one stacked on top, the visible one.
        """
        best: dict[tuple[str, str], Mount] = {}
        for mount in mounts:
            if mount.path != ROOT and (
                mount.fstype in self.exclude_fstypes or _under(mount.path, self.exclude_mounts)
            ):
                continue
            # fstype too: where only /proc/mounts exists the device is the source text,
            # and unrelated filesystems share sources such as "none"
            key = (mount.device, mount.fstype)
            kept = best.get(key)
            if kept is None or _shorter(mount.path, kept.path):
                best[key] = mount
        visible = {m.path: m for m in best.values()}
        return sorted(visible.values(), key=lambda m: m.path)


def _shorter(candidate: bytes, kept: bytes) -> bool:
    return candidate == ROOT or (kept != ROOT and len(candidate) < len(kept))


def usage_entry(usage: FsUsage, fstype: str) -> JSONDict:
    return {
        "used": usage.used,
        "total": usage.total,
        "free": usage.free,
        "used_percent": percent(usage.used, usage.used + usage.free),
        "fstype": fstype,
    }


def _reason(error: BaseException, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"timed out after {timeout:g}s"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


@record
class Measured:
    """One mount of real storage: its statvfs figures, or why it could not be measured."""

    mount: Mount
    name: str  # display_path(mount.path)
    usage: FsUsage | None
    reason: str | None = None


def measure(procfs: ProcfsPort, deadline: DeadlinePort, policy: DiskPolicy) -> list[Measured]:
    """Each selected mount measured under the deadline; zero-size ones (but ``/``) left out.

    All mounts go to the deadline in one hand-off, each keeping its own deadline: a
    hand-off to a worker thread costs more than the statvfs itself.
    """
    mounts = policy.select(procfs.mounts())
    names = [display_path(mount.path) for mount in mounts]
    outcomes = deadline.call_each(
        [
            (name, partial(procfs.fs_usage, mount.path))
            for name, mount in zip(names, mounts, strict=True)
        ],
        policy.timeout,
    )
    measured: list[Measured] = []
    for name, mount, outcome in zip(names, mounts, outcomes, strict=True):
        if isinstance(outcome, (OSError, ValueError)):  # TimeoutError is an OSError
            measured.append(Measured(mount, name, None, _reason(outcome, policy.timeout)))
            continue
        if isinstance(outcome, BaseException):
            raise outcome
        usage: FsUsage = outcome
        if usage.total == 0 and mount.path != ROOT:
            continue
        measured.append(Measured(mount, name, usage))
    return measured


def disk_payload(procfs: ProcfsPort, deadline: DeadlinePort, policy: DiskPolicy) -> JSONDict:
    """RPCGetDiskUsage: ``disk`` by mount point, and ``unavailable`` for those not measured."""
    disk: JSONDict = {}
    unavailable: dict[str, str] = {}
    for item in measure(procfs, deadline, policy):
        if item.usage is None:
            unavailable[item.name] = item.reason or "unavailable"
        else:
            disk[item.name] = usage_entry(item.usage, item.mount.fstype)
    payload: JSONDict = {"disk": disk}
    if unavailable:
        payload["unavailable"] = unavailable
    return payload
