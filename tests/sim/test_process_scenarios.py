"""Processes coming and going, odd names, and churn in the middle of a scan."""

import pytest

from sysmon.app.config import Settings


@pytest.fixture
def sim_settings():
    return Settings(cache_duration=0.0)


def test_process_churn_during_a_scan(sim_service, fake_host):
    host = fake_host
    workers = host.spawn_many(3, "worker")  # pids 2, 3, 4, sleeping
    assert workers == [2, 3, 4]
    assert host.spawn("nginx: master", "R") == 5
    assert host.spawn("my (weird) proc", "D", threads=2) == 6
    assert host.spawn("zombie", "Z") == 7
    assert host.spawn("stopped", "T") == 8
    assert host.spawn("x) R (y", "S") == 9  # the state is after the LAST ')': S, not R
    # The scan lists /proc, then opens each stat. Meanwhile:
    host.end(3, mid_scan=True)  # listed, but its stat is gone when opened
    host.break_file("/proc/2/stat", "empty")  # exiting: its stat reads empty
    host.end(4)  # gone before the listing
    assert host.spawn("late", "R", threads=4) == 10  # new since
    stats = sim_service.call("RPCGetProcessStats")
    # Counted: 1 S, 5 R, 6 D (2 threads), 7 Z, 8 T, 9 S, 10 R (4 threads); 2 and 3 skipped.
    assert stats == {
        "processes_running": 2,
        "processes_sleeping": 3,  # S, D, S
        "processes_stopped": 1,
        "processes_zombie": 1,
        "processes_total": 7,
        "threads": 11,
        "procs_blocked": 1,  # /proc/stat's count of tasks in D
        "timestamp": 1_795_766_400.0,  # the fake clock's start: no time has passed
    }
    sim_service.advance(1)  # pid 3's directory is gone by now
    host.repair("/proc/2/stat")
    stats = sim_service.call("RPCGetProcessStats")
    assert (stats["processes_sleeping"], stats["processes_total"], stats["threads"]) == (4, 8, 12)


def test_load_average_follows_the_script(sim_service, fake_host):
    fake_host.set_load(1.25, 0.5, 0.05)
    fake_host.spawn("busy", "R", threads=3)
    fake_host.spawn("idle")
    assert sim_service.call("RPCGetLoadAverage") == {
        "load1": 1.25,
        "load5": 0.5,
        "load15": 0.05,
        "runnable_tasks": 3,  # the R process's threads
        "existing_tasks": 5,  # 1 (pid 1) + 3 + 1
        "last_pid": 3,
        "timestamp": 1_795_766_400.0,
    }
