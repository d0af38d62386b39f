"""/proc becoming unusable (ServiceUnavailable) and coming back, as the broker sees it."""

import pytest

from sysmon.app.config import Settings
from sysmon.domain.metrics import METHODS  # every one of them reads procfs


@pytest.fixture
def sim_settings():
    return Settings(cache_duration=0.0)


def errors(sim):
    replies = {method: sim.request(method) for method in METHODS}
    return {method: (r["type"], r["error"], r["payload"]["code"]) for method, r in replies.items()}


def test_procfs_unmounted_then_back(sim_service, fake_host):
    sim = sim_service
    sim.advance(1, busy=20)
    assert sim.call("RPCCPUUsage")["usage_percent"] == 10.0
    fake_host.hide_procfs()  # an empty directory where /proc was, as an unmounted procfs
    sim.advance(1, busy=100)
    text = "ServiceUnavailable: /sim/proc is not readable: empty"
    assert errors(sim) == dict.fromkeys(METHODS, ("error", text, "ServiceUnavailable"))
    fake_host.restore_procfs()
    sim.advance(1, busy=60)
    # The window runs from the last sample that worked (t = 1) to now (t = 3):
    # user 100 + 60 of 400 ticks.
    cpu = sim.call("RPCCPUUsage")
    assert (cpu["usage_percent"], cpu["window_seconds"]) == (40.0, 2.0)
    assert sim.call("RPCGetUptime")["uptime"] == 1003.0


def test_procfs_gone_entirely(sim_service, fake_host):
    fake_host.hide_procfs("missing")
    reply = sim_service.request("RPCGetLoadAverage")
    assert reply["error"] == "ServiceUnavailable: /sim/proc is not readable: missing"
    fake_host.restore_procfs()
    assert sim_service.call("RPCGetLoadAverage")["existing_tasks"] == 1


@pytest.mark.posix_permissions
def test_procfs_unreadable_for_a_non_root_reader(sim_service, fake_host):
    fake_host.hide_procfs("unreadable")
    reply = sim_service.request("RPCGetUptime")
    assert reply["type"] == "response"  # root reads anything, as on Linux
    with fake_host.unprivileged():
        reply = sim_service.request("RPCGetUptime")
        assert reply["error"] == "ServiceUnavailable: /sim/proc is not readable: permission denied"
        fake_host.restore_procfs()
        assert sim_service.call("RPCGetUptime")["uptime"] == 1000.0


@pytest.mark.posix_permissions
def test_one_unreadable_file_is_an_internal_error_naming_it(sim_service, fake_host):
    fake_host.break_file("/proc/loadavg", "unreadable")
    with fake_host.unprivileged():
        reply = sim_service.request("RPCGetLoadAverage")
        assert reply["error"] == "InternalError: /proc/loadavg: permission denied"
        fake_host.repair("/proc/loadavg")
        assert sim_service.call("RPCGetLoadAverage")["load1"] == 0.0


@pytest.mark.parametrize(
    ("how", "error"),
    [
        ("missing", "InternalError: /proc/meminfo: missing"),
        ("empty", "InternalError: /proc/meminfo: empty"),
        ("garbage", "InternalError: /proc/meminfo: no parseable line"),
        ("truncated", "InternalError: /proc/meminfo: no MemFree line"),
    ],
)
def test_a_broken_file_is_named_relative_to_the_procfs_root(sim_service, fake_host, how, error):
    # "truncated" keeps 40 bytes: the 28-byte MemTotal line, and "MemFree:" without its
    # number, a line that does not parse.
    fake_host.break_file("/proc/meminfo", how, keep=40)
    reply = sim_service.request("RPCGetMemoryInfo")
    assert (reply["type"], reply["error"]) == ("error", error)
    fake_host.repair("/proc/meminfo")
    assert sim_service.call("RPCGetMemoryInfo")["total"] == 8 << 30
