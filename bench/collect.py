"""1. Collection cost per method, uncached, in-process: sysmon, psutil, and the raw reads.

sysmon is the ``MetricsService`` of a real container (``Settings(cache_duration=0)``,
the real ``ProcfsReader`` on /proc) whose clock is a ``FakeClock`` moved on 1 s before
each call, so the CPU sampler takes a fresh /proc/stat sample every time instead of
reusing its last window. psutil gathers the same fields; the floor opens and reads the
same files (and calls statvfs on the same mount points) without parsing anything.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from bench.common import Context, Row, Section, median, rotated, say, time_block

PROC = "/proc"
SYS_FILES = ("stat", "meminfo", "loadavg", "uptime", "1/mountinfo", "net/dev")
READER_CALLS = (
    ("kernel_stat", "stat"),
    ("meminfo", "meminfo"),
    ("loadavg", "loadavg"),
    ("uptime", "uptime"),
    ("mounts", "1/mountinfo"),
    ("net_dev", "net/dev"),
)
KERNEL_FILES = ("sys/kernel/hostname", "sys/kernel/osrelease", "sys/kernel/ostype")

# What psutil is asked for, method by method (printed under the table).
PSUTIL_EQUIVALENTS = {
    "RPCGetSysMetrics": "cpu_percent + virtual_memory + getloadavg + boot_time + "
    "disk_usage per disk_partitions(all=False) + swap_memory + net_io_counters(pernic=True)",
    "RPCGetDiskUsage": "disk_usage per disk_partitions(all=False)",
    "RPCGetNetworkStats": "net_io_counters(pernic=True)",
    "RPCGetMemoryInfo": "virtual_memory + swap_memory",
    "RPCGetLoadAverage": "getloadavg (os.getloadavg: no task counts)",
    "RPCGetUptime": "boot_time + cpu_times (idle)",
    "RPCCPUUsage": "cpu_times + cpu_percent",
    "RPCGetProcessStats": 'process_iter(["status", "num_threads"]), tallied',
    "RPCGetSystemInfo": "os.uname + cpu_count + boot_time + /etc/os-release read and split",
    "RPCGetContainerInfo": "none (psutil reads no cgroup)",
    "RPCGetPressure": "none (psutil reads no pressure file)",
}
# The cgroup files sysmon may read in a cgroup directory, v2 and v1 (absent ones are skipped).
CGROUP_FILES = (
    "memory.max", "memory.current", "memory.stat", "memory.swap.max", "memory.swap.current",
    "memory.events", "cpu.max", "cpu.stat", "cpuset.cpus.effective", "pids.current",
    "pids.max", "memory.limit_in_bytes", "memory.usage_in_bytes", "memory.memsw.limit_in_bytes",
    "memory.memsw.usage_in_bytes", "memory.oom_control", "cpu.cfs_quota_us", "cpu.cfs_period_us",
    "cpuacct.usage", "cpuset.effective_cpus",
)  # fmt: skip
RESOURCES = ("cpu", "memory", "io", "irq")


def read_files(paths: tuple[str, ...], statvfs: tuple[bytes, ...] = ()) -> Callable[[], None]:
    def read() -> None:
        for path in paths:
            try:
                with open(path, "rb", buffering=0) as file:
                    file.read()
            except OSError:
                pass
        for mount in statvfs:
            os.statvfs(mount)

    return read


def scan_raw(proc: str) -> Callable[[], int]:
    """listdir, then open and read every <pid>/stat: the least a process tally can do."""
    prefix = proc + "/"

    def scan() -> int:
        seen = 0
        for name in os.listdir(proc):
            if name.isdigit():
                try:
                    with open(prefix + name + "/stat", "rb", buffering=0) as file:
                        file.read()
                except OSError:
                    continue
                seen += 1
        return seen

    return scan


def psutil_tally(psutil: Any) -> Callable[[], tuple[int, int]]:
    def tally() -> tuple[int, int]:
        states: dict[str, int] = {}
        threads = 0
        for process in psutil.process_iter(["status", "num_threads"]):
            status = process.info["status"]
            states[status] = states.get(status, 0) + 1
            threads += process.info["num_threads"] or 0
        return sum(states.values()), threads

    return tally


def psutil_methods(psutil: Any) -> dict[str, Callable[[], Any]]:
    def disks() -> list[Any]:
        return [psutil.disk_usage(p.mountpoint) for p in psutil.disk_partitions(all=False)]

    def sys_metrics() -> None:
        psutil.cpu_percent()
        psutil.virtual_memory()
        psutil.getloadavg()
        time.time() - psutil.boot_time()
        disks()
        psutil.swap_memory()
        psutil.net_io_counters(pernic=True)

    def system_info() -> None:
        os.uname()
        psutil.cpu_count()
        psutil.boot_time()
        with open("/etc/os-release", "rb") as file:
            dict(line.partition(b"=")[::2] for line in file.read().splitlines() if line)

    return {
        "RPCGetSysMetrics": sys_metrics,
        "RPCGetDiskUsage": disks,
        "RPCGetNetworkStats": lambda: psutil.net_io_counters(pernic=True),
        "RPCGetMemoryInfo": lambda: (psutil.virtual_memory(), psutil.swap_memory()),
        "RPCGetLoadAverage": psutil.getloadavg,
        "RPCGetUptime": lambda: (time.time() - psutil.boot_time(), psutil.cpu_times().idle),
        "RPCCPUUsage": lambda: (psutil.cpu_times(), psutil.cpu_percent()),
        "RPCGetProcessStats": psutil_tally(psutil),
        "RPCGetSystemInfo": system_info,
    }


def cgroup_reads(procfs: Any) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The files of sysmon's own cgroups that exist here: those RPCGetContainerInfo reads,
    the cgroup's CPU counter the sampler reads, and the cgroup's pressure files.
    """
    from sysmon.domain.cgroups import V2
    from sysmon.domain.container import ContainerView

    placement = ContainerView(procfs).placement()
    directories = {d for h in placement.hierarchies.values() for d in h.directories}
    info = tuple(
        path
        for directory in sorted(directories)
        for name in CGROUP_FILES
        if os.path.exists(path := f"{os.fsdecode(directory)}/{name}")
    )
    counter = tuple(p for p in info if p.endswith(("/cpuacct.usage", "/cpu.stat")))[:1]
    v2 = placement.get(V2)
    pressure = () if v2 is None else tuple(
        path for r in RESOURCES
        if os.path.exists(path := f"{os.fsdecode(v2.directory)}/{r}.pressure")
    )  # fmt: skip
    return info, counter, pressure


