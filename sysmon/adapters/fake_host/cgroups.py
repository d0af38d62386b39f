"""A fake host's cgroups and pressure files: the state the verbs edit, rendered as the kernel
writes it.

Three layouts, as hosts have them: ``v2`` (one ``cgroup2`` mount at /sys/fs/cgroup),
``v1`` (a tmpfs at /sys/fs/cgroup with ``cpu,cpuacct``, ``cpuset``, ``memory`` and
``pids`` hierarchies) and ``hybrid`` (v1, plus a ``cgroup2`` mount at
/sys/fs/cgroup/unified that holds no controller: only pressure and ``cpu.stat``). Each
cgroup from the host's own up to the root has its limits; usage is charged to the
cgroup and every ancestor, as the kernel's hierarchical accounting does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

V1_UNLIMITED = 9223372036854771712  # PAGE_COUNTER_MAX pages of 4 KiB, as v1 prints "none"
LAYOUTS = ("v2", "v1", "hybrid")
BASE = "/sys/fs/cgroup"
V1_HIERARCHIES = (  # id, controllers, mount point (under BASE)
    (4, "memory", "memory"),
    (3, "cpuset", "cpuset"),
    (2, "cpu,cpuacct", "cpu,cpuacct"),
    (1, "pids", "pids"),
)
UNIFIED = f"{BASE}/unified"
RESOURCES = ("cpu", "memory", "io", "irq")
LIMITS = ("memory", "swap", "cpu", "period", "pids", "cpus")


@dataclass(slots=True)
class Cgroup:
    """One cgroup's limits (None: none) and counters."""

    memory_limit: int | None = None
    swap_limit: int | None = None
    cpu_quota_us: int | None = None
    cpu_period_us: int = 100000
    pids_limit: int | None = None
    cpus: str | None = None  # the effective cpuset, "0-1"
    memory: int = 0
    inactive_file: int = 0
    swap: int = 0
    cpu_usage_us: int = 0
    pids: int = 0
    periods: int = 0
    throttled: int = 0
    throttled_us: int = 0
    oom_kills: int = 0
    pressure: dict[str, dict[str, list[float]]] = field(default_factory=dict)


@dataclass(slots=True)
class Cgroups:
    """The host's layout, its own cgroup's path, and every cgroup from it up to ``/``."""

    layout: str
    path: str
    nodes: dict[str, Cgroup] = field(default_factory=dict)

    def lineage(self) -> list[str]:
        """The host's cgroup, then each parent up to ``/``."""
        parts = [part for part in self.path.split("/") if part]
        return ["/" + "/".join(parts[:depth]) for depth in range(len(parts), -1, -1)]

    def mounts(self) -> list[tuple[str, str, str]]:
        """(mount point, fstype, super options) of the layout."""
        if self.layout == "v2":
            return [(BASE, "cgroup2", "rw,nsdelegate")]
        mounts = [(BASE, "tmpfs", "rw,mode=755")]
        mounts += [
            (f"{BASE}/{where}", "cgroup", f"rw,{names}") for _, names, where in V1_HIERARCHIES
        ]
        if self.layout == "hybrid":
            mounts.append((UNIFIED, "cgroup2", "rw"))
        return mounts


def empty_pressure(resource: str) -> dict[str, list[float]]:
    """All zeros; irq has only a ``full`` line (Linux >= 6.1)."""
    kinds = ("full",) if resource == "irq" else ("some", "full")
    return {kind: [0.0, 0.0, 0.0, 0.0] for kind in kinds}


def pressure_text(lines: dict[str, list[float]]) -> bytes:
    """``some avg10=0.00 avg60=0.00 avg300=0.00 total=0``; the total is µs."""
    return "".join(
        f"{kind} avg10={a10:.2f} avg60={a60:.2f} avg300={a300:.2f} total={int(total)}\n"
        for kind, (a10, a60, a300, total) in lines.items()
    ).encode()


def self_cgroup_text(cgroups: Cgroups) -> bytes:
    """/proc/self/cgroup: the v1 lines (highest id first), then v2's ``0::``."""
    lines = []
    if cgroups.layout != "v2":
        lines += [f"{number}:{names}:{cgroups.path}\n" for number, names, _ in V1_HIERARCHIES]
    lines.append(f"0::{cgroups.path if cgroups.layout == 'v2' else '/'}\n")
    return "".join(lines).encode()


def _join(base: str, path: str) -> str:
    return base + ("" if path == "/" else path)


def _value(value: int | None, none: str = "max") -> str:
    return f"{none if value is None else value}\n"


def cgroup_files(cgroups: Cgroups, cpus: int) -> dict[str, bytes]:
    """Every cgroup file of the layout by its path on the host, as the kernel writes it;
    the effective cpuset is all ``cpus`` of the host unless a cgroup's ``cpus`` says less.
    """
    files: dict[str, bytes] = {}
    every_cpu = "0" if cpus == 1 else f"0-{cpus - 1}"
    for path in cgroups.lineage():
        node = cgroups.nodes[path]
        if cgroups.layout == "v2":
            files.update(_v2_files(_join(BASE, path), node, path == "/", every_cpu))
        else:
            files.update(_v1_files(path, node, path == "/", every_cpu))
    if cgroups.layout == "hybrid":  # the v2 mount holds the host at its root, no controllers
        top = cgroups.nodes["/"]
        files[f"{UNIFIED}/cpu.stat"] = _v2_cpu_stat(top, False)
        for resource in RESOURCES:
            files[f"{UNIFIED}/{resource}.pressure"] = pressure_text(
                top.pressure.get(resource) or empty_pressure(resource)
            )
    return files


