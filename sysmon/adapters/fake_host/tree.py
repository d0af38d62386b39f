"""Captured host trees (a path, or a shipped ``sysmon/hosts/<NAME>``): copied in, then read
to seed a script.

The copy is read back through the real ``ProcfsReader`` and its parsers, so a captured
tree means to the script exactly what it means to the service. Only the layout of a few
lines that no parser keeps (how many cpu columns the kernel prints, the other lines of
/proc/stat, a process's name) is taken from the text itself.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from sysmon.adapters.fake_host.disk import facts_from, mount_key, read_host_json
from sysmon.adapters.fake_host.model import (
    NET_COUNTER,
    STAT_FIELDS,
    Cpus,
    HostState,
    Interface,
    MountEntry,
    Process,
)
from sysmon.adapters.procfs import ProcfsReader
from sysmon.adapters.procfs.os_release import CANDIDATES
from sysmon.adapters.procfs.pid_stat import parse_pid_stat
from sysmon.adapters.shipped import host_tree
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import CPU_COLUMNS, CpuTimes, HostFacts, NetDev

_FIRST_MOUNT_ID = 21


def real_tree(source: str | os.PathLike[str], fs: Any = None) -> str:
    """The real directory that ``source`` (a path or a shipped tree's name) names.

    Looked up in the real file system even while pyfakefs patches ``os`` (``fs`` given):
    the tree is read from there.
    """
    paused = fs is not None and getattr(fs, "has_patcher", False)
    if paused:
        fs.pause()
    try:
        return str(host_tree(source).resolve())
    finally:
        if paused:
            fs.resume()


def copy_tree(source: str, root: str, fs: Any = None) -> None:
    """Copy the real tree ``source`` to ``root`` (inside pyfakefs when ``fs`` is given)."""
    if fs is None:
        shutil.copytree(source, root, symlinks=True, dirs_exist_ok=True)
    else:
        # Read at once: pyfakefs's lazy mapping cannot nest POSIX paths under Windows
        # emulation.
        fs.add_real_directory(source, target_path=root, read_only=False, lazy_read=False)


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return None


def _cpus(
    per_cpu: dict[int, CpuTimes], aggregate: tuple[int, ...], count: int, columns: int
) -> Cpus:
    """The tree's CPU lines as they are, numbers and ticks; the aggregate spread evenly
    over ``count`` CPUs where the tree has no per-CPU lines."""
    if not per_cpu:
        cpus = Cpus([[0] * len(CPU_COLUMNS) for _ in range(count)], columns)
        cpus.set_aggregate(list(aggregate))
        return cpus
    rows = [list(times.as_tuple()) for times in per_cpu.values()]
    summed = [sum(column) for column in zip(*rows, strict=True)]
    rest = [total - part for total, part in zip(aggregate, summed, strict=True)]
    return Cpus(rows, columns, list(per_cpu), rest)


def seed_state(root: str) -> tuple[HostFacts, HostState]:
    """The facts and state of the tree at ``root``, as the real reader reads them."""
    proc, rootfs = f"{root}/proc", f"{root}/rootfs"
    reader = ProcfsReader(proc, rootfs)
    document = read_host_json(f"{root}/host.json")
    full_stat = reader.cpu_stat()
    stat = full_stat.stat
    raw_stat = _read(f"{proc}/stat") or b""
    columns = min(len(raw_stat.split(b"\n", 1)[0].split()) - 1, len(CPU_COLUMNS))
    cpus = _cpus(full_stat.per_cpu, stat.cpu.as_tuple(), max(stat.online_cpus, 1), columns)
    tail, counters = _stat_tail(raw_stat)
    uptime = reader.uptime()
    load = reader.loadavg()
    processes = _processes(proc)
    sizes = document.get("mounts", {})
    state = HostState(
        cpus=cpus,
        uptime_centis=round(uptime.uptime * 100),
        idle_centis=round(uptime.idle * 100),
        btime=stat.boot_time or 0,
        meminfo=reader.meminfo(),
        stat_tail=tail,
        ctxt=counters.get("ctxt", 0),
        loads=(load.load1, load.load5, load.load15),
        processes=processes,
        next_pid=max([load.last_pid, *processes]) + 1,
        forks=counters.get("processes", load.last_pid),
        interfaces={dev.name: _interface(dev) for dev in reader.net_dev()},
        mount_table="mountinfo" if _has_mountinfo(proc) else "mounts",
        identity=_identity(reader),
    )
    for number, mount in enumerate(reader.mounts()):
        entry = MountEntry(_FIRST_MOUNT_ID + number, mount.path, mount.fstype, mount.device,
                           mount.source, root=mount.root, options=mount.mount_options,
                           super_options=mount.super_options)  # fmt: skip
        size = sizes.get(mount_key(mount.path), {})
        entry.total, entry.used, entry.free = (size.get(k, 0) for k in ("total", "used", "free"))
        entry.files, entry.files_free = size.get("files"), size.get("files_free")
        entry.readonly = bool(size.get("readonly", False))
        state.mounts.append(entry)
    for candidate in CANDIDATES:
        text = _read(f"{rootfs}/{candidate}")
        if text is not None:
            state.os_release_path, state.os_release = f"/{candidate}", text
            break
    return facts_from(document), state


def _stat_tail(raw: bytes) -> tuple[list[str | bytes], dict[str, int]]:
    """/proc/stat after its cpu lines: the script's fields by name, other lines as they are."""
    tail: list[str | bytes] = []
    counters: dict[str, int] = {}
    for line in raw.split(b"\n"):
        if not line or line.startswith(b"cpu"):
            continue
        name, _, value = line.partition(b" ")
        key = name.decode("ascii", "replace")
        if key in STAT_FIELDS:
            tail.append(key)
            if value.strip().isdigit():
                counters[key] = int(value)
        else:
            tail.append(line + b"\n")
    return tail, counters


def _processes(proc: str) -> dict[int, Process]:
    processes: dict[int, Process] = {}
    for name in sorted(os.listdir(proc), key=lambda n: (len(n), n)):
        data = _read(f"{proc}/{name}/stat") if name.isdigit() else None
        if not data:
            continue
        try:
            state, threads = parse_pid_stat(data)
        except ProcfsFormatError:
            continue  # the service skips it too; its file stays as captured

        after = data[data.rfind(b")") + 1 :].split()
        ppid = int(after[1]) if after[1].isdigit() else 0
        start = int(after[19]) if len(after) > 19 and after[19].isdigit() else 0
        comm = data[data.find(b"(") + 1 : data.rfind(b")")]
        processes[int(name)] = Process(comm, state.decode(), threads, ppid, start)
    return processes


def _interface(dev: NetDev) -> Interface:
    interface = Interface()
    interface.set({name: getattr(dev, name) for name in NET_COUNTER})
    return interface


def _has_mountinfo(proc: str) -> bool:
    return any(os.path.exists(f"{proc}/{where}/mountinfo") for where in ("1", "self"))


def _identity(reader: ProcfsReader) -> dict[str, str | None]:
    identity = reader.kernel_identity()
    return {
        "hostname": identity.hostname,
        "osrelease": identity.osrelease,
        "ostype": identity.ostype,
        "arch": identity.arch,
        "version": identity.version,
        "domainname": identity.domainname,
    }
