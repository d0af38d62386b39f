"""The busy day of ``scenario_busy_day.busy_day``, worked out by hand, message by message.

Every figure below follows from the minimal host (docs/simulation.md: 2 CPUs at
USER_HZ 100, up 1000 s; aggregate ticks user 10000, system 6000, idle 180000, iowait
2000, softirq 1000, steal 1000; 8 GiB of memory, 6 GiB available, no swap; a 64 GiB
root with 16 GiB used; ``lo`` and ``eth0`` at zero; pid 1 sleeping), from the script's
steps, and from the rules of docs/metrics.md and sysmon/domain/message_stats.py. None is
taken from a run. Time is seconds since the simulation began; the fake clock's epoch
is 1795766400.0 (2026-11-27T08:00:00Z).
"""

from __future__ import annotations

from typing import Any

GIB = 1 << 30
EPOCH = 1_795_766_400.0
TOTAL_STATS = {"total": {"total_sent": 3, "total_received": 4}}  # the broker's 1st reply

# -- the host's figures along the day ----------------------------------------------------
#
# CPU ticks, summed over the 2 CPUs (capacity 200 ticks a second):
#  t=1   advance(1, busy=30, system=10): user 10030, system 6010, idle 180000 + 160
#  t=3.5 advance(2, busy=250, iowait=50, steal=10, guest=30): capacity 400, spent 340,
#        idle + 60; guest is added to user as the kernel does: user 10030 + 250 + 30
#        = 10310 (103.1 s), system 6010 (60.1 s), idle 180220 (1802.2 s), iowait 2050
#        (20.5 s), softirq 1000 (10.0 s), steal 1010 (10.1 s), guest 30 (0.3 s)
#  t=9   advance(4.5, busy=100): capacity 900, idle + 800
#  t=41.2 reboot(downtime=30) at t=11.2: every counter 0, uptime 0, btime EPOCH + 41.2
#  t=44.2 advance(3, busy=60): user 60 (0.6 s), idle 540 (5.4 s)
#  t=49.2 advance(5): idle + 1000
#
# CPU usage = Δbusy / Δtotal between samples, busy = total − idle − iowait:
#  t=1   window 0 → 1: busy 40 of 200 = 20.0 %
#  t=3.5 window 1 → 3.5 (2.5 s): total 400, idle 60, iowait 50, busy 290 = 72.5 %
#  t=9   window 3.5 → 9 (5.5 s): total 900, busy 100 = 11.11 %
#  t=44.2 window 9 → 44.2 (35.2 s): every counter stepped back, steps clamped at 0,
#        nothing moved: 0.0 %
#  t=49.2 window 44.2 → 49.2: all idle: 0.0 %
#
# Memory: (8 − 6) / 8 GiB = 25.0 % all day; swap 0 until set_memory at t=4.5 gives
# 4 GiB with 3 GiB free: (4 − 3) / 4 = 25.0 %.
#
# Disk: / 64 GiB, 16 GiB used, 48 GiB free, 25.0 %; /data (from t=1.5) 500 GiB, 123 GiB
# used, 377 GiB free, 123 / 500 = 24.6 %; /mnt/nfs hangs: in ``unavailable``. Together
# 139 GiB used of 564 GiB.
#
# Network: at t=1.5 eth0 moves 1 MiB in, 512 KiB out, 900 and 700 packets; wlan0 comes
# with 4000 bytes in; at t=4.5 wlan0 goes; the reboot zeroes every counter. Totals leave
# lo out.
#
# Network rates are over the network sampler's windows, whose samples are taken at
# start (t=0) and at each request that reads the network after 100 ms have passed:
#  t=1   window 0 → 1: nothing moved, every rate 0.0
#  t=3.5 window 1 → 3.5 (2.5 s): eth0 1048576 / 2.5 = 419430.4 B/s in, 524288 / 2.5 =
#        209715.2 B/s out, 900 / 2.5 = 360.0 and 700 / 2.5 = 280.0 packets/s; wlan0 was
#        not there at t=1: null rates, and so null totals; lo 0.0. RPCGetSysMetrics at
#        t=3.5 is within 100 ms of that sample and reads the same window.
#  t=9   window 3.5 → 9: nothing moved (wlan0 is gone), 0.0
#  t=49.2 window 9 → 49.2: the reboot stepped eth0's counters back: null, not a guess;
#        lo stayed at 0: 0.0
#
# Processes from t=1.5: pid 1 systemd S (1 thread), 2 "nginx: master" S, 3 "a) b" R,
# 4 "db (main)" D, each of 2 threads; pid 2 ends at t=4.5; after the reboot pid 1 alone.
#
# The broker: 1st query answered after 0.2 s; the 2nd ignored (timeout 0.5 s, the broker
# is then silent and not asked for broker_retry = 5 s); the 3rd fails after 0.1 s; the
# 4th answered after 0.05 s. Figures not fetched for the reply they go into carry their
# age (now − 1.2 s, or − 49.25 s).


