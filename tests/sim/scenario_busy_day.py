"""A busy day on a simulated host, as one transcript: the determinism tests run it twice
in-process, under each emulated OS, and in other processes with other hash seeds.

Run as a script (``python scenario_busy_day.py linux``) it prints the transcript.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sysmon.adapters.fake_broker import Fail, Reply, Silence
from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.fake_host import FakeHost
from sysmon.app.config import Settings
from sysmon.app.sim import SimService

GIB = 1 << 30
THIS_VM = str(Path(__file__).resolve().parents[2] / "sysmon" / "hosts" / "this-vm")


def busy_day(fs) -> str:
    """The transcript of the day; ``fs`` is an active pyfakefs file system."""
    clock = FakeClock()
    host = FakeHost("/sim", fs=fs, clock=clock)
    sim = SimService(host, clock=clock, settings=Settings(broker_retry=5.0))
    sim.broker.script(
        "RPCGetMessageStats",
        Reply({"total": {"total_sent": 3, "total_received": 4}}, delay=0.2),
        Silence(),
        Fail("broker overloaded", delay=0.1),
        Reply({"total_messages": 12}, delay=0.05),
    )
    sim.start()
    sim.advance(1, busy=30, system=10)
    sim.request("RPCGetSysMetrics")
    sim.wait(0.5)
    for name, state in (("nginx: master", "S"), ("a) b", "R"), ("db (main)", "D")):
        host.spawn(name, state, threads=2)
    host.add_interface("wlan0", rx_bytes=4000)
    host.move("eth0", rx_bytes=1 << 20, tx_bytes=1 << 19, rx_packets=900, tx_packets=700)
    host.mount("/data", "xfs", total=500 * GIB, used=123 * GIB)
    host.mount("/mnt/nfs", "nfs4", total=GIB, used=0, source="nas:/vol")
    sim.deadline.hang("/mnt/nfs")
    sim.advance(2, busy=250, iowait=50, steal=10, guest=30)
    for method in ("RPCGetProcessStats", "RPCGetNetworkStats", "RPCGetDiskUsage", "RPCCPUUsage"):
        sim.request(method)
    sim.request("RPCGetSysMetrics")  # the broker says nothing: answered at the timeout
    sim.wait(1)
    sim.send(b'{"type":"request","id":"RPCNoSuchThing","source":"access","correlation_id":"x"}')
    sim.send(b"not json at all")
    sim.jsonrpc("RPCGetUptime", request_id=7)
    host.remove_interface("wlan0")
    host.end(2)
    host.set_memory(swap_total=4 * GIB, swap_free=3 * GIB)
    sim.advance(4.5, busy=100)
    sim.request("RPCGetSysMetrics")  # the pause is over: the broker fails fast
    sim.wait(0.2)
    host.hide_procfs()
    sim.advance(2)
    sim.request("RPCGetMemoryInfo")
    host.restore_procfs()
    host.reboot(downtime=30)
    sim.advance(3, busy=60)
    for method in ("RPCGetSystemInfo", "RPCGetUptime", "RPCCPUUsage", "RPCGetLoadAverage"):
        sim.request(method)
    sim.advance(5)
    sim.request("RPCGetSysMetrics")
    sim.wait(0.1)
    sim.request("RPCGetSysMetrics", correlation_id="last")
    sim.eof()
    return sim.transcript.text()


def captured_day(fs) -> str:
    """A shorter day over the captured tree of this VM."""
    clock = FakeClock()
    host = FakeHost.from_tree(THIS_VM, "/vm", fs=fs, clock=clock)
    sim = SimService(host, clock=clock)
    sim.start()
    sim.advance(1, busy=20)
    for method in ("RPCGetSystemInfo", "RPCGetProcessStats", "RPCGetDiskUsage", "RPCGetSysMetrics"):
        sim.request(method)
    return sim.transcript.text()


def main(os_name: str) -> None:
    from pyfakefs.fake_filesystem import OSType
    from pyfakefs.fake_filesystem_unittest import Patcher

    texts = []
    for day in (busy_day, captured_day):
        with Patcher() as patcher:
            patcher.fs.os = {"linux": OSType.LINUX, "macos": OSType.MACOS}.get(
                os_name, OSType.WINDOWS
            )
            texts.append(day(patcher.fs))
    sys.stdout.buffer.write("".join(texts).encode())


if __name__ == "__main__":
    main(sys.argv[1])
