"""This host, read by sysmon, checked against psutil and procps (free, df, top).

The host moves between two reads, so figures that change are compared within a
stated tolerance; figures that do not change are compared exactly.
"""

import os
import platform
import re
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


@pytest.fixture
def metrics():
    service = build_container(Settings(cache_duration=0)).metrics()
    service.start()
    return service


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def test_memory_matches_psutil_and_free(metrics):
    ours = metrics.collect("RPCGetMemoryInfo")
    theirs = psutil.virtual_memory()
    tolerance = max(64 * MIB, theirs.total // 50)  # 2 % of RAM moves between two reads
    assert ours["total"] == theirs.total
    assert abs(ours["available"] - theirs.available) <= tolerance
    assert abs(ours["used"] - theirs.used) <= tolerance
    assert abs(ours["usage_percent"] - theirs.percent) <= 2.0
    assert abs(ours["buffers"] - theirs.buffers) <= tolerance
    assert abs(ours["cached"] - theirs.cached) <= tolerance
    # free -b: "Mem: total used free shared buff/cache available"
    mem_line = next(line for line in run("free", "-b").splitlines() if line.startswith("Mem:"))
    total, used, _free, _shared, buff_cache, available = map(int, mem_line.split()[1:7])
    assert ours["total"] == total
    assert abs(ours["available"] - available) <= tolerance
    assert abs(ours["used"] - used) <= tolerance
    assert abs(ours["buffers"] + ours["cached"] - buff_cache) <= tolerance


def test_swap_matches_psutil(metrics):
    ours = metrics.collect("RPCGetMemoryInfo")
    theirs = psutil.swap_memory()
    assert ours["swap_total"] == theirs.total
    assert abs(ours["swap_used"] - theirs.used) <= 16 * MIB
    assert abs(ours["swap_usage_percent"] - theirs.percent) <= 1.0


def test_load_and_uptime(metrics):
    load = metrics.collect("RPCGetLoadAverage")
    expected = os.getloadavg()
    assert [load["load1"], load["load5"], load["load15"]] == pytest.approx(expected, abs=0.3)
    assert 1 <= load["runnable_tasks"] <= load["existing_tasks"]
    uptime = metrics.collect("RPCGetUptime")
    assert uptime["uptime"] == pytest.approx(time.time() - psutil.boot_time(), abs=2.0)
    assert uptime["idle_time"] >= 0


def test_cpu_times_match_psutil(metrics):
    ours = metrics.collect("RPCCPUUsage")
    theirs = psutil.cpu_times()
    for field in ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"):
        assert ours[field] == pytest.approx(getattr(theirs, field), abs=1.0), field
    assert 0.0 <= ours["usage_percent"] <= 100.0
    assert ours["window_seconds"] >= 0.1


def test_cpu_usage_tracks_psutil_over_the_same_window(metrics):
    psutil.cpu_percent(interval=None)
    metrics.collect("RPCCPUUsage")
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:  # keep one core busy so there is something to see
        pass
    ours = metrics.collect("RPCCPUUsage")["usage_percent"]
    theirs = psutil.cpu_percent(interval=None)
    assert abs(ours - theirs) <= 15.0


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
    ours = metrics.collect("RPCGetNetworkStats")
    theirs = psutil.net_io_counters(pernic=True)
    assert set(ours["network"]) == set(theirs)
    for name, counters in theirs.items():
        mine = ours["network"][name]
        assert abs(mine["rx_bytes"] - counters.bytes_recv) <= MIB, name
        assert abs(mine["tx_bytes"] - counters.bytes_sent) <= MIB, name
        assert mine["rx_errors"] == counters.errin
        assert mine["tx_errors"] == counters.errout
    no_lo = [c for name, c in theirs.items() if name != "lo"]
    assert abs(ours["total_rx"] - sum(c.bytes_recv for c in no_lo)) <= MIB


def test_processes_match_top(metrics):
    ours = metrics.collect("RPCGetProcessStats")
    header = next(line for line in run("top", "-bn1").splitlines() if line.startswith("Tasks:"))
    total, _running, sleeping, stopped, zombie = map(int, re.findall(r"(\d+) \w+", header)[:5])
    assert abs(ours["processes_total"] - total) <= 5  # top and pytest come and go
    assert abs(ours["processes_sleeping"] - sleeping) <= 5
    assert ours["processes_running"] >= 1  # this process is running
    assert abs(ours["processes_stopped"] - stopped) <= 1
    assert abs(ours["processes_zombie"] - zombie) <= 2
    threads = sum(p.info["num_threads"] or 0 for p in psutil.process_iter(["num_threads"]))
    assert abs(ours["threads"] - threads) <= 10


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
