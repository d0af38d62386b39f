"""Network rates over the service's window: per interface, totals without lo, and the
windows where a rate cannot be trusted (a wrap, a reset, an interface that came back)."""

import pytest

from sysmon.app.config import Settings


@pytest.fixture
def sim_settings():
    return Settings(cache_duration=0.0)


def rates(dev):
    return [dev[f"{c}_per_s"] for c in ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets")]


def totals(stats):
    return [stats[f"total_{c}_per_s"] for c in ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets")]


def test_rates_are_steps_over_the_window_and_totals_leave_out_lo(sim_service, fake_host):
    fake_host.add_interface("wlan0")
    sim_service.wait(1.0)
    sim_service.call("RPCGetNetworkStats")  # wlan0 is in this window's baseline from now on
    fake_host.move("eth0", rx_bytes=3000, tx_bytes=600, rx_packets=20, tx_packets=6)
    fake_host.move("wlan0", rx_bytes=500, tx_packets=1)
    fake_host.move("lo", rx_bytes=4000, tx_bytes=4000, rx_packets=8, tx_packets=8)
    sim_service.wait(2.0)
    stats = sim_service.call("RPCGetNetworkStats")
    assert stats["window_seconds"] == 2.0
    assert rates(stats["network"]["eth0"]) == [1500.0, 300.0, 10.0, 3.0]
    assert rates(stats["network"]["wlan0"]) == [250.0, 0.0, 0.0, 0.5]
    assert rates(stats["network"]["lo"]) == [2000.0, 2000.0, 4.0, 4.0]
    assert totals(stats) == [1750.0, 300.0, 10.0, 3.5]  # eth0 + wlan0


def test_the_first_request_waits_for_a_100ms_window(sim_service, fake_host):
    fake_host.move("eth0", rx_bytes=100)
    stats = sim_service.call("RPCGetNetworkStats")
    assert stats["window_seconds"] == 0.1
    assert stats["network"]["eth0"]["rx_bytes_per_s"] == 1000.0  # 100 bytes in 0.1 s


def test_a_counter_that_wraps_or_resets_has_no_rate_for_that_window(sim_service, fake_host):
    fake_host.add_interface("ppp0", width=32, rx_bytes=(1 << 32) - 100)
    sim_service.wait(1.0)
    sim_service.call("RPCGetNetworkStats")
    fake_host.move("ppp0", rx_bytes=250, tx_bytes=40)  # rx past 2**32: 150
    sim_service.wait(1.0)
    stats = sim_service.call("RPCGetNetworkStats")
    assert rates(stats["network"]["ppp0"]) == [None, 40.0, 0.0, 0.0]
    assert totals(stats) == [None, 40.0, 0.0, 0.0]
    fake_host.move("ppp0", rx_bytes=50)  # the next window is whole again: 150 -> 200
    sim_service.wait(1.0)
    assert rates(sim_service.call("RPCGetNetworkStats")["network"]["ppp0"])[0] == 50.0
    fake_host.reset_interface("ppp0")
    sim_service.wait(1.0)
    # rx 200 -> 0 and tx 40 -> 0: reset; the packet counters stayed at 0, a true 0
    assert rates(sim_service.call("RPCGetNetworkStats")["network"]["ppp0"]) == [None, None, 0, 0]


def test_an_interface_that_goes_and_comes_back_gives_no_spike(sim_service, fake_host):
    sim_service.wait(1.0)
    sim_service.call("RPCGetNetworkStats")
    fake_host.remove_interface("eth0")
    sim_service.wait(1.0)
    stats = sim_service.call("RPCGetNetworkStats")
    assert "eth0" not in stats["network"]
    assert totals(stats) == [0.0, 0.0, 0.0, 0.0]
    fake_host.add_interface("eth0", rx_bytes=10**9, tx_bytes=10**8)  # back with counters
    sim_service.wait(1.0)
    stats = sim_service.call("RPCGetNetworkStats")
    assert rates(stats["network"]["eth0"]) == [None] * 4
    assert totals(stats) == [None] * 4
    fake_host.move("eth0", rx_bytes=2000)
    sim_service.wait(1.0)
    assert rates(sim_service.call("RPCGetNetworkStats")["network"]["eth0"]) == [2000.0, 0, 0, 0]


def test_sys_metrics_reads_the_same_sampler(sim_service, fake_host):
    sim_service.wait(1.0)
    sim_service.call("RPCGetNetworkStats")
    fake_host.move("eth0", rx_bytes=800, tx_bytes=200)
    sim_service.wait(4.0)
    network = sim_service.call("RPCGetSysMetrics")["network"]
    assert rates(network["eth0"]) == [200.0, 50.0, 0.0, 0.0]
    # the window was taken by RPCGetSysMetrics: 0.05 s later the same window answers
    sim_service.wait(0.05)
    assert rates(sim_service.call("RPCGetNetworkStats")["network"]["eth0"]) == [200.0, 50.0, 0, 0]
