"""This host, read by sysmon, checked against psutil, procps (free, df) and the kernel files.

The host moves between two reads, so a figure that changes is bracketed: the reference
is read just before and just after sysmon's read, and sysmon's figure must lie between
the two, give or take a small slack for the moments between the reads. The tolerance is
so derived from what changed on this host meanwhile, not guessed: on a quiet host it is
a few MiB, a few ticks or a task or two, which each planted bug (used from MemFree,
cached without SReclaimable, idle not summed, a wrong CPU divisor, threads counted as
tasks, lo in the totals) overshoots here. A reading is tried again a few times when
the host moved too much in between; a bug is off by the same amount every time.
Figures that do not change are compared exactly.
"""

import os
import platform
import shutil
import socket
import subprocess
import sys
import time

import psutil  # a test dependency only
import pytest

from sysmon.app.config import Settings
from sysmon.app.container import build_container

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the real Linux host"),
]

MIB = 1 << 20
ATTEMPTS = 5  # readings in a row, of which one must bracket sysmon's figure


def bracketed(reference, ours, slack, attempts=ATTEMPTS):
    """Read ``reference()``, ``ours()``, ``reference()`` (dicts of numbers) until every
    figure of ours lies within the two references widened by ``slack[name]``; on the
    last failed attempt, the assertion names the figure and the bracket."""
    for attempt in range(attempts):
        before = reference()
        mine = ours()
        after = reference()
        misses = {
            name: (mine[name], before[name], after[name])
            for name, allowed in slack.items()
            if not (
                min(before[name], after[name]) - allowed
                <= mine[name]
                <= max(before[name], after[name]) + allowed
            )
        }
        if not misses:
            return mine
        if attempt == attempts - 1:
            pytest.fail(f"outside [before, after] ± slack, as (ours, before, after): {misses}")
    raise AssertionError("unreachable")


@pytest.fixture
def metrics():
    service = build_container(Settings(cache_duration=0)).metrics()
    service.start()
    return service


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def free_bytes() -> dict[str, int]:
    """``free -b``'s Mem line: total used free shared buff/cache available."""
    mem_line = next(line for line in run("free", "-b").splitlines() if line.startswith("Mem:"))
    names = ("total", "used", "free", "shared", "buff_cache", "available")
    return dict(zip(names, map(int, mem_line.split()[1:7]), strict=True))


def test_memory_matches_free_read_back_to_back(metrics):
    def ours():
        memory = metrics.collect("RPCGetMemoryInfo")
        return memory | {"buff_cache": memory["buffers"] + memory["cached"]}

    slack = {"used": 4 * MIB, "available": 4 * MIB, "free": 4 * MIB, "buff_cache": 4 * MIB}
    memory = bracketed(free_bytes, ours, slack)
    assert memory["total"] == free_bytes()["total"]


def test_memory_matches_psutil(metrics):
    def theirs():
        return psutil.virtual_memory()._asdict()

    slack = {"used": 4 * MIB, "available": 4 * MIB, "buffers": MIB, "cached": 4 * MIB}
    memory = bracketed(theirs, lambda: metrics.collect("RPCGetMemoryInfo"), slack)
    assert memory["total"] == psutil.virtual_memory().total
    assert memory["usage_percent"] == pytest.approx(psutil.virtual_memory().percent, abs=0.1)


def test_swap_matches_psutil(metrics):
    ours = metrics.collect("RPCGetMemoryInfo")
    theirs = psutil.swap_memory()
    assert ours["swap_total"] == theirs.total
    assert abs(ours["swap_used"] - theirs.used) <= 16 * MIB
    assert abs(ours["swap_usage_percent"] - theirs.percent) <= 1.0


def proc_uptime() -> dict[str, float]:
    with open("/proc/uptime", "rb") as file:
        uptime, idle = map(float, file.read().split())
    return {"uptime": uptime, "idle_time": idle}


def test_uptime_and_idle_time_match_proc_uptime(metrics):
    # /proc/uptime moves in hundredths; idle is summed over the CPUs, so it moves up to
    # CPUs × 1 s a second, and can exceed the uptime
    slack = {"uptime": 0.02, "idle_time": 0.02 * psutil.cpu_count()}
    bracketed(proc_uptime, lambda: metrics.collect("RPCGetUptime"), slack)


def test_load(metrics):
    load = metrics.collect("RPCGetLoadAverage")
    expected = os.getloadavg()
    assert [load["load1"], load["load5"], load["load15"]] == pytest.approx(expected, abs=0.3)
    assert 1 <= load["runnable_tasks"] <= load["existing_tasks"]


def test_cpu_times_match_psutil(metrics):
    ours = metrics.collect("RPCCPUUsage")
    theirs = psutil.cpu_times()
    for field in ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"):
        assert ours[field] == pytest.approx(getattr(theirs, field), abs=1.0), field
    assert 0.0 <= ours["usage_percent"] <= 100.0
    assert ours["window_seconds"] >= 0.1


def proc_stat_cpu() -> list[int]:
    with open("/proc/stat", "rb") as file:
        return [int(v) for v in file.readline().split()[1:]]


def busy_share(before: list[int], after: list[int]) -> float:
    """Busy share of the window between two /proc/stat cpu lines, as docs/metrics.md
    defines it: total = all columns − guest − guest_nice, busy = total − idle − iowait."""
    step = [max(b - a, 0) for a, b in zip(before, after, strict=True)]
    total = sum(step[:8])  # user … steal; guest and guest_nice are inside user and nice
    return 100.0 * (total - step[3] - step[4]) / total