def broker_request(n: int, method: str, correlation_id: str | None = None) -> dict[str, Any]:
    return {
        "type": "request",
        "id": method,
        "source": "access",
        "target": "sysmon",
        "correlation_id": correlation_id or f"access-rpc-{n}",
    }


def response(n: int, method: str, payload: dict[str, Any], cid: str | None = None) -> Any:
    return {
        "type": "response",
        "id": method,
        "payload": payload,
        "source": "sysmon",
        "target": "access",
        "correlation_id": cid or f"access-rpc-{n}",
    }


def usage(used_gib: int, total_gib: int, percent: float, fstype: str) -> dict[str, Any]:
    return {
        "used": used_gib * GIB,
        "total": total_gib * GIB,
        "free": (total_gib - used_gib) * GIB,
        "used_percent": percent,
        "fstype": fstype,
    }


ROOT = usage(16, 64, 25.0, "ext4")
DATA = usage(123, 500, 24.6, "xfs")


def counters(rx_bytes: int = 0, tx_bytes: int = 0, rx_packets: int = 0, tx_packets: int = 0):
    return {
        "rx_bytes": rx_bytes,
        "tx_bytes": tx_bytes,
        "rx_packets": rx_packets,
        "tx_packets": tx_packets,
        "rx_errors": 0,
        "tx_errors": 0,
        "rx_dropped": 0,
        "tx_dropped": 0,
    }


def per_s(
    rx_bytes: float | None,
    tx_bytes: float | None,
    rx_packets: float | None,
    tx_packets: float | None,
) -> dict[str, float | None]:
    return {
        "rx_bytes_per_s": rx_bytes,
        "tx_bytes_per_s": tx_bytes,
        "rx_packets_per_s": rx_packets,
        "tx_packets_per_s": tx_packets,
    }


ZERO_RATES = per_s(0.0, 0.0, 0.0, 0.0)
NO_RATES = per_s(None, None, None, None)
ETH0 = counters(1 << 20, 1 << 19, 900, 700)
ETH0_MOVING = {**ETH0, **per_s(419430.4, 209715.2, 360.0, 280.0)}  # window 1 → 3.5
WLAN0_NEW = {**counters(4000), **NO_RATES}
LO_IDLE = {**counters(), **ZERO_RATES}


def dashboard(**interfaces: dict[str, Any]) -> dict[str, Any]:
    """RPCGetSysMetrics's ``network``: each interface also with ``rx`` and ``tx``."""
    return {name: {"rx": c["rx_bytes"], "tx": c["tx_bytes"], **c} for name, c in interfaces.items()}


def sys_metrics(at: float, **figures: Any) -> dict[str, Any]:
    return {
        "cpu_usage": figures["cpu"],
        "memory_usage": 25.0,
        "load_avg": [0.0, 0.0, 0.0],
        "uptime": figures["uptime"],
        "disk_usage": figures["disk_usage"],
        "disk_total": figures["disk_total"],
        "disk": figures["disk"],
        "swap_usage": figures["swap"],
        "net_rx": figures["net_rx"],
        "net_tx": figures["net_tx"],
        "network": figures["network"],
        "timestamp": EPOCH + at,
        **figures.get("more", {}),
    }


NFS_HUNG = {"unavailable": {"disk:/mnt/nfs": "timed out after 1s"}}
DAY_DISK = {"disk_usage": 139 * GIB, "disk_total": 564 * GIB, "disk": {"/": ROOT, "/data": DATA}}

