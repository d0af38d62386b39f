"""A large host: 10,000 processes, 200 interfaces, 50 mounts, read whole by the service.

It lives in a real directory (in RAM where there is one), not in pyfakefs: pyfakefs
spends about a millisecond on each file operation, so 10,000 stat files written and
scanned would take many seconds per emulated OS. The FakeHost and the service are the
same either way; here statvfs figures come from host.json (``HostJsonReader``).
"""

from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.fake_host import FakeHost
from sysmon.app.sim import SimService

GIB = 1 << 30


def test_a_large_host(ram_dir):
    clock = FakeClock()
    host = FakeHost(f"{ram_dir}/host", clock=clock)
    with host.batch():  # written in one pass
        host.spawn_many(6999, "worker")  # with pid 1: 7000 sleeping
        host.spawn_many(2000, "compute", "R", threads=2)
        host.spawn_many(500, "io wait", "D")
        host.spawn_many(300, "defunct", "Z")
        host.spawn_many(200, "stopped (job)", "T")
        for number in range(1, 199):  # with lo and eth0: 200 interfaces
            host.add_interface(f"veth{number}", rx_bytes=1000 * number, tx_bytes=10 * number)
        for number in range(1, 46):  # with /, /proc, /sys, /dev and /run: 50 mounts
            host.mount(f"/data/{number:02d}", "xfs", total=50 * GIB, used=number * GIB)
        host.move("eth0", rx_bytes=5000, tx_bytes=3000)
        host.move("lo", rx_bytes=777, tx_bytes=777)
    sim = SimService(host, clock=clock)
    sim.start()
    sim.advance(1, busy=100)

    assert sim.call("RPCGetProcessStats") == {
        "processes_running": 2000,
        "processes_sleeping": 7500,  # 7000 S and 500 D
        "processes_stopped": 200,
        "processes_zombie": 300,
        "processes_total": 10000,
        "threads": 12000,  # 7000 + 2000 x 2 + 500 + 300 + 200
        "procs_blocked": 500,
        "timestamp": 1_795_766_401.0,
    }
    load = sim.call("RPCGetLoadAverage")
    assert (load["runnable_tasks"], load["existing_tasks"]) == (4000, 12000)
    assert load["last_pid"] == 10000
    metrics = sim.call("RPCGetSysMetrics")
    assert metrics["cpu_usage"] == 50.0
    assert len(metrics["network"]) == 200
    # 1000 x (1 + ... + 198) = 1000 x 19701, plus eth0; lo is left out
    assert (metrics["net_rx"], metrics["net_tx"]) == (19_706_000, 200_010)
    assert len(metrics["disk"]) == 46  # / and the 45 data filesystems; pseudo ones left out
    # totals: 64 GiB + 45 x 50 GiB; used: 16 GiB + (1 + ... + 45) GiB = 16 + 1035
    assert (metrics["disk_total"], metrics["disk_usage"]) == (2314 * GIB, 1051 * GIB)
    assert metrics["disk"]["/data/45"] == {
        "used": 45 * GIB,
        "total": 50 * GIB,
        "free": 5 * GIB,
        "used_percent": 90.0,
        "fstype": "xfs",
    }