def raw_methods(
    mounts: tuple[bytes, ...], cgroups: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
) -> dict[str, Callable[[], Any]]:
    def at(*names: str) -> tuple[str, ...]:
        return tuple(f"{PROC}/{name}" for name in names)

    info, counter, pressure = cgroups
    scan = scan_raw(PROC)
    stat = read_files(at("stat"))
    sample = read_files((*at("stat"), *counter))
    sysinfo_files = (*at(*KERNEL_FILES, "sys/kernel/arch", "stat"), "/etc/os-release")
    return {
        "RPCGetSysMetrics": read_files(at(*SYS_FILES), mounts),
        "RPCGetDiskUsage": read_files(at("1/mountinfo"), mounts),
        "RPCGetNetworkStats": read_files(at("net/dev")),
        "RPCGetMemoryInfo": read_files(at("meminfo")),
        "RPCGetLoadAverage": read_files(at("loadavg")),
        "RPCGetUptime": read_files(at("uptime")),
        "RPCCPUUsage": sample,
        "RPCGetProcessStats": lambda: (scan(), stat()),
        "RPCGetSystemInfo": read_files(sysinfo_files),
        "RPCGetContainerInfo": read_files(
            (*at("self/cgroup", "1/mountinfo"), *info, *at("stat"), *counter)
        ),
        "RPCGetPressure": read_files(
            (*at("self/cgroup", "1/mountinfo", *(f"pressure/{r}" for r in RESOURCES)), *pressure)
        ),
    }


LOADAVG = f"{PROC}/loadavg"


def read_with_open() -> bytes:
    with open(LOADAVG, "rb", buffering=0) as file:
        return file.read()


