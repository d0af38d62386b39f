"""2. The process scan on a large host: a procfs tree of many processes on a tmpfs.

The tree is made from this machine's real ``/proc/<pid>/stat`` files (and ``status``,
which psutil reads for ``num_threads``), copied round-robin under new pids with the
pid field rewritten, plus a copy of ``/proc/stat``. sysmon's ``ProcfsReader`` and
psutil (``psutil.PROCFS_PATH``) are pointed at it; the floor lists it and reads every
``<pid>/stat``. The tmpfs is mounted in the scratch directory and always unmounted.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.collect import psutil_tally, read_files, scan_raw
from bench.common import Context, Row, Section, median, rotated, say, time_block

PID_LINE = re.compile(rb"^Pid:\t\d+", re.MULTILINE)


@contextlib.contextmanager
def tmpfs(workdir: Path) -> Iterator[tuple[Path, str]]:
    """A fresh tmpfs, mounted for the duration; /dev/shm when mounting is not allowed."""
    target = workdir / "tmpfs"
    target.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=1g,mode=0755", "sysmon-bench", str(target)]
    mounted = subprocess.run(mount, check=False, capture_output=True).returncode == 0
    if mounted:
        where, kind = target, f"tmpfs mounted at {target}"
    else:
        where = Path(tempfile.mkdtemp(prefix="sysmon-bench-", dir="/dev/shm"))
        kind = f"{where} (/dev/shm; mounting a tmpfs was refused)"
    try:
        yield where, kind
    finally:
        if mounted:
            unmount = ["umount", str(target)]
            if subprocess.run(unmount, check=False, capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", str(target)], check=False, capture_output=True)
        else:
            shutil.rmtree(where, ignore_errors=True)


def real_processes() -> list[tuple[bytes, bytes]]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat, open(f"/proc/{name}/status", "rb") as st:
                pair = stat.read(), st.read()
        except OSError:
            continue
        if all(pair):
            found.append(pair)
    return found


def build_tree(proc: Path, count: int) -> int:
    """``count`` processes under ``proc``; how many real processes served as models."""
    models = real_processes()
    proc.mkdir()
    with open("/proc/stat", "rb") as stat:
        (proc / "stat").write_bytes(stat.read())
    for index in range(count):
        pid = index + 1
        stat, status = models[index % len(models)]
        directory = proc / str(pid)
        directory.mkdir()
        (directory / "stat").write_bytes(b"%d%s" % (pid, stat[stat.index(b" ") :]))
        (directory / "status").write_bytes(PID_LINE.sub(b"Pid:\t%d" % pid, status, count=1))
    return len(models)


def run(ctx: Context) -> Section:
    import psutil

    from sysmon.adapters.procfs import ProcfsReader
    from sysmon.app.config import Settings
    from sysmon.app.container import build_container

    plan = ctx.plan
    count = plan.scan_processes
    with tmpfs(ctx.workdir) as (where, kind):
        proc = where / "proc"
        say(f"2. process scan: writing {count:,} processes into {kind}")
        models = build_tree(proc, count)
        root = str(proc)
        reader = ProcfsReader(root)
        container = build_container(Settings(procfs_path=root, cache_duration=0))
        metrics = container.metrics()
        raw_scan = scan_raw(root)
        raw_stat = read_files((f"{root}/stat",))
        saved = psutil.PROCFS_PATH
        psutil.PROCFS_PATH = root
        psutil.process_iter.cache_clear()
        try:
            tally = psutil_tally(psutil)
            first_psutil = time_block(tally, 1)  # builds a Process object per pid
            contenders: dict[str, Any] = {
                "sysmon tally": reader.process_tally,
                "sysmon full": lambda: metrics.collect("RPCGetProcessStats"),
                "psutil": tally,
                "raw tally": raw_scan,
                "raw full": lambda: (raw_scan(), raw_stat()),
            }
            sysmon_seen = reader.process_tally()
            psutil_seen = tally()
            raw_seen = raw_scan()
            samples: dict[str, list[float]] = {name: [] for name in contenders}
            say(f"2. process scan: {plan.scan_rounds} rounds")
            for turn in range(plan.scan_rounds):
                for name in rotated(list(contenders), turn):
                    samples[name].append(time_block(contenders[name], 1) / 1000)
        finally:
            psutil.PROCFS_PATH = saved
            psutil.process_iter.cache_clear()

    figures = {name: median(values) for name, values in samples.items()}
    ctx.figures["scan"] = figures | {"processes": count, "psutil_first_ms": first_psutil / 1000}
    ctx.raw["scan"] = {"rounds_ms": samples, "models": models}
    section = Section(
        2,
        f"Process scan, {count:,} processes on tmpfs (ms per scan, median of "
        f"{plan.scan_rounds} rounds)",
        "psutil",
        "raw reads",
    )
    section.rows.append(
        Row(
            "ProcfsReader.process_tally()",
            figures["sysmon tally"],
            figures["psutil"],
            figures["raw tally"],
            "{:,.2f}",
        )
    )
    section.rows.append(
        Row(
            "RPCGetProcessStats, whole method",
            figures["sysmon full"],
            figures["psutil"],
            figures["raw full"],
            "{:,.2f}",
        )
    )
    section.notes.append(
        f"tree: {kind}, {count:,} pids copied from {models} real /proc/<pid>/stat and status "
        "files, pid field rewritten."
    )
    section.notes.append(
        f"processes seen: sysmon {sum(sysmon_seen.states.values()):,} "
        f"({sysmon_seen.threads:,} threads), psutil {psutil_seen[0]:,} "
        f"({psutil_seen[1]:,} threads), raw {raw_seen:,}."
    )
    section.notes.append(
        'psutil: process_iter(["status", "num_threads"]) with PROCFS_PATH at the tree, '
        "Process objects cached from the previous call (its steady state); its first call, "
        f"which builds them, took {first_psutil / 1000:,.1f} ms. It reads stat and status per pid."
    )
    section.notes.append(
        "raw reads: listdir + open/read of each <pid>/stat (whole method: + /proc/stat)."
    )
    return section
