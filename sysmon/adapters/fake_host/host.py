"""FakeHost: the script's verbs, and the files they rewrite (see the package docstring)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from sysmon.adapters.fake_clock import DEFAULT_EPOCH
from sysmon.adapters.fake_host.cgroups import (
    LAYOUTS,
    LIMITS,
    RESOURCES,
    Cgroup,
    Cgroups,
    empty_pressure,
)
from sysmon.adapters.fake_host.disk import DEFAULT_FACTS, HostJsonReader
from sysmon.adapters.fake_host.files import HostFiles
from sysmon.adapters.fake_host.minimal import minimal_state
from sysmon.adapters.fake_host.model import (
    COLUMN,
    IDENTITY_FILES,
    NET_COUNTER,
    HostState,
    Interface,
    MountEntry,
    Process,
    check_names,
)
from sysmon.adapters.fake_host.render import MOUNT_FILES, PRESSURE_FILES, all_paths, cgroup_paths
from sysmon.adapters.fake_host.text import MEMINFO_UNITLESS
from sysmon.adapters.fake_host.tree import copy_tree, real_tree, seed_state
from sysmon.domain.disk import DEFAULT_EXCLUDE_FSTYPES
from sysmon.domain.models import CPU_COLUMNS, HostFacts
from sysmon.domain.ports import ProcfsPort

MEMINFO_NAMES = {
    "total": "MemTotal", "free": "MemFree", "available": "MemAvailable", "buffers": "Buffers",
    "cached": "Cached", "shared": "Shmem", "sreclaimable": "SReclaimable",
    "swap_total": "SwapTotal", "swap_free": "SwapFree",
}  # fmt: skip
GIB = 1 << 30
KIB = 1 << 10
_PSEUDO_FSTYPES = frozenset(DEFAULT_EXCLUDE_FSTYPES) - {"overlay", "squashfs"}
_MINIMAL_MOUNTS = (("/proc", "proc"), ("/sys", "sysfs"), ("/dev", "devtmpfs"), ("/run", "tmpfs"))


class Advancing(Protocol):
    """A clock the host moves along with its own time (a ``FakeClock``, or a simulation's)."""

    def advance(self, seconds: float) -> None: ...

    def time(self) -> float: ...


class FakeHost:
    """A host whose /proc changes only as the script says."""

    def __init__(
        self,
        root: str,
        *,
        fs: Any = None,
        clock: Advancing | None = None,
        cpus: int = 2,
        cpu_columns: int = len(CPU_COLUMNS),
        facts: HostFacts | None = None,
        state: HostState | None = None,
    ) -> None:
        """Write the minimal modern host of ``fake_host.minimal`` under ``root``, with
        ``cpus`` CPUs and a 64 GiB root filesystem; or, given ``state``, take over the
        files of that state, already there (a copied tree: see ``from_tree``).

        ``fs`` is the pyfakefs ``FakeFilesystem`` when ``root`` lies inside one.
        """
        self.facts = facts or DEFAULT_FACTS
        self._clock = clock
        self._epoch = clock.time() if clock is not None else DEFAULT_EPOCH
        self._lingering: set[int] = set()
        if state is not None:
            self._state = state
            self._next_minor = len(state.mounts) + 1
            self._files = HostFiles(root, fs, state, self.facts)
            with self._files.privileged():
                self._files.apply_sizes()
            return
        self._state = minimal_state(self._epoch, cpus, cpu_columns, self.facts.user_hz)
        self._next_minor = 1
        self._files = HostFiles(root, fs, self._state, self.facts)
        with self.batch():
            self.mount("/", "ext4", total=64 * GIB, used=16 * GIB, device="253:1",
                       source="/dev/vda1")  # fmt: skip
            for path, fstype in _MINIMAL_MOUNTS:
                self.mount(path, fstype)
            self._files.touch(*all_paths(self._state))

    @classmethod
    def from_tree(
        cls, source: str, root: str, *, fs: Any = None, clock: Advancing | None = None
    ) -> FakeHost:
        """A host that starts as the captured tree ``source``: a path, or the name of a
        shipped tree (``this-vm``, ``odd-host``: see ``sysmon.adapters.shipped``).

        The tree is copied under ``root`` and read back through the real procfs reader
        to seed the script's state; files the script never touches stay as captured.
        """
        copy_tree(real_tree(source, fs), root, fs)
        facts, state = seed_state(root)
        return cls(root, fs=fs, clock=clock, facts=facts, state=state)

    @property
    def root(self) -> str:
        return self._files.root

    @property
    def procfs_root(self) -> str:
        return self._files.procfs_root

    @property
    def rootfs_root(self) -> str:
        return self._files.rootfs_root

    @property
    def host_json(self) -> str:
        return self._files.host_json

    def reader(self) -> ProcfsPort:
        """The ``ProcfsPort`` that reads this host: the real reader on this host's roots,
        with statvfs figures from its host.json.
        """
        return HostJsonReader(self.procfs_root, self.rootfs_root, self.host_json)

    def attach(self, clock: Advancing | None) -> None:
        """Move ``clock`` along with the host from now on (None detaches)."""
        self._clock = clock

    @property
    def clock(self) -> Advancing | None:
        return self._clock

    @property
    def state(self) -> HostState:
        """The script's view of the host (read it; change it through the verbs)."""
        return self._state

    @property
    def uptime(self) -> float:
        return self._state.uptime_centis / 100

    @property
    def pids(self) -> list[int]:
        return sorted(self._state.processes)

    @property
    def now(self) -> float:
        """Epoch seconds on the host's calendar (the attached clock's, when there is one)."""
        return self._clock.time() if self._clock is not None else self._epoch

    # -- time and CPU ---------------------------------------------------------------------

    def advance(
        self, seconds: float, *, busy: int = 0, idle: int | None = None, **ticks: int
    ) -> None:
        """Let ``seconds`` pass, with CPU ticks (USER_HZ, summed over all CPUs) as given.

        ``busy`` is user time; other columns go by name (``system``, ``iowait``, ``steal``,
        ``guest`` …); ``guest``/``guest_nice`` are counted inside user/nice too, as the
        kernel does. Unless ``idle`` is given, the rest of the CPUs' capacity in the
        interval (seconds × USER_HZ × CPUs) is idle. Uptime moves by ``seconds``, its idle
        figure by the idle ticks; then an attached clock moves by ``seconds``.
        """
        if seconds < 0:
            raise ValueError("time does not run backwards; use reboot() or set_cpu()")
        check_names(ticks, COLUMN, "CPU column")
        deltas = [ticks.get(name, 0) for name in CPU_COLUMNS]
        deltas[COLUMN["user"]] += busy + ticks.get("guest", 0)
        deltas[COLUMN["nice"]] += ticks.get("guest_nice", 0)
        hz, cpus = self.facts.user_hz, self._state.cpus
        capacity = round(seconds * hz * cpus.count)
        used = sum(deltas) - deltas[COLUMN["guest"]] - deltas[COLUMN["guest_nice"]]
        deltas[COLUMN["idle"]] = max(capacity - used, 0) if idle is None else idle
        self._check_columns(deltas)
        cpus.add(deltas)
        self._state.uptime_centis += round(seconds * 100)
        self._state.idle_centis += deltas[COLUMN["idle"]] * 100 // hz
        self._epoch += seconds
        self._files.drop(*self._lingering)  # an exited process's directory is gone by now
        self._lingering.clear()
        self._files.touch("/proc/stat", "/proc/uptime")
        self._files.commit()
        if self._clock is not None:
            self._clock.advance(seconds)

    def set_cpu(self, **ticks: int) -> None:
        """Set aggregate CPU columns outright: a counter may step back, as on some kernels."""
        check_names(ticks, COLUMN, "CPU column")
        self._check_columns([ticks.get(name, 0) for name in CPU_COLUMNS])
        totals = self._state.cpus.aggregate()
        for name, value in ticks.items():
            totals[COLUMN[name]] = value
        self._state.cpus.set_aggregate(totals)
        self._files.touch("/proc/stat")
        self._files.commit()

    def _check_columns(self, values: list[int]) -> None:
        columns = self._state.cpus.columns
        absent = [
            name
            for name, value in zip(CPU_COLUMNS[columns:], values[columns:], strict=True)
            if value
        ]
        if absent:
            raise ValueError(f"this kernel prints {columns} cpu columns: no {', '.join(absent)}")

    def reboot(self, *, downtime: float = 0.0) -> None:
        """Power-cycle: CPU and interface counters, uptime and load back to 0, btime the
        moment of boot (after ``downtime``), pid 1 alone and pids counting from 2 again.
        """
        if downtime:
            self._epoch += downtime
            if self._clock is not None:
                self._clock.advance(downtime)
        state = self._state
        state.btime = int(self.now)
        state.cpus.set_aggregate([0] * len(CPU_COLUMNS))
        state.uptime_centis = state.idle_centis = state.ctxt = 0
        state.loads = (0.0, 0.0, 0.0)
        init = state.processes.get(1)
        self._files.drop(*state.processes, *self._lingering)
        self._files.keep(1)
        self._lingering.clear()
        state.processes = {1: Process(init.name if init else b"systemd", "S", 1, 0, 0)}
        state.next_pid, state.forks = 2, 1
        for interface in state.interfaces.values():
            interface.counters = [0] * len(interface.counters)
        self._files.touch(
            "/proc/stat", "/proc/uptime", "/proc/loadavg", "/proc/net/dev", "/proc/1/stat"
        )
        self._files.commit()

    # -- memory and load ------------------------------------------------------------------

    def set_memory(
        self, extra: Mapping[str, int] | None = None, *, remove: Iterable[str] = (), **figures: int
    ) -> None:
        """Set /proc/meminfo figures in bytes (whole KiB).

        By name: ``total``, ``free``, ``available``, ``buffers``, ``cached``, ``shared``,
        ``sreclaimable``, ``swap_total``, ``swap_free``; any other line by its kernel name
        in ``extra``. ``remove`` drops lines (an old kernel has no ``MemAvailable``).
        """
        check_names(figures, MEMINFO_NAMES, "memory figure")
        values = {MEMINFO_NAMES[name]: value for name, value in figures.items()}
        values.update(extra or {})
        for key, value in values.items():
            if value < 0 or (key not in MEMINFO_UNITLESS and value % KIB):
                raise ValueError(f"{key}={value}: meminfo holds whole KiB, never negative")
        self._state.meminfo.update(values)
        for key in remove:
            self._state.meminfo.pop(key, None)
        self._files.touch("/proc/meminfo")
        self._files.commit()

    def set_low_watermarks(self, **zones: int) -> None:
        """/proc/zoneinfo's ``low`` watermark (pages) per zone, e.g. ``Normal=8192``."""
        self._state.zones = list(zones.items())
        self._files.touch("/proc/zoneinfo")
        self._files.commit()

    def set_load(self, load1: float, load5: float, load15: float) -> None:
        self._state.loads = (load1, load5, load15)
        self._files.touch("/proc/loadavg")
        self._files.commit()

    # -- processes ------------------------------------------------------------------------

    def spawn(self, name: str | bytes, state: str = "S", threads: int = 1, ppid: int = 1) -> int:
        """A new process with the next free pid; the name may hold spaces and parentheses
        and is cut to 15 bytes, as the kernel keeps it.
        """
        if len(state) != 1 or not state.isalpha() or threads < 1:
            raise ValueError(f"bad process: state {state!r}, threads {threads}")
        host = self._state
        pid = host.next_pid
        while pid in host.processes or pid in self._lingering:
            pid += 1
        host.next_pid = pid + 1
        host.forks += 1
        raw = name.encode() if isinstance(name, str) else name
        start = host.uptime_centis * self.facts.user_hz // 100
        host.processes[pid] = Process(raw, state, threads, ppid, start)
        self._files.keep(pid)
        self._files.touch(f"/proc/{pid}/stat", "/proc/stat", "/proc/loadavg")
        self._files.commit()
        return pid

    def spawn_many(
        self, count: int, name: str | bytes = "worker", state: str = "S", threads: int = 1
    ) -> list[int]:
        """``count`` processes written in one pass."""
        with self.batch():
            return [self.spawn(name, state, threads) for _ in range(count)]

    def end(self, pid: int, *, mid_scan: bool = False) -> None:
        """The process exits. With ``mid_scan`` the host shows what a scan that listed it
        just before sees: its directory is still there (until time passes), its stat is gone.
        """
        if self._state.processes.pop(pid, None) is None:
            raise KeyError(f"no process {pid}")
        if mid_scan:
            self._lingering.add(pid)
        else:
            self._files.drop(pid)
        self._files.touch(f"/proc/{pid}/stat", "/proc/stat", "/proc/loadavg")
        if pid == 1:
            self._files.touch("/proc/1/mountinfo")
        self._files.commit()

    def set_process(
        self, pid: int, *, state: str | None = None, threads: int | None = None
    ) -> None:
        process = self._state.processes[pid]
        process.state = process.state if state is None else state
        process.threads = process.threads if threads is None else threads
        self._files.touch(f"/proc/{pid}/stat", "/proc/stat", "/proc/loadavg")
        self._files.commit()

    # -- network --------------------------------------------------------------------------

    def add_interface(self, name: str, *, width: int = 64, **counters: int) -> None:
        """A new interface whose counters (``rx_bytes`` …) wrap at ``2 ** width``."""
        if not name or any(c in name for c in " :/\t\n") or name in self._state.interfaces:
            raise ValueError(f"bad or existing interface name {name!r}")
        check_names(counters, NET_COUNTER, "counter")
        interface = Interface(width=width)
        interface.set(counters)
        self._state.interfaces[name] = interface
        self._files.touch("/proc/net/dev")
        self._files.commit()

    def remove_interface(self, name: str) -> None:
        del self._state.interfaces[name]
        self._files.touch("/proc/net/dev")
        self._files.commit()

    def move(self, name: str, **deltas: int) -> None:
        """Add to an interface's counters; past ``2 ** width`` they wrap, as the kernel's do."""
        check_names(deltas, NET_COUNTER, "counter")
        self._state.interfaces[name].move(deltas)
        self._files.touch("/proc/net/dev")
        self._files.commit()

    def set_counters(self, name: str, **values: int) -> None:
        check_names(values, NET_COUNTER, "counter")
        self._state.interfaces[name].set(values)
        self._files.touch("/proc/net/dev")
        self._files.commit()

    def reset_interface(self, name: str) -> None:
        """Every counter back to 0, as when a driver is reloaded."""
        interface = self._state.interfaces[name]
        interface.counters = [0] * len(interface.counters)
        self._files.touch("/proc/net/dev")
        self._files.commit()

    # -- filesystems ----------------------------------------------------------------------

    def mount(
        self,
        path: str | bytes,
        fstype: str = "ext4",
        *,
        total: int = 0,
        used: int = 0,
        free: int | None = None,
        reserved: int = 0,
        device: str | None = None,
        source: str | None = None,
        files: int | None = None,
        files_free: int | None = None,
        readonly: bool = False,
        root: str | bytes = "/",
        options: str = "rw,relatime",
        super_options: str = "rw",
    ) -> str:
        """Mount a filesystem of ``total`` bytes, ``used`` of them, at ``path``; returns its
        device (``major:minor``), made up unless given: pass it again to bind-mount.

        ``reserved`` bytes are kept for root, as ext keeps 5 %: statvfs's f_bfree counts
        them, its f_bavail does not. ``free`` (f_bavail) is total - used - reserved unless
        given; given, it says how much is reserved. ``files`` and
        ``files_free`` are its inodes (statvfs's ``f_files``, ``f_ffree``; unset: unknown),
        ``readonly`` its ``ST_RDONLY`` flag. ``root`` is the directory of the filesystem
        that is mounted (mountinfo's 4th field), ``options`` the mount's options,
        ``super_options`` the filesystem's (a v1 cgroup's controllers).
        """
        raw = os.fsencode(path)
        if not raw.startswith(b"/"):
            raise ValueError(f"a mount point is absolute, not {raw!r}")
        if device is None:
            minor = self._next_minor
            self._next_minor += 1
            pseudo = fstype in _PSEUDO_FSTYPES
            device = f"0:{minor + 20}" if pseudo else f"7:{minor}"
            source = source or (fstype if pseudo else f"/dev/loop{minor}")
        mount_id = max((m.mount_id for m in self._state.mounts), default=20) + 1
        entry = MountEntry(mount_id, raw, fstype, device, source or "none",
                           root=os.fsencode(root), options=options,
                           super_options=super_options)  # fmt: skip
        self._size(entry, total, used, free, reserved)
        self._inodes(entry, files, files_free, readonly)
        self._state.mounts.append(entry)
        self._files.touch(*MOUNT_FILES)
        self._files.commit()
        return device

    def unmount(self, path: str | bytes) -> None:
        """Unmount the filesystem mounted last at ``path``."""
        self._state.mounts.remove(self._mounted(path))
        self._files.touch(*MOUNT_FILES)
        self._files.commit()

    def resize(
        self,
        path: str | bytes,
        *,
        total: int,
        used: int,
        free: int | None = None,
        reserved: int = 0,
    ) -> None:
        self._size(self._mounted(path), total, used, free, reserved)
        self._files.touch("/host.json")
        self._files.commit()

    def fill(self, path: str | bytes, size: float) -> None:
        """Write ``size`` bytes to the filesystem at ``path`` (negative: delete as much):
        used grows and free shrinks by the same amount, until free (or used) is 0.
        """
        entry = self._mounted(path)
        change = max(min(int(size), entry.free), -entry.used)
        entry.used += change
        entry.free -= change
        self._files.touch("/host.json")
        self._files.commit()

    def set_inodes(
        self,
        path: str | bytes,
        *,
        files: int | None = None,
        files_free: int | None = None,
        readonly: bool | None = None,
    ) -> None:
        """A mounted filesystem's inode counts and read-only flag (None: as they are)."""
        entry = self._mounted(path)
        self._inodes(
            entry,
            entry.files if files is None else files,
            entry.files_free if files_free is None else files_free,
            entry.readonly if readonly is None else readonly,
        )
        self._files.touch("/host.json")
        self._files.commit()

    @staticmethod
    def _inodes(
        entry: MountEntry, files: int | None, files_free: int | None, readonly: bool
    ) -> None:
        if (files is None) != (files_free is None) or min(files or 0, files_free or 0) < 0:
            raise ValueError(f"inodes: files {files} and files_free {files_free}, both or none")
        if files is not None and files_free is not None and files_free > files:
            raise ValueError(f"inodes: {files_free} free of {files}")
        entry.files, entry.files_free, entry.readonly = files, files_free, bool(readonly)

    def _mounted(self, path: str | bytes) -> MountEntry:
        raw = os.fsencode(path)
        for entry in reversed(self._state.mounts):
            if entry.path == raw:
                return entry
        raise KeyError(f"nothing mounted at {raw!r}")

    @staticmethod
    def _size(entry: MountEntry, total: int, used: int, free: int | None, reserved: int) -> None:
        if free is not None and reserved and free != total - used - reserved:
            raise ValueError(f"free {free} is not total - used - reserved ({reserved})")
        free = total - used - reserved if free is None else free
        if min(total, used, free, reserved) < 0:
            raise ValueError(f"sizes are never negative: total {total}, used {used}, free {free}")
        if used + free > total:
            raise ValueError(f"used {used} and free {free} do not fit in total {total}")
        entry.total, entry.used, entry.free = total, used, free

    # -- cgroups and pressure -------------------------------------------------------------

    def use_cgroups(self, layout: str = "v2", path: str = "/system.slice/app.service") -> None:
        """Put the host in the cgroup ``path`` of a ``v2``, ``v1`` or ``hybrid`` layout (see
        ``fake_host.cgroups``): its mounts, /proc/self/cgroup, and each cgroup's files up
        to the root, with no limits and no usage yet.
        """
        if layout not in LAYOUTS or not path.startswith("/") or self._state.cgroups is not None:
            raise ValueError(f"layout is one of {', '.join(LAYOUTS)}, path absolute, set once")
        cgroups = Cgroups(layout, path.rstrip("/") or "/")
        cgroups.nodes = {ancestor: Cgroup() for ancestor in cgroups.lineage()}
        with self.batch():
            self._state.cgroups = cgroups
            for point, fstype, super_options in cgroups.mounts():
                self.mount(point, fstype, options="rw,nosuid,nodev,noexec,relatime",
                           super_options=super_options, source=fstype)  # fmt: skip
            self._files.touch(*cgroup_paths(self._state))

    def set_limits(self, *, at: str | None = None, **limits: Any) -> None:
        """Limits of the host's cgroup, or of its ancestor ``at``; None is no limit.

        ``memory`` and ``swap`` in bytes, ``cpu`` in cores (the quota is cpu × period),
        ``period`` in µs (100000 unless given), ``pids``, and ``cpus``, the cpuset list
        (``"0-3,8"``).
        """
        check_names(limits, LIMITS, "limit")
        node = self._cgroup(at)
        if "period" in limits:
            node.cpu_period_us = int(limits["period"])
        if "cpu" in limits:
            cores = limits["cpu"]
            node.cpu_quota_us = None if cores is None else round(cores * node.cpu_period_us)
        for name, attribute in (("memory", "memory_limit"), ("swap", "swap_limit"),
                                ("pids", "pids_limit"), ("cpus", "cpus")):  # fmt: skip
            if name in limits:
                setattr(node, attribute, limits[name])
        self._cgroups_changed()

    def add_usage(
        self,
        *,
        memory: int = 0,
        inactive_file: int = 0,
        swap: int = 0,
        cpu_seconds: float = 0.0,
        pids: int = 0,
    ) -> None:
        """Charge the host's cgroup and each ancestor, as the kernel accounts hierarchically:
        bytes of ``memory`` (of which ``inactive_file`` is reclaimable page cache) and
        ``swap``, CPU seconds, tasks. Negative amounts give back; no counter goes below 0.
        """
        for node in self._lineage():
            node.memory += memory
            node.inactive_file += inactive_file
            node.swap += swap
            node.cpu_usage_us += round(cpu_seconds * 1_000_000)
            node.pids += pids
            if min(node.memory, node.inactive_file, node.swap, node.cpu_usage_us, node.pids) < 0:
                raise ValueError("a cgroup's usage never goes below 0")
            if node.inactive_file > node.memory:
                raise ValueError("inactive_file is part of memory: it cannot exceed it")
        self._cgroups_changed()

    def throttle(self, periods: int, throttled: int, seconds: float) -> None:
        """``periods`` CFS periods passed, ``throttled`` of them throttled for ``seconds``."""
        if not 0 <= throttled <= periods or seconds < 0:
            raise ValueError("0 <= throttled <= periods, and seconds >= 0")
        node = self._cgroup(None)
        node.periods += periods
        node.throttled += throttled
        node.throttled_us += round(seconds * 1_000_000)
        self._cgroups_changed()

    def oom_kill(self, count: int = 1) -> None:
        """The OOM killer kills ``count`` tasks of the host's cgroup."""
        if count < 1:
            raise ValueError("count is at least 1")
        self._cgroup(None).oom_kills += count
        self._cgroups_changed()

    def raise_pressure(
        self,
        resource: str,
        *,
        some: list[float] | None = None,
        full: list[float] | None = None,
        cgroup: bool = False,
    ) -> None:
        """Pressure on ``resource`` (cpu, memory, io, irq): ``some``/``full`` are
        ``[avg10, avg60, avg300, stalled seconds]``, the averages set as given, the seconds
        added to the total. /proc/pressure (written for every resource from the first
        call), or with ``cgroup`` the host's v2 cgroup's ``<resource>.pressure``.
        """
        if resource not in RESOURCES:
            raise ValueError(f"resource is one of {', '.join(RESOURCES)}")
        if cgroup:
            cgroups = self._cgroups()
            path = cgroups.path if cgroups.layout == "v2" else "/"
            table = cgroups.nodes[path].pressure
        else:
            if self._state.pressure is None:
                self._state.pressure = {name: empty_pressure(name) for name in RESOURCES}
            table = self._state.pressure
        lines = table.setdefault(resource, empty_pressure(resource))
        for kind, values in (("some", some), ("full", full)):
            if values is None:
                continue
            if kind not in lines or len(values) != 4 or min(values) < 0:
                raise ValueError(f"{resource} {kind}: [avg10, avg60, avg300, seconds], >= 0")
            lines[kind] = [*values[:3], lines[kind][3] + round(values[3] * 1_000_000)]
        self._files.touch(*(PRESSURE_FILES if not cgroup else ()))
        self._cgroups_changed()

    def _cgroups(self) -> Cgroups:
        if self._state.cgroups is None:
            raise ValueError("this host has no cgroups yet: use_cgroups() first")
        return self._state.cgroups

    def _cgroup(self, at: str | None) -> Cgroup:
        cgroups = self._cgroups()
        path = cgroups.path if at is None else at.rstrip("/") or "/"
        if path not in cgroups.nodes:
            raise KeyError(f"{path} is not the host's cgroup nor one of its ancestors")
        return cgroups.nodes[path]

    def _lineage(self) -> list[Cgroup]:
        cgroups = self._cgroups()
        return [cgroups.nodes[path] for path in cgroups.lineage()]

    def _cgroups_changed(self) -> None:
        self._files.touch(*cgroup_paths(self._state))
        self._files.commit()

    # -- names ----------------------------------------------------------------------------

    def set_identity(self, **names: str | None) -> None:
        """/proc/sys/kernel ``hostname``, ``osrelease``, ``ostype``, ``arch``, ``version``,
        ``domainname`` (None: no file).
        """
        check_names(names, IDENTITY_FILES, "identity file")
        self._state.identity.update(names)
        self._files.touch(*(f"/proc/sys/kernel/{name}" for name in names))
        self._files.commit()

    def set_os_release(self, text: str | bytes | None) -> None:
        """The rootfs's os-release (None: a root filesystem without one)."""
        self._state.os_release = text.encode() if isinstance(text, str) else text
        self._files.touch(self._state.os_release_path)
        self._files.commit()

    # -- breaking things ------------------------------------------------------------------

    def break_file(self, path: str, how: str, *, keep: int | None = None) -> None:
        """Break one file until ``repair(path)``, whatever the script does meanwhile.

        ``how``: ``missing``, ``empty``, ``truncated`` (cut to ``keep`` bytes, half by
        default), ``garbage``, or ``unreadable`` (mode 000: refuses only a non-root reader,
        see ``unprivileged``). ``path`` is ``/proc/…``; other paths are under the rootfs.
        """
        self._files.break_file(path, how, keep)

    def repair(self, path: str) -> None:
        """Write the file again as the script has it now."""
        self._files.repair(path)

    def hide_procfs(self, how: str = "unmounted") -> None:
        """Make the whole procfs root unusable until ``restore_procfs``.

        ``unmounted``: an empty directory, as a tmpfs over /proc leaves it; ``missing``;
        ``unreadable``: mode 000 (refuses only a non-root reader). The script goes on
        changing the hidden tree meanwhile.
        """
        self._files.hide(how)

    def restore_procfs(self) -> None:
        self._files.restore()

    def unprivileged(self, uid: int = 1000) -> AbstractContextManager[None]:
        """Read as a non-root user in the block: pyfakefs's root, like the kernel's, reads
        anything. The host still writes its own files with root's rights.
        """
        return self._files.unprivileged(uid)

    def batch(self) -> AbstractContextManager[None]:
        """Write what the block changes once, at its end (a large host in one pass)."""
        return self._files.batch()
