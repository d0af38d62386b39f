"""Memory and swap as psutil >= 7.1 and procps-ng ``free`` 4.x report them."""

from __future__ import annotations

from collections.abc import Mapping

from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import JSONDict
from sysmon.domain.percent import percent
from sysmon.domain.ports import ProcfsPort


def _require(info: Mapping[str, int], key: str) -> int:
    try:
        return info[key]
    except KeyError:
        raise ProcfsFormatError("/proc/meminfo", f"no {key} line") from None


def estimate_available(
    info: Mapping[str, int], low_watermark_pages: int | None, page_size: int
) -> int:
    """MemAvailable for kernels < 3.14, the way the kernel (and psutil) estimates it."""
    free = _require(info, "MemFree")
    fallback = free + info.get("Cached", 0)
    try:
        page_cache = info["Active(file)"] + info["Inactive(file)"]
        slab_reclaimable = info["SReclaimable"]
    except KeyError:
        return fallback
    if low_watermark_pages is None:
        return fallback
    low = low_watermark_pages * page_size
    available: float = free - low
    available += page_cache - min(page_cache / 2, low)
    available += slab_reclaimable - min(slab_reclaimable / 2.0, low)
    return int(available)


def memory_payload(
    info: Mapping[str, int], low_watermark_pages: int | None, page_size: int
) -> JSONDict:
    """RPCGetMemoryInfo from /proc/meminfo (bytes) and, for old kernels, /proc/zoneinfo."""
    total = _require(info, "MemTotal")
    free = _require(info, "MemFree")
    if free > total:  # e.g. a MemTotal line that lost its kB: a garbled file, not a host
        raise ProcfsFormatError("/proc/meminfo", f"MemFree {free} exceeds MemTotal {total}")
    available = info.get("MemAvailable", 0)  # Linux >= 3.14
    if available == 0:
        available = estimate_available(info, low_watermark_pages, page_size)
    available = max(available, 0)
    if available > total:
        available = free
    used = total - available
    swap_total = info.get("SwapTotal", 0)
    swap_free = info.get("SwapFree", 0)
    swap_used = max(swap_total - swap_free, 0)
    return {
        "total": total,
        "available": available,
        "used": used,
        "usage_percent": percent(used, total),
        "free": free,
        "buffers": info.get("Buffers", 0),
        "cached": info.get("Cached", 0) + info.get("SReclaimable", 0),
        "shared": info.get("Shmem", 0),
        "swap_total": swap_total,
        "swap_free": swap_free,
        "swap_used": swap_used,
        "swap_usage_percent": percent(swap_used, swap_total),
    }


def read_memory(procfs: ProcfsPort, page_size: int) -> JSONDict:
    """Read meminfo, and zoneinfo only when the kernel does not give MemAvailable."""
    info = procfs.meminfo()
    low = None
    if info.get("MemAvailable", 0) == 0:
        low = procfs.zoneinfo_low_pages()
    return memory_payload(info, low, page_size)
