"""A container filling toward its memory limit, and one throttled on CPU, scripted on a
FakeHost in each cgroup layout (v2, v1, hybrid) and each emulated OS; values by hand.

The host has 2 CPUs at USER_HZ 100; sysmon sits in /kubepods/pod-1/app from the start, so
the CPU baseline at time 0 already reads the cgroup's counter.
"""

import json

import pytest

from sysmon.adapters.fake_host import FakeHost
from sysmon.app.config import Settings
from sysmon.app.fake_host_mode import build_host, read_scenario
from sysmon.app.sim import SimService

MIB = 1 << 20
APP = "/kubepods/pod-1/app"


@pytest.fixture(params=["v2", "v1", "hybrid"])
def layout(request):
    return request.param


@pytest.fixture
def fake_host(fake_fs, fake_clock, layout):
    host = FakeHost("/sim", fs=fake_fs, clock=fake_clock)
    host.use_cgroups(layout, APP)
    return host


@pytest.fixture
def sim_settings():
    return Settings(cache_duration=0.0)


def memory(sim):
    return sim.call("RPCGetContainerInfo")["memory"]


def test_a_container_filling_toward_its_memory_limit(sim_service, fake_host, layout):
    sim = sim_service
    fake_host.set_limits(memory=512 * MIB)
    fake_host.set_limits(at="/kubepods/pod-1", memory=1024 * MIB)  # larger: the app's binds
    fake_host.add_usage(memory=128 * MIB, inactive_file=64 * MIB)
    sim.advance(1.0)
    # working set 128 - 64 = 64 MiB of 512: 12.5 %
    assert memory(sim) == {"limit": 512 * MIB, "usage": 128 * MIB, "working_set": 64 * MIB,
                           "usage_percent": 12.5, "swap_limit": None, "swap_usage": 0,
                           "oom_kills": 0}  # fmt: skip
    fake_host.add_usage(memory=256 * MIB)  # 384 MiB, 320 of them working set: 62.5 %
    sim.advance(1.0)
    assert memory(sim)["usage_percent"] == 62.5
    fake_host.add_usage(memory=128 * MIB)  # 512 MiB, 448 working set: 87.5 %
    sim.advance(1.0)
    metrics = sim.call("RPCGetSysMetrics")
    assert metrics["container"]["memory_usage"] == 87.5
    assert metrics["memory_usage"] == 25.0  # the host's figure keeps its meaning
    fake_host.oom_kill()  # the kernel kills a task, the page cache goes too
    fake_host.add_usage(memory=-192 * MIB, inactive_file=-64 * MIB)
    sim.advance(1.0)
    after = memory(sim)
    # 320 MiB used, none of it inactive file: 320 / 512 = 62.5 %
    assert (after["oom_kills"], after["working_set"], after["usage_percent"]) == (
        1,
        320 * MIB,
        62.5,
    )


def test_the_parent_limit_binds_when_smaller(sim_service, fake_host):
    fake_host.set_limits(memory=512 * MIB, pids=100)
    fake_host.set_limits(at="/kubepods/pod-1", memory=256 * MIB, pids=20)
    fake_host.add_usage(memory=192 * MIB, pids=5)
    info = sim_service.call("RPCGetContainerInfo")
    assert (info["memory"]["limit"], info["memory"]["usage_percent"]) == (256 * MIB, 75.0)
    assert info["pids"] == {"current": 5, "limit": 20}


def test_a_container_throttled_on_cpu(sim_service, fake_host, layout):
    sim = sim_service
    fake_host.set_limits(cpu=1.0)  # one core of the host's two
    # One second: the app runs its whole quota, and 8 of 10 periods are throttled.
    fake_host.add_usage(cpu_seconds=1.0)
    fake_host.throttle(periods=10, throttled=8, seconds=0.4)
    sim.advance(1.0, busy=100)
    cpu = sim.call("RPCGetContainerInfo")["cpu"]
    assert cpu == {"quota_cores": 1.0, "usage_seconds": 1.0, "usage_percent": 100.0,
                   "throttled_periods": 8, "periods": 10, "throttled_seconds": 0.4,
                   "cpus": 2}  # fmt: skip
    # The host sees 100 of 200 ticks busy: 50 % over the same window.
    host_cpu = sim.call("RPCCPUUsage")
    assert (host_cpu["usage_percent"], host_cpu["window_seconds"]) == (50.0, 1.0)
    # Half a core for two seconds: 0.6 s used is 0.6 / 2 / 0.5 = 60 %.
    fake_host.set_limits(cpu=0.5)
    fake_host.add_usage(cpu_seconds=0.6)
    fake_host.throttle(periods=20, throttled=20, seconds=1.4)
    sim.advance(2.0, busy=60)
    metrics = sim.call("RPCGetSysMetrics")
    assert (metrics["cpu_usage"], metrics["container"]["cpu_usage"]) == (15.0, 60.0)
    cpu = sim.call("RPCGetContainerInfo")["cpu"]
    assert (cpu["quota_cores"], cpu["periods"], cpu["throttled_periods"]) == (0.5, 30, 28)
    assert cpu["throttled_seconds"] == pytest.approx(1.8)