def test_cpu_usage_over_a_window_with_one_core_kept_busy(metrics):
    """A child spins on one core for the window, so at least 1 / CPUs of the host is
    busy. /proc/stat is read just around each of sysmon's samples; over 400 ticks or
    more a tick or two at each edge moves the share by about a point."""
    spinner = subprocess.Popen(
        [sys.executable, "-c", "import time\nend = time.monotonic() + 30\n"
         "while time.monotonic() < end: pass"]
    )  # fmt: skip
    try:
        time.sleep(0.2)  # the spinner is up
        metrics.collect("RPCCPUUsage")
        start = proc_stat_cpu()
        time.sleep(2.0)
        end = proc_stat_cpu()
        ours = metrics.collect("RPCCPUUsage")
        after = proc_stat_cpu()
    finally:
        spinner.kill()
        spinner.wait(timeout=10)
    expected = busy_share(start, end)
    assert ours["usage_percent"] >= 100.0 / psutil.cpu_count() - 3.0  # the spinner's core
    assert ours["usage_percent"] == pytest.approx(expected, abs=3.0)
    assert ours["usage_percent"] == pytest.approx(busy_share(start, after), abs=3.0)
    assert ours["window_seconds"] == pytest.approx(2.0, abs=0.5)


def df_sizes() -> dict[str, tuple[int, int, int]]:
    out = run("df", "-B1", "--output=target,size,used,avail")
    sizes = {}
    for line in out.splitlines()[1:]:
        target, size, used, avail = line.rsplit(None, 3)
        sizes[target] = (int(size), int(used), int(avail))
    return sizes


def test_disk_matches_df(metrics):
    ours = metrics.collect("RPCGetDiskUsage")
    sizes = df_sizes()
    assert "/" in ours["disk"]
    for mount, entry in ours["disk"].items():
        if mount not in sizes:
            continue  # df shows each path once; sysmon shows a device once
        size, used, avail = sizes[mount]
        assert entry["total"] == size, mount
        assert abs(entry["used"] - used) <= 64 * MIB, mount
        assert abs(entry["free"] - avail) <= 64 * MIB, mount
    assert {m for m in ours["disk"]} & set(sizes), "no mount in common with df"


def test_network_matches_psutil(metrics):
    def theirs():
        counters = psutil.net_io_counters(pernic=True)
        figures = {"total_rx": sum(c.bytes_recv for n, c in counters.items() if n != "lo")}
        figures["total_tx"] = sum(c.bytes_sent for n, c in counters.items() if n != "lo")
        for name, c in counters.items():
            figures |= {f"{name} rx_bytes": c.bytes_recv, f"{name} tx_bytes": c.bytes_sent}
            figures |= {f"{name} rx_errors": c.errin, f"{name} tx_errors": c.errout}
        return figures

    def ours():
        stats = metrics.collect("RPCGetNetworkStats")
        figures = {"total_rx": stats["total_rx"], "total_tx": stats["total_tx"]}
        for name, c in stats["network"].items():
            figures |= {f"{name} {k}": c[k] for k in ("rx_bytes", "tx_bytes")}
            figures |= {f"{name} {k}": c[k] for k in ("rx_errors", "tx_errors")}
        return figures

    names = set(psutil.net_io_counters(pernic=True))
    assert set(metrics.collect("RPCGetNetworkStats")["network"]) == names
    slack = {"total_rx": 4096, "total_tx": 4096}
    slack |= {f"{n} {k}": 0 for n in names for k in ("rx_errors", "tx_errors")}
    slack |= {f"{n} {k}": 4096 for n in names for k in ("rx_bytes", "tx_bytes")}
    bracketed(theirs, ours, slack)


def psutil_tasks() -> dict[str, int]:
    """Processes and threads as psutil counts them, pid by pid."""
    states, threads = [], 0
    for process in psutil.process_iter(["status", "num_threads"]):
        states.append(process.info["status"])
        threads += process.info["num_threads"] or 0
    return {
        "processes_total": len(states),
        "threads": threads,
        "processes_zombie": states.count(psutil.STATUS_ZOMBIE),
        "processes_stopped": states.count(psutil.STATUS_STOPPED)
        + states.count(psutil.STATUS_TRACING_STOP),
    }


def test_processes_match_psutil(metrics):
    # A process or two may start or end in the moments between the reads (the tools
    # themselves, and whatever else runs); their threads with them.
    slack = {"processes_total": 2, "threads": 8, "processes_zombie": 1, "processes_stopped": 1}
    ours = bracketed(psutil_tasks, lambda: metrics.collect("RPCGetProcessStats"), slack)
    assert ours["processes_running"] >= 1  # this process is running
    states = ("running", "sleeping", "stopped", "zombie")
    assert ours["processes_total"] == sum(ours[f"processes_{s}"] for s in states)


def test_system_info(metrics):
    info = metrics.collect("RPCGetSystemInfo")
    assert info["hostname"] == socket.gethostname()
    assert info["kernel"] == platform.release()
    assert info["os"] == "Linux"
    assert info["platform"] == platform.machine()
    assert info["processors"] == psutil.cpu_count()
    assert info["boot_time_unix"] == int(psutil.boot_time())
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release") as handle:
            pretty = next(
                line.split("=", 1)[1].strip().strip('"')
                for line in handle
                if line.startswith("PRETTY_NAME=")
            )
        assert info["distribution"] == pretty


def test_sys_metrics_agree_with_the_parts(metrics):
    summary = metrics.collect("RPCGetSysMetrics")
    disk = metrics.collect("RPCGetDiskUsage")["disk"]
    assert set(summary["disk"]) == set(disk)
    assert summary["disk_total"] == sum(m["total"] for m in disk.values())
    assert len(summary["load_avg"]) == 3
    assert summary["network"]["lo"]["rx"] == summary["network"]["lo"]["rx_bytes"]
    assert "unavailable" not in summary
    assert shutil.disk_usage("/").total == disk["/"]["total"]
