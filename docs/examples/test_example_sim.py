"""sysmon in simulation, in your own test suite: install sysmon-service[sim], copy this file.

The fixtures come from sysmon's pytest plugin: ``fake_host`` (a Linux host written in a
fake file system), ``fake_broker``, ``fake_clock`` and ``sim_service`` (the real service
over the fake host, started at simulated time 0). Nothing here touches the real /proc,
sleeps or reads the wall clock; every run gives the same answers.
"""

import pytest

from sysmon.adapters.fake_broker import FakeBroker, Reply, Silence
from sysmon.adapters.fake_host import FakeHost
from sysmon.app.config import Settings
from sysmon.app.sim import SimService

GIB = 1 << 30


@pytest.fixture
def sim_settings() -> Settings:
    """The service's settings: here without the 1 s cache, so each request samples anew."""
    return Settings(cache_duration=0.0)


def test_cpu_usage_is_measured_over_the_last_window(sim_service: SimService) -> None:
    # The host has 2 CPUs at 100 ticks a second: 200 ticks a second in all.
    sim_service.advance(1.0, busy=150)  # 150 ticks busy, the other 50 idle
    assert sim_service.call("RPCCPUUsage")["usage_percent"] == 75.0
    sim_service.advance(2.0, busy=100, iowait=100)  # iowait counts as idle
    assert sim_service.call("RPCCPUUsage")["usage_percent"] == 25.0


def test_a_dashboard_keeps_working_when_the_broker_is_silent(
    sim_service: SimService, fake_broker: FakeBroker
) -> None:
    fake_broker.script("RPCGetMessageStats", Silence(), Reply({"total_messages": 7}))
    sim_service.advance(1.0)
    assert sim_service.request("RPCGetSysMetrics", correlation_id="poll-1") is None
    (reply,) = sim_service.wait(0.5)  # sysmon_broker_timeout, paid once: then no poll waits
    assert reply["correlation_id"] == "poll-1"
    assert "message_stats" not in reply["payload"]
    sim_service.wait(31)  # past sysmon_broker_retry (30 s): the broker is asked again...
    metrics = sim_service.call("RPCGetSysMetrics")  # ...in the background: answered at once
    assert "message_stats" not in metrics
    sim_service.wait(0.25)  # its answer came meanwhile, and is given with its age
    metrics = sim_service.call("RPCGetSysMetrics")
    assert metrics["message_stats"] == {"total_messages": 7}
    assert metrics["message_stats_age_seconds"] == 0.25


@pytest.mark.parametrize("sim_os", ["linux", "macos", "windows"])
def test_a_new_disk_shows_up_whatever_os_runs_the_tests(
    sim_service: SimService, fake_host: FakeHost, sim_os: str
) -> None:
    fake_host.mount("/data", "xfs", total=200 * GIB, used=50 * GIB)
    disk = sim_service.call("RPCGetDiskUsage")["disk"]
    assert disk["/data"] == {
        "used": 50 * GIB,
        "total": 200 * GIB,
        "free": 150 * GIB,
        "used_percent": 25.0,
        "fstype": "xfs",
    }


def test_proc_going_away_is_reported_and_survived(
    sim_service: SimService, fake_host: FakeHost
) -> None:
    fake_host.hide_procfs()  # as if /proc were unmounted
    reply = sim_service.request("RPCGetMemoryInfo")
    assert reply is not None
    assert reply["error"] == "ServiceUnavailable: /sim/proc is not readable: empty"
    fake_host.restore_procfs()
    assert sim_service.call("RPCGetMemoryInfo")["usage_percent"] == 25.0


def test_the_transcript_records_every_message(sim_service: SimService, fake_host: FakeHost) -> None:
    fake_host.spawn("nginx: worker", state="R")
    sim_service.advance(1.0)
    sim_service.call("RPCGetProcessStats")
    lines = sim_service.transcript.text().splitlines()
    assert lines[0].startswith('   0.000 out {"type":"event","id":"subprocess_ready"')
    assert lines[1].startswith('   1.000 in {"type":"request","id":"RPCGetProcessStats"')
    assert '"processes_running":1,' in lines[2]
