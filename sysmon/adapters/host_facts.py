"""The few facts about the running host that /proc does not hold."""

from __future__ import annotations

import os

from sysmon.domain.models import HostFacts

DEFAULT_USER_HZ = 100  # what the kernel exports to user space on every mainstream arch


def _sysconf(name: str, default: int) -> int:
    try:
        value = os.sysconf(name)  # absent on Windows
    except (AttributeError, ValueError, OSError):
        return default
    return value if value > 0 else default


def detect_host_facts() -> HostFacts:
    """USER_HZ, page size and machine name of this host."""
    if hasattr(os, "uname"):
        machine = os.uname().machine
    else:  # pragma: no cover - Windows, where only simulations run
        import platform

        machine = platform.machine()
    return HostFacts(
        user_hz=_sysconf("SC_CLK_TCK", DEFAULT_USER_HZ),
        page_size=_sysconf("SC_PAGE_SIZE", 4096),
        machine=machine,
    )
