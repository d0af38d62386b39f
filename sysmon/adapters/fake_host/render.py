"""A fake host's files, rendered from its state: path in, kernel text out (None: no file)."""

from __future__ import annotations

from collections.abc import Callable

from sysmon.adapters.fake_host import text as kt
from sysmon.adapters.fake_host.cgroups import (
    RESOURCES,
    cgroup_files,
    pressure_text,
    self_cgroup_text,
)
from sysmon.adapters.fake_host.disk import host_json
from sysmon.adapters.fake_host.model import IDENTITY_FILES, HostState
from sysmon.domain.models import HostFacts

FIXED = (
    "/proc/stat", "/proc/meminfo", "/proc/zoneinfo", "/proc/loadavg", "/proc/uptime",
    "/proc/net/dev", "/proc/mounts", "/proc/self/mountinfo", "/proc/1/mountinfo", "/host.json",
    *(f"/proc/sys/kernel/{name}" for name in IDENTITY_FILES),
)  # fmt: skip
MOUNT_FILES = ("/proc/mounts", "/proc/self/mountinfo", "/proc/1/mountinfo", "/host.json")


PRESSURE_FILES = tuple(f"/proc/pressure/{resource}" for resource in RESOURCES)
CGROUP_ROOT = "/sys/fs/cgroup/"


def all_paths(state: HostState) -> list[str]:
    """Every file the state describes, for writing a host whole."""
    pressure = PRESSURE_FILES if state.pressure is not None else ()
    processes = (f"/proc/{pid}/stat" for pid in state.processes)
    return [*FIXED, state.os_release_path, *processes, *cgroup_paths(state), *pressure]


def cgroup_paths(state: HostState) -> list[str]:
    """/proc/self/cgroup and every cgroup file, where the host has cgroups."""
    if state.cgroups is None:
        return []
    return ["/proc/self/cgroup", *cgroup_files(state.cgroups, state.cpus.count)]


def render(state: HostState, facts: HostFacts, path: str) -> bytes | None:
    """The file at ``path`` (``/proc/…``, ``/host.json``, else under the rootfs) as text."""
    if path.startswith("/proc/"):
        head, _, tail = path[len("/proc/") :].partition("/")
        if head.isdigit() and tail == "stat":
            return pid_stat(state, int(head))
        if path.startswith("/proc/sys/kernel/"):
            value = state.identity.get(path.rpartition("/")[2])
            return None if value is None else f"{value}\n".encode()
    if path == state.os_release_path:
        return state.os_release
    if path.startswith(CGROUP_ROOT):
        cgroups = state.cgroups
        return None if cgroups is None else cgroup_files(cgroups, state.cpus.count).get(path)
    if path.startswith("/proc/pressure/"):
        lines = (state.pressure or {}).get(path.rpartition("/")[2])
        return None if lines is None else pressure_text(lines)
    renderer = _RENDERERS.get(path)
    return None if renderer is None else renderer(state, facts)


def stat(state: HostState, facts: HostFacts) -> bytes:
    states = [p.state for p in state.processes.values()]
    values = {
        "ctxt": state.ctxt,
        "btime": state.btime,
        "processes": state.forks,
        "procs_running": max(states.count("R"), 1),  # the reader itself is running
        "procs_blocked": states.count("D"),
    }
    tail = [
        (line, values[line]) if isinstance(line, str) else ("", line) for line in state.stat_tail
    ]
    cpus = state.cpus
    return kt.stat_text(cpus.aggregate(), cpus.per_cpu, cpus.columns, tail, cpus.labels())


def loadavg(state: HostState, facts: HostFacts) -> bytes:
    """Runnable and existing count threads, as the kernel's scheduling entities."""
    processes = state.processes.values()
    running = sum(p.threads for p in processes if p.state == "R")
    existing = sum(p.threads for p in processes)
    return kt.loadavg_text(state.loads, max(running, 1), existing, state.next_pid - 1)


def mountinfo(state: HostState, facts: HostFacts) -> bytes | None:
    if state.mount_table != "mountinfo":
        return None
    root_id = next((m.mount_id for m in state.mounts if m.path == b"/"), 1)
    return b"".join(
        kt.mountinfo_line(
            m.mount_id,
            1 if m.path == b"/" else root_id,
            m.device,
            m.path,
            m.fstype,
            m.source,
            m.root,
            m.options,
            m.super_options,
        )
        for m in state.mounts
    )


def _joined(options: str, super_options: str) -> str:
    """/proc/mounts's one options column: the mount's, then the filesystem's not yet said."""
    seen = options.split(",")
    return ",".join([*seen, *(o for o in super_options.split(",") if o and o not in seen)])


def pid_stat(state: HostState, pid: int) -> bytes | None:
    process = state.processes.get(pid)
    if process is None:
        return None
    return kt.pid_stat_text(
        pid, process.name, process.state, process.ppid, process.threads, process.start_ticks
    )


_RENDERERS: dict[str, Callable[[HostState, HostFacts], bytes | None]] = {
    "/proc/stat": stat,
    "/proc/meminfo": lambda s, f: kt.meminfo_text(s.meminfo.items()),
    "/proc/zoneinfo": lambda s, f: None if s.zones is None else kt.zoneinfo_text(s.zones),
    "/proc/loadavg": loadavg,
    "/proc/uptime": lambda s, f: kt.uptime_text(s.uptime_centis, s.idle_centis),
    "/proc/net/dev": lambda s, f: kt.net_dev_text((n, i.counters) for n, i in s.interfaces.items()),
    "/proc/mounts": lambda s, f: b"".join(
        kt.mounts_line(m.path, m.fstype, m.source, _joined(m.options, m.super_options))
        for m in s.mounts
    ),
    "/proc/self/mountinfo": mountinfo,
    "/proc/self/cgroup": lambda s, f: None if s.cgroups is None else self_cgroup_text(s.cgroups),
    "/proc/1/mountinfo": lambda s, f: mountinfo(s, f) if 1 in s.processes else None,
    "/host.json": lambda s, f: host_json(f, s.mounts),
}
