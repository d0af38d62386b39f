"""The ports: what the domain needs from the outside world, as ``typing.Protocol``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

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
from sysmon.domain.records import record


class ProcfsPort(Protocol):
    """The host's kernel-facing files: procfs, plus statvfs and os-release under the rootfs.

    Errors: ``ServiceUnavailable`` when the procfs root cannot be read at all,
    ``ProcfsFormatError`` (an ``InternalError``) when a file does not parse.
    """

    def kernel_stat(self) -> KernelStat:
        """What every request needs of /proc/stat (the per-CPU lines only counted)."""
        ...

    def cpu_stat(self) -> CpuStat:
        """/proc/stat in full: the same, plus each CPU's times and the kernel's counters."""
        ...

    def meminfo(self) -> dict[str, int]:
        """/proc/meminfo in bytes (``kB`` lines × 1024; unitless lines as written)."""
        ...

    def zoneinfo_low_pages(self) -> int | None:
        """Sum of the ``low`` watermarks of /proc/zoneinfo in pages; None if unavailable."""
        ...

    def loadavg(self) -> LoadAvg: ...

    def uptime(self) -> Uptime: ...

    def mounts(self) -> list[Mount]: ...

    def fs_usage(self, mount_path: bytes) -> FsUsage:
        """statvfs of a mount point taken under the rootfs; raises OSError if it cannot."""
        ...

    def net_dev(self) -> list[NetDev]: ...

    def process_tally(self) -> ProcessTally: ...

    def kernel_identity(self) -> KernelIdentity: ...

    def os_release(self) -> dict[str, str] | None:
        """<rootfs>/etc/os-release (or usr/lib/os-release) as a dict; None when absent."""
        ...

    # Cgroup files are read under the rootfs at ``directory/name``, the directory being
    # a path on the host (``/sys/fs/cgroup/memory/docker/…``). Each returns None when the
    # file is absent, and raises ``ProcfsFormatError`` naming it when it cannot be read
    # (permission denied, EOPNOTSUPP) or parsed.

    def self_cgroup(self) -> list[CgroupLine] | None:
        """/proc/self/cgroup; None on a kernel without cgroups."""
        ...

    def cgroup_limit(self, directory: bytes, name: str) -> int | None:
        """A one-value file (``memory.max``, ``pids.current`` …); None also for ``max``/``-1``."""
        ...

    def cgroup_keyed(self, directory: bytes, name: str) -> dict[str, int] | None:
        """A flat-keyed file: ``memory.stat``, ``cpu.stat``, ``memory.events`` …"""
        ...

    def cgroup_cpu_max(self, directory: bytes) -> tuple[int | None, int] | None:
        """v2 ``cpu.max`` as (quota µs or None for ``max``, period µs)."""
        ...

    def cgroup_cpu_count(self, directory: bytes, name: str) -> int | None:
        """How many CPUs a cpuset list file names (``0-3,8`` is 5)."""
        ...

    def pressure(
        self, resource: str, directory: bytes | None = None
    ) -> dict[str, PressureLine] | None:
        """/proc/pressure/<resource>, or the cgroup's ``<resource>.pressure``: by line kind."""
        ...


class ClockPort(Protocol):
    """Time, so that a simulation can own it."""

    def monotonic(self) -> float: ...

    def time(self) -> float:
        """Epoch seconds."""
        ...

    def sleep(self, seconds: float) -> None: ...


@record
class BrokerReply:
    """The broker's answer to one of our requests: a payload, or an error text."""

    ok: bool
    payload: Any = None
    error: str | None = None


ReplyCallback = Callable[[BrokerReply], None]


class BrokerPort(Protocol):
    """Asks the broker something; the answer arrives later, through the callback.

    The callback runs at most once. ``cancel`` forgets a request, so a late reply
    is dropped quietly.
    """

    def request(self, method: str, on_reply: ReplyCallback) -> str:
        """Send a request and return its correlation id."""
        ...

    def cancel(self, correlation_id: str) -> None: ...


class DeadlinePort(Protocol):
    """Runs a call that may block in the kernel (statvfs on a stale network mount).

    Raises ``TimeoutError`` when ``fn`` has not returned within ``timeout`` seconds.
    A call still hung under the same ``key`` is not started again: the port raises
    ``TimeoutError`` at once, so repeated requests never pile up blocked workers.
    """

    def call(self, key: str, fn: Callable[[], Any], timeout: float) -> Any: ...

    def call_each(
        self, calls: Sequence[tuple[str, Callable[[], Any]]], timeout: float
    ) -> list[Any]:
        """All the calls in one hand-off, each with its own ``timeout``.

        Returns each call's result or the exception it raised (``TimeoutError`` for one
        that hung, which alone times out: the calls after it are still measured).
        """
        ...
