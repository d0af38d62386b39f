"""statvfs(3) of a mount point, read the way ``df`` and node_exporter read it."""

from __future__ import annotations

import os

from sysmon.domain.models import FsUsage


def usage_of(result: os.statvfs_result) -> FsUsage:
    """Bytes in units of ``f_frsize``: total ``f_blocks``, used ``f_blocks - f_bfree``,
    free ``f_bavail`` (what ``shutil.disk_usage`` and ``df`` report), plus the inode
    counts and the read-only flag.
    """
    unit = result.f_frsize
    return FsUsage(
        total=result.f_blocks * unit,
        used=(result.f_blocks - result.f_bfree) * unit,
        free=result.f_bavail * unit,
        files=result.f_files,
        files_free=result.f_ffree,
        readonly=bool(result.f_flag & os.ST_RDONLY),
    )