def test_without_a_quota_the_share_is_of_the_cpuset(sim_service, fake_host):
    fake_host.set_limits(cpus="1")  # pinned to one CPU, no quota
    fake_host.add_usage(cpu_seconds=0.25)
    sim_service.advance(1.0, busy=25)
    cpu = sim_service.call("RPCGetContainerInfo")["cpu"]
    assert (cpu["quota_cores"], cpu["cpus"], cpu["usage_percent"]) == (None, 1, 25.0)
    assert "container" not in sim_service.call("RPCGetSysMetrics")  # no limit, no object


def test_pressure_raised_on_the_host_and_in_the_cgroup(sim_service, fake_host, layout):
    fake_host.raise_pressure("memory", some=[10.0, 5.0, 1.0, 2.5], full=[4.0, 2.0, 0.5, 1.0])
    fake_host.raise_pressure("memory", some=[12.0, 6.0, 1.5, 0.5])
    pressure = sim_service.call("RPCGetPressure")
    assert pressure["memory"] == {
        "some": {"avg10": 12.0, "avg60": 6.0, "avg300": 1.5, "total_seconds": 3.0},
        "full": {"avg10": 4.0, "avg60": 2.0, "avg300": 0.5, "total_seconds": 1.0},
    }
    assert pressure["irq"] == {
        "some": None,
        "full": {"avg10": 0.0, "avg60": 0.0, "avg300": 0.0, "total_seconds": 0.0},
    }
    if layout == "v1":  # no cgroup2 mounted
        assert pressure["cgroup"] is None
        assert pressure["unavailable"] == {"cgroup": "no cgroup2 filesystem is mounted"}
        return
    fake_host.raise_pressure("cpu", some=[50.0, 40.0, 30.0, 7.0], cgroup=True)
    cgroup = sim_service.call("RPCGetPressure")["cgroup"]
    assert cgroup["path"] == (APP if layout == "v2" else "/")
    assert cgroup["cpu"]["some"] == {"avg10": 50.0, "avg60": 40.0, "avg300": 30.0,
                                     "total_seconds": 7.0}  # fmt: skip


def test_the_verbs_refuse_what_no_kernel_does(fake_host):
    with pytest.raises(ValueError, match="inactive_file is part of memory"):
        fake_host.add_usage(inactive_file=MIB)
    with pytest.raises(ValueError, match="0 <= throttled <= periods"):
        fake_host.throttle(periods=1, throttled=2, seconds=0.1)
    with pytest.raises(KeyError, match="/elsewhere is not the host's cgroup"):
        fake_host.set_limits(at="/elsewhere", memory=1)
    with pytest.raises(TypeError, match="unknown limit: memroy"):
        fake_host.set_limits(memroy=1)
    with pytest.raises(ValueError, match="irq some"):
        fake_host.raise_pressure("irq", some=[1.0, 1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="set once"):
        fake_host.use_cgroups("v2")


def test_a_scenario_file_scripts_the_same(tmp_path, fake_clock):
    scenario = tmp_path / "oom.json"
    scenario.write_text(json.dumps({"steps": [
        {"do": "use_cgroups", "layout": "v2", "path": "/app"},
        {"do": "set_limits", "memory": 256 * MIB, "cpu": 0.5},
        {"do": "add_usage", "memory": 192 * MIB, "inactive_file": 64 * MIB},
        {"do": "oom_kill", "count": 2},
        {"do": "throttle", "periods": 4, "throttled": 1, "seconds": 0.01},
        {"do": "raise_pressure", "resource": "io", "some": [1.0, 0.5, 0.25, 3.0]},
    ]}))  # fmt: skip
    host = build_host(read_scenario(str(scenario)), str(tmp_path / "host"), fake_clock)
    sim = SimService(host, settings=Settings(cache_duration=0.0), clock=fake_clock)
    sim.start()
    info = sim.call("RPCGetContainerInfo")
    # 192 - 64 = 128 MiB of 256: 50 %
    assert (info["memory"]["usage_percent"], info["memory"]["oom_kills"]) == (50.0, 2)
    assert (info["cpu"]["quota_cores"], info["cpu"]["throttled_periods"]) == (0.5, 1)
    assert sim.call("RPCGetPressure")["io"]["some"]["total_seconds"] == 3.0