# (seconds as the transcript prints them, direction, message or text)
EXPECTED: list[tuple[str, str, Any]] = [
    ("0.000", "out", {
        "type": "event", "id": "subprocess_ready", "payload": {"id": "sysmon"},
        "source": "sysmon",
    }),
    ("1.000", "in", broker_request(1, "RPCGetSysMetrics")),
    ("1.000", "to-broker", "RPCGetMessageStats sysmon-rpc-1"),
    ("1.200", "from-broker", 'sysmon-rpc-1 ok {"total":{"total_received":4,"total_sent":3}}'),
    # collected at t=1 when the request came, sent once the broker answered
    ("1.200", "out", response(1, "RPCGetSysMetrics", sys_metrics(
        1.0, cpu=20.0, uptime=1001.0, swap=0.0, net_rx=0, net_tx=0,
        disk_usage=16 * GIB, disk_total=64 * GIB, disk={"/": ROOT},
        network=dashboard(lo=LO_IDLE, eth0=LO_IDLE),
        more={"message_stats": TOTAL_STATS},
    ))),
    ("3.500", "in", broker_request(2, "RPCGetProcessStats")),
    ("3.500", "out", response(2, "RPCGetProcessStats", {
        "processes_running": 1,  # pid 3
        "processes_sleeping": 3,  # pids 1 and 2 (S), 4 (D)
        "processes_stopped": 0,
        "processes_zombie": 0,
        "processes_total": 4,
        "threads": 7,  # 1 + 2 + 2 + 2
        "procs_blocked": 1,  # /proc/stat: pid 4 in D
        "timestamp": EPOCH + 3.5,
    })),
    ("3.500", "in", broker_request(3, "RPCGetNetworkStats")),
    ("3.500", "out", response(3, "RPCGetNetworkStats", {
        "network": {"lo": LO_IDLE, "eth0": ETH0_MOVING, "wlan0": WLAN0_NEW},
        "total_rx": (1 << 20) + 4000,
        "total_tx": 1 << 19,
        **{f"total_{name}": rate for name, rate in NO_RATES.items()},  # wlan0 has none
        "window_seconds": 2.5,
        "timestamp": EPOCH + 3.5,
    })),
    ("3.500", "in", broker_request(4, "RPCGetDiskUsage")),
    ("3.500", "out", response(4, "RPCGetDiskUsage", {
        "disk": {"/": ROOT, "/data": DATA},
        "unavailable": {"/mnt/nfs": "timed out after 1s"},
        "timestamp": EPOCH + 3.5,
    })),
    ("3.500", "in", broker_request(5, "RPCCPUUsage")),
    ("3.500", "out", response(5, "RPCCPUUsage", {
        "user": 103.1, "nice": 0.0, "system": 60.1, "idle": 1802.2, "iowait": 20.5,
        "irq": 0.0, "softirq": 10.0, "steal": 10.1, "guest": 0.3, "guest_nice": 0.0,
        "usage_percent": 72.5, "window_seconds": 2.5, "timestamp": EPOCH + 3.5,
    })),
    ("3.500", "in", broker_request(6, "RPCGetSysMetrics")),
    ("3.500", "to-broker", "RPCGetMessageStats sysmon-rpc-2"),
    # the broker says nothing: at the timeout (0.5 s) the last figures go, 2.8 s old;
    # the metrics are those cached at t=3.5
    ("4.000", "out", response(6, "RPCGetSysMetrics", sys_metrics(
        3.5, cpu=72.5, uptime=1003.0, swap=0.0, net_rx=(1 << 20) + 4000, net_tx=1 << 19,
        network=dashboard(lo=LO_IDLE, eth0=ETH0_MOVING, wlan0=WLAN0_NEW), **DAY_DISK,
        more={**NFS_HUNG, "message_stats": TOTAL_STATS, "message_stats_age_seconds": 2.8},
    ))),
    ("4.500", "in", {
        "type": "request", "id": "RPCNoSuchThing", "source": "access", "correlation_id": "x",
    }),
    ("4.500", "out", {
        "type": "error", "id": "RPCNoSuchThing",
        "error": "no handler found for message: RPCNoSuchThing",
        "source": "sysmon", "target": "access", "correlation_id": "x",
    }),
    ("4.500", "in", "not json at all"),
    ("4.500", "out", {
        "type": "error", "id": "parse-error",
        "error": "failed to parse message: Expecting value: line 1 column 1 (char 0)",
        "source": "sysmon",
    }),
    ("4.500", "in", {"jsonrpc": "2.0", "method": "RPCGetUptime", "id": 7}),
    ("4.500", "out", {
        "jsonrpc": "2.0", "id": 7,
        "result": {"uptime": 1003.0, "idle_time": 1802.2, "timestamp": EPOCH + 4.5},
    }),
    # the broker is silent, and t=9 is 5 s after the timeout: asked in the background,
    # not waited for; the last figures go at once, 7.8 s old
    ("9.000", "in", broker_request(7, "RPCGetSysMetrics")),
    ("9.000", "to-broker", "RPCGetMessageStats sysmon-rpc-3"),
    ("9.000", "out", response(7, "RPCGetSysMetrics", sys_metrics(
        9.0, cpu=11.11, uptime=1007.5, swap=25.0, net_rx=1 << 20, net_tx=1 << 19,
        network=dashboard(lo=LO_IDLE, eth0={**ETH0, **ZERO_RATES}), **DAY_DISK,
        more={**NFS_HUNG, "message_stats": TOTAL_STATS, "message_stats_age_seconds": 7.8},
    ))),
    ("9.100", "from-broker", "sysmon-rpc-3 error: broker overloaded"),
    ("11.200", "in", broker_request(8, "RPCGetMemoryInfo")),
    ("11.200", "out", {
        "type": "error", "id": "RPCGetMemoryInfo",
        "payload": {"code": "ServiceUnavailable", "message": "/sim/proc is not readable: empty"},
        "error": "ServiceUnavailable: /sim/proc is not readable: empty",
        "source": "sysmon", "target": "access", "correlation_id": "access-rpc-8",
    }),
    ("44.200", "in", broker_request(9, "RPCGetSystemInfo")),
    ("44.200", "out", response(9, "RPCGetSystemInfo", {
        "hostname": "simhost", "kernel": "6.8.0-sim", "os": "Linux", "platform": "x86_64",
        "processors": 2,
        "boot_time": "2026-11-27T08:00:41Z",  # EPOCH + 41.2, whole seconds
        "boot_time_unix": 1_795_766_441,
        "distribution": "Sim Linux 1.0", "timestamp": EPOCH + 44.2,
    })),
    ("44.200", "in", broker_request(10, "RPCGetUptime")),
    ("44.200", "out", response(10, "RPCGetUptime", {
        "uptime": 3.0, "idle_time": 5.4, "timestamp": EPOCH + 44.2,
    })),
    ("44.200", "in", broker_request(11, "RPCCPUUsage")),
    ("44.200", "out", response(11, "RPCCPUUsage", {
        "user": 0.6, "nice": 0.0, "system": 0.0, "idle": 5.4, "iowait": 0.0, "irq": 0.0,
        "softirq": 0.0, "steal": 0.0, "guest": 0.0, "guest_nice": 0.0,
        "usage_percent": 0.0, "window_seconds": 35.2, "timestamp": EPOCH + 44.2,
    })),
    ("44.200", "in", broker_request(12, "RPCGetLoadAverage")),
    ("44.200", "out", response(12, "RPCGetLoadAverage", {
        "load1": 0.0, "load5": 0.0, "load15": 0.0,
        "runnable_tasks": 1,  # none in R: the reader itself
        "existing_tasks": 1, "last_pid": 1, "timestamp": EPOCH + 44.2,
    })),
    # the error reply at t=9.1 made the broker responsive again, and its 5 s are over:
    # asked and waited for
    ("49.200", "in", broker_request(13, "RPCGetSysMetrics")),
    ("49.200", "to-broker", "RPCGetMessageStats sysmon-rpc-4"),
    ("49.250", "from-broker", 'sysmon-rpc-4 ok {"total_messages":12}'),
    ("49.250", "out", response(13, "RPCGetSysMetrics", sys_metrics(
        49.2, cpu=0.0, uptime=8.0, swap=25.0, net_rx=0, net_tx=0,
        network=dashboard(lo=LO_IDLE, eth0={**counters(), **NO_RATES}), **DAY_DISK,
        more={**NFS_HUNG, "message_stats": {"total_messages": 12}},
    ))),
    # within the cache's second: the same metrics and statistics, the latter 0.05 s old
    ("49.300", "in", broker_request(14, "RPCGetSysMetrics", "last")),
    ("49.300", "out", response(14, "RPCGetSysMetrics", sys_metrics(
        49.2, cpu=0.0, uptime=8.0, swap=25.0, net_rx=0, net_tx=0,
        network=dashboard(lo=LO_IDLE, eth0={**counters(), **NO_RATES}), **DAY_DISK,
        more={**NFS_HUNG, "message_stats": {"total_messages": 12},
              "message_stats_age_seconds": 0.05},
    ), cid="last")),
]  # fmt: skip