def _v2_memory_stat(node: Cgroup) -> bytes:
    anon = max(node.memory - node.inactive_file, 0)
    file = node.inactive_file
    return f"anon {anon}\nfile {file}\ninactive_anon 0\ninactive_file {file}\n".encode()


def _v1_memory_stat(node: Cgroup) -> bytes:
    anon = max(node.memory - node.inactive_file, 0)
    own = f"cache {node.inactive_file}\nrss {anon}\ninactive_file {node.inactive_file}\n"
    return (own + "".join(f"total_{line}\n" for line in own.splitlines())).encode()


def _v2_cpu_stat(node: Cgroup, throttling: bool) -> bytes:
    text = (
        f"usage_usec {node.cpu_usage_us}\nuser_usec {node.cpu_usage_us * 4 // 5}\n"
        f"system_usec {node.cpu_usage_us - node.cpu_usage_us * 4 // 5}\n"
    )
    if throttling:
        text += (
            f"nr_periods {node.periods}\nnr_throttled {node.throttled}\n"
            f"throttled_usec {node.throttled_us}\n"
        )
    return text.encode()


def _v2_files(directory: str, node: Cgroup, root: bool, every_cpu: str) -> dict[str, bytes]:
    files = {
        f"{directory}/cpu.stat": _v2_cpu_stat(node, not root),
        f"{directory}/memory.stat": _v2_memory_stat(node),
        f"{directory}/cpuset.cpus.effective": f"{node.cpus or every_cpu}\n".encode(),
    }
    for resource in RESOURCES:
        lines = node.pressure.get(resource) or empty_pressure(resource)
        files[f"{directory}/{resource}.pressure"] = pressure_text(lines)
    if root:  # the root cgroup has no limits, nor memory.current
        return files
    quota = "max" if node.cpu_quota_us is None else str(node.cpu_quota_us)
    files.update({
        f"{directory}/memory.max": _value(node.memory_limit).encode(),
        f"{directory}/memory.current": f"{node.memory}\n".encode(),
        f"{directory}/memory.swap.max": _value(node.swap_limit).encode(),
        f"{directory}/memory.swap.current": f"{node.swap}\n".encode(),
        f"{directory}/memory.events": (
            f"low 0\nhigh 0\nmax {node.oom_kills}\noom {node.oom_kills}\n"
            f"oom_kill {node.oom_kills}\noom_group_kill 0\n"
        ).encode(),
        f"{directory}/cpu.max": f"{quota} {node.cpu_period_us}\n".encode(),
        f"{directory}/pids.current": f"{node.pids}\n".encode(),
        f"{directory}/pids.max": _value(node.pids_limit).encode(),
    })  # fmt: skip
    return files


def _v1_files(path: str, node: Cgroup, root: bool, every_cpu: str) -> dict[str, bytes]:
    memory = _join(f"{BASE}/memory", path)
    cpu = _join(f"{BASE}/cpu,cpuacct", path)
    limit = V1_UNLIMITED if node.memory_limit is None else node.memory_limit
    memsw = V1_UNLIMITED if node.swap_limit is None or node.memory_limit is None else (
        node.memory_limit + node.swap_limit)  # fmt: skip
    files = {
        f"{memory}/memory.limit_in_bytes": f"{limit}\n".encode(),
        f"{memory}/memory.usage_in_bytes": f"{node.memory}\n".encode(),
        f"{memory}/memory.memsw.limit_in_bytes": f"{memsw}\n".encode(),
        f"{memory}/memory.memsw.usage_in_bytes": f"{node.memory + node.swap}\n".encode(),
        f"{memory}/memory.stat": _v1_memory_stat(node),
        f"{memory}/memory.oom_control": (
            f"oom_kill_disable 0\nunder_oom 0\noom_kill {node.oom_kills}\n"
        ).encode(),
        f"{cpu}/cpu.cfs_quota_us": _value(node.cpu_quota_us, "-1").encode(),
        f"{cpu}/cpu.cfs_period_us": f"{node.cpu_period_us}\n".encode(),
        f"{cpu}/cpu.stat": (
            f"nr_periods {node.periods}\nnr_throttled {node.throttled}\n"
            f"throttled_time {node.throttled_us * 1000}\n"
        ).encode(),
        f"{cpu}/cpuacct.usage": f"{node.cpu_usage_us * 1000}\n".encode(),
        f"{_join(f'{BASE}/cpuset', path)}/cpuset.effective_cpus": (
            f"{node.cpus or every_cpu}\n".encode()
        ),
    }
    if not root:
        pids = _join(f"{BASE}/pids", path)
        files[f"{pids}/pids.current"] = f"{node.pids}\n".encode()
        files[f"{pids}/pids.max"] = _value(node.pids_limit).encode()
    return files
