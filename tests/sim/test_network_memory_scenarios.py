"""Interfaces that come, go, wrap and reset; swap that appears."""

import pytest

from sysmon.app.config import Settings

GIB = 1 << 30
MIB = 1 << 20


@pytest.fixture
def sim_settings():
    return Settings(cache_duration=0.0)


def test_an_interface_that_disappears(sim_service, fake_host):
    fake_host.add_interface("wlan0")
    fake_host.move("eth0", rx_bytes=1000, tx_bytes=500, rx_packets=10, tx_packets=5)
    fake_host.move("wlan0", rx_bytes=300, tx_bytes=200, rx_errors=1, tx_dropped=2)
    fake_host.move("lo", rx_bytes=50, tx_bytes=50)
    stats = sim_service.call("RPCGetNetworkStats")
    assert list(stats["network"]) == ["lo", "eth0", "wlan0"]
    assert stats["network"]["wlan0"] == {
        "rx_bytes": 300,
        "tx_bytes": 200,
        "rx_packets": 0,
        "tx_packets": 0,
        "rx_errors": 1,
        "tx_errors": 0,
        "rx_dropped": 0,
        "tx_dropped": 2,
        # not there at the baseline: no window to take a rate over
        "rx_bytes_per_s": None,
        "tx_bytes_per_s": None,
        "rx_packets_per_s": None,
        "tx_packets_per_s": None,
    }
    assert (stats["total_rx"], stats["total_tx"]) == (1300, 700)  # lo left out
    fake_host.remove_interface("wlan0")
    sim_service.wait(1.0)  # within 100 ms of the last sample, the last window would answer
    stats = sim_service.call("RPCGetNetworkStats")
    assert list(stats["network"]) == ["lo", "eth0"]
    assert (stats["total_rx"], stats["total_tx"]) == (1000, 500)
    metrics = sim_service.call("RPCGetSysMetrics")
    assert (metrics["net_rx"], metrics["net_tx"]) == (1000, 500)
    assert metrics["network"]["eth0"]["rx"] == 1000
    assert "wlan0" not in metrics["network"]


def test_counters_wrap_and_reset_as_the_kernel_reports_them(sim_service, fake_host):
    fake_host.add_interface("ppp0", width=32, rx_bytes=(1 << 32) - 100)
    fake_host.move("ppp0", rx_bytes=250)  # past 2**32: 150
    fake_host.move("eth0", tx_bytes=(1 << 64) - 10)
    fake_host.move("eth0", tx_bytes=30)  # a 64-bit counter wraps too: 20
    network = sim_service.call("RPCGetNetworkStats")["network"]
    assert (network["ppp0"]["rx_bytes"], network["eth0"]["tx_bytes"]) == (150, 20)
    fake_host.reset_interface("ppp0")
    sim_service.wait(1.0)
    network = sim_service.call("RPCGetNetworkStats")["network"]
    assert network["ppp0"]["rx_bytes"] == 0
    assert network["ppp0"]["rx_bytes_per_s"] is None  # 150 -> 0: a reset, not a rate


def test_swap_appearing(sim_service, fake_host):
    memory = sim_service.call("RPCGetMemoryInfo")
    assert (memory["swap_total"], memory["swap_used"], memory["swap_usage_percent"]) == (0, 0, 0.0)
    assert sim_service.call("RPCGetSysMetrics")["swap_usage"] == 0.0
    fake_host.set_memory(swap_total=2 * GIB, swap_free=1536 * MIB)  # swapon: 512 MiB in use
    memory = sim_service.call("RPCGetMemoryInfo")
    assert memory == {
        "total": 8 * GIB,
        "available": 6 * GIB,
        "used": 2 * GIB,
        "usage_percent": 25.0,
        "free": 4 * GIB,
        "buffers": 128 * MIB,
        "cached": (1536 + 128) * MIB,  # Cached + SReclaimable
        "shared": 64 * MIB,
        "swap_total": 2 * GIB,
        "swap_free": 1536 * MIB,
        "swap_used": 512 * MIB,
        "swap_usage_percent": 25.0,
        # sampled 0.1 s in: the first RPCGetSysMetrics waited out the first CPU window
        "timestamp": 1_795_766_400.1,
    }
    assert sim_service.call("RPCGetSysMetrics")["swap_usage"] == 25.0


def test_an_old_kernel_without_memavailable_estimates_it_from_zoneinfo(sim_service, fake_host):
    fake_host.set_memory(remove=["MemAvailable"])
    fake_host.set_low_watermarks(Normal=16384)  # 64 MiB of 4 KiB pages
    # free 4096 MiB - low 64 + page cache 2048 - min(1024, 64) + SReclaimable 128 - min(64, 64)
    memory = sim_service.call("RPCGetMemoryInfo")
    assert (memory["available"], memory["usage_percent"]) == (6080 * MIB, 25.78)  # 2112 of 8192
