"""The ports: what the domain needs from the outside world, as ``typing.Protocol``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sysmon.domain.models import (
    CpuStat,
    FsUsage,
    KernelIdentity,
    KernelStat,
    LoadAvg,
    Mount,
    NetDev,
    ProcessTally,
    Uptime,
)


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


class ClockPort(Protocol):
    """Time, so that a simulation can own it."""

    def monotonic(self) -> float: ...

    def time(self) -> float:
        """Epoch seconds."""
        ...

    def sleep(self, seconds: float) -> None: ...


@dataclass(frozen=True, slots=True)
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