def read_with_os() -> bytes:
    fd = os.open(LOADAVG, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.read(fd, 65536)
    finally:
        os.close(fd)


def time_pread(count: int) -> float:
    """µs per ``os.pread`` at offset 0 of a /proc/loadavg kept open for the block."""
    fd = os.open(LOADAVG, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return time_block(lambda: os.pread(fd, 65536, 0), count)
    finally:
        os.close(fd)


# Three ways to read /proc/loadavg: how much of the floor is the open itself.
FLOOR_VARIANTS: dict[str, Callable[[int], float]] = {
    "open()+read()": lambda count: time_block(read_with_open, count),
    "os.open+os.read+os.close": lambda count: time_block(read_with_os, count),
    "os.pread on a kept fd": time_pread,
}


def statvfs_via_deadline(deadline: Any, mount: bytes) -> Callable[[], Any]:
    """One mount's statvfs the way sysmon runs it: handed to a worker thread, waited for."""
    return lambda: deadline.call("bench", lambda: os.statvfs(mount), 1.0)


def run(ctx: Context) -> Section:
    import psutil

    from sysmon.adapters.fake_clock import FakeClock
    from sysmon.app.config import Settings
    from sysmon.app.container import build_container
    from sysmon.domain.metrics import METHODS

    plan = ctx.plan
    container = build_container(Settings(cache_duration=0))
    clock = FakeClock(start_epoch=time.time(), start_monotonic=time.monotonic())
    container.clock.override(clock)
    metrics = container.metrics()
    metrics.start()
    procfs = container.procfs()
    mounts = tuple(m.path for m in container.disk_policy().select(procfs.mounts()))

    def sysmon_call(method: str) -> Callable[[], Any]:
        collect, advance = metrics.collect, clock.advance

        def call() -> Any:
            advance(1.0)
            return collect(method)

        return call

    contenders: dict[str, dict[str, Callable[[], Any]]] = {
        "sysmon": {method: sysmon_call(method) for method in METHODS},
        "psutil": psutil_methods(psutil),
        "raw": raw_methods(mounts, cgroup_reads(procfs)),
    }
    # Where RPCGetSysMetrics spends its time: each reader call (read + parse) beside the
    # bare read of its file, and one mount's statvfs the way sysmon runs it (on a worker).
    mount = mounts[0] if mounts else b"/"
    probes: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        f"  ProcfsReader.{call}()": (getattr(procfs, call), read_files((f"{PROC}/{name}",)))
        for call, name in READER_CALLS
    }
    probes["  statvfs, sysmon's way (ThreadDeadline)"] = (
        statvfs_via_deadline(container.deadline(), mount),
        lambda: os.statvfs(mount),
    )

    variant_count = max(1, round(plan.collect_block_seconds * 1e6 / 20))

    say("1. collection cost: warming up and sizing the blocks")
    names = list(contenders)
    counts: dict[str, int] = {}
    for method in METHODS:
        slowest = 0.0
        for name in names:
            call = contenders[name].get(method)
            if call is None:
                continue
            for _ in range(3):
                call()
            slowest = max(slowest, time_block(call, 3))
        counts[method] = max(1, round(plan.collect_block_seconds * 1e6 / slowest))
    for label, pair in probes.items():
        slowest = 0.0
        for call in pair:
            call()
            slowest = max(slowest, time_block(call, 3))
        counts[label] = max(1, round(plan.collect_block_seconds * 1e6 / slowest))

    samples: dict[tuple[str, str], list[float]] = {}
    say(f"1. collection cost: {plan.collect_rounds} rounds of {len(METHODS)} methods")
    for turn in range(plan.collect_rounds):
        for method in METHODS:
            for name in rotated(names, turn):
                if method not in contenders[name]:
                    continue
                block = time_block(contenders[name][method], counts[method])
                samples.setdefault((name, method), []).append(block)
        for label, pair in probes.items():
            for index in rotated([0, 1], turn):
                name = ("sysmon", "raw")[index]
                block = time_block(pair[index], counts[label])
                samples.setdefault((name, label), []).append(block)
        for label in rotated(list(FLOOR_VARIANTS), turn):
            block = FLOOR_VARIANTS[label](variant_count)
            samples.setdefault(("floor", label), []).append(block)

    section = Section(
        1,
        f"Collection cost per method, uncached, in-process (µs per call, median of "
        f"{plan.collect_rounds} rounds)",
        "psutil",
        "raw reads",
    )
    result: dict[str, dict[str, float]] = {}
    for method in METHODS:
        values = {name: median(samples[(name, method)]) for name in names
                  if (name, method) in samples}  # fmt: skip
        result[method] = values
        section.rows.append(Row(method, values["sysmon"], values.get("psutil"), values["raw"]))
        if method == "RPCGetSysMetrics":
            for label in probes:
                values = {name: median(samples[(name, label)]) for name in ("sysmon", "raw")}
                result[label.strip()] = values
                section.rows.append(Row(label, values["sysmon"], None, values["raw"]))
    result["floor variants"] = {
        label: median(samples[("floor", label)]) for label in FLOOR_VARIANTS
    }
    ctx.figures["collect"] = result
    ctx.raw["collect"] = {
        "calls_per_block": counts,
        "rounds": {f"{name}/{method}": v for (name, method), v in samples.items()},
    }
    section.notes.append(
        "sysmon: MetricsService from the container, cache_duration=0, FakeClock moved on "
        "1 s before each call (every call reads /proc/stat)."
    )
    section.notes.append(
        "raw reads: open+read of the files sysmon reads for the method, no parsing "
        "(RPCCPUUsage: /proc/stat and the cgroup's CPU counter, sampled together); "
        f"os.statvfs on {', '.join(m.decode() for m in mounts) or 'no mount'} "
        "(the mounts sysmon selects here)."
    )
    section.notes.append(
        "indented rows: the parts of RPCGetSysMetrics; ProcfsReader calls (read + parse) "
        "beside the read of their file, ThreadDeadline.call (a reused worker thread) beside "
        "os.statvfs inline."
    )
    section.notes.append(
        "the floor's own cost, one /proc/loadavg: "
        + ", ".join(f"{k} {v:.1f} µs" for k, v in result["floor variants"].items())
        + " (open() also fstats twice, seeks and reads twice; a procfs file re-read by "
        "pread at offset 0 is generated afresh)."
    )
    section.notes.append("psutil, method by method:")
    section.notes.extend(f"  {method}: {what}" for method, what in PSUTIL_EQUIVALENTS.items())
    return section
