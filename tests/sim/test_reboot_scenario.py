"""A reboot mid-run: counters, uptime and btime start again under a running service."""

import pytest

from sysmon.app.config import Settings

EPOCH = 1_795_766_400.0  # FakeClock's start: 2026-11-27T08:00:00Z; the host booted 1000 s before


@pytest.fixture
def sim_settings():
    return Settings(cache_duration=0.0)


def test_a_reboot_mid_run(sim_service, fake_host):
    sim = sim_service
    for name in ("nginx", "postgres", "cron"):
        fake_host.spawn(name)
    fake_host.move("eth0", rx_bytes=5000, tx_bytes=3000)
    sim.advance(1, busy=100)  # 100 of 200
    assert sim.call("RPCCPUUsage")["usage_percent"] == 50.0
    before = sim.call("RPCGetSystemInfo")
    assert (before["boot_time"], before["boot_time_unix"]) == ("2026-11-27T07:43:20Z", 1795765400)
    assert sim.call("RPCGetProcessStats")["processes_total"] == 4

    fake_host.reboot(downtime=60)  # down a minute; boots at EPOCH + 1 + 60
    sim.advance(1, busy=40)

    # Every counter went back below the window's start: each step clamps to 0, and a
    # window in which nothing moved is 0 %, never negative, never a guess.
    assert sim.call("RPCCPUUsage")["usage_percent"] == 0.0
    assert sim.call("RPCGetUptime") == {"uptime": 1.0, "idle_time": 1.6, "timestamp": EPOCH + 62}
    info = sim.call("RPCGetSystemInfo")
    assert (info["boot_time"], info["boot_time_unix"]) == ("2026-11-27T08:01:01Z", 1795766461)
    processes = sim.call("RPCGetProcessStats")
    assert (processes["processes_total"], processes["processes_sleeping"]) == (1, 1)
    network = sim.call("RPCGetNetworkStats")
    assert (network["total_rx"], network["total_tx"]) == (0, 0)

    sim.advance(1, busy=60)  # the first window wholly after the boot: 60 of 200
    cpu = sim.call("RPCCPUUsage")
    assert (cpu["usage_percent"], cpu["user"], cpu["idle"]) == (30.0, 1.0, 3.0)
    assert fake_host.spawn("sshd") == 2  # pids count from 1 again
