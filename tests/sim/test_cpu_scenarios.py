"""CPU usage over scripted windows: every percentage worked out from the ticks by hand.

The minimal host has 2 CPUs at USER_HZ 100, so a second holds 200 ticks; whatever the
script does not spend is idle. Since boot it has spent (aggregate ticks) user 10000,
system 6000, idle 180000, iowait 2000, softirq 1000, steal 1000.
"""

import pytest

from sysmon.app.config import Settings

EPOCH = 1_795_766_400.0


@pytest.fixture
def sim_settings():
    return Settings(cache_duration=0.0)  # every request samples; windows are the point here


def window(sim):
    payload = sim.call("RPCCPUUsage")
    return payload["usage_percent"], payload["window_seconds"]


def test_cpu_ramps_over_windows_with_exact_percentages(sim_service):
    sim = sim_service
    sim.advance(1, busy=20)  # 20 busy of 200
    assert window(sim) == (10.0, 1.0)
    sim.advance(1, busy=50, system=30, iowait=20)  # user + system 80 of 200: iowait is idle
    assert window(sim) == (40.0, 1.0)
    sim.advance(2, busy=300, steal=50)  # 350 of 400: steal is busy
    assert window(sim) == (87.5, 2.0)
    sim.advance(1, busy=150, irq=20, softirq=30)  # 200 of 200
    assert window(sim) == (100.0, 1.0)
    sim.advance(0.5)  # all 100 ticks idle
    payload = sim.call("RPCCPUUsage")
    assert payload == {
        "user": 105.2,  # (10000 + 20 + 50 + 300 + 150) / 100
        "nice": 0.0,
        "system": 60.3,  # (6000 + 30) / 100
        "idle": 1804.3,  # (180000 + 180 + 100 + 50 + 0 + 100) / 100
        "iowait": 20.2,
        "irq": 0.2,
        "softirq": 10.3,
        "steal": 10.5,
        "guest": 0.0,
        "guest_nice": 0.0,
        "usage_percent": 0.0,
        "window_seconds": 0.5,
        "timestamp": EPOCH + 5.5,
    }


def test_sys_metrics_reports_the_same_window(sim_service):
    sim_service.advance(1, busy=130, system=20)  # 150 of 200
    assert sim_service.call("RPCGetSysMetrics")["cpu_usage"] == 75.0
    # Within 100 ms of that sample, the last complete window answers again.
    assert window(sim_service) == (75.0, 1.0)


def test_guest_time_is_not_counted_twice(sim_service):
    sim = sim_service
    # 80 ticks of guest are inside user already: user moves by 20 + 80, guest by 80.
    # Total = 100 user + 100 idle = 200 and busy = 100: 50 %; counting guest again
    # would give 180 of 280 (64.29 %).
    sim.advance(1, busy=20, guest=80)
    payload = sim.call("RPCCPUUsage")
    assert payload["usage_percent"] == 50.0
    assert (payload["user"], payload["guest"]) == (101.0, 0.8)
    # Likewise guest_nice inside nice: nice 10 + 40, idle 150; 50 of 200, not 90 of 240.
    sim.advance(1, nice=10, guest_nice=40)
    payload = sim.call("RPCCPUUsage")
    assert payload["usage_percent"] == 25.0
    assert (payload["nice"], payload["guest_nice"]) == (0.5, 0.4)


def test_a_counter_stepping_back_is_clamped_at_zero(sim_service, fake_host):
    sim = sim_service
    sim.advance(1, busy=50, iowait=30)  # iowait 2000 -> 2030, idle 180000 -> 180120
    fake_host.set_cpu(iowait=1990)  # then iowait steps back, 10 below the window's start
    # Δuser 50, Δidle 120, Δiowait clamped to 0: 50 busy of 170. Unclamped it would be
    # 50 of 160 (31.25 %).
    assert window(sim) == (29.41, 1.0)
    sim.advance(1, busy=100)  # from the stepped-back counters on, all is plain again
    assert window(sim) == (50.0, 1.0)
    assert sim.call("RPCCPUUsage")["iowait"] == 19.9
