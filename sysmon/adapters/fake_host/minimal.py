"""The host a ``FakeHost`` starts as when no captured tree is given: small, modern, round.

Round figures so that a test can work its expected values out by hand: 1000 s up, each
CPU 5 % user, 3 % system, 90 % idle, 1 % iowait, 0.5 % softirq, 0.5 % steal; 8 GiB of
memory of which 6 GiB available; no swap; ``lo`` and ``eth0`` at zero; pid 1 alone.
"""

from __future__ import annotations

from sysmon.adapters.fake_host.model import COLUMN, Cpus, HostState, Interface, Process
from sysmon.adapters.fake_host.text import MEMINFO_UNITLESS

UPTIME_SECONDS = 1000
# Per mille of each CPU's time since boot, column by column (user … guest_nice).
CPU_SHARES = (50, 0, 30, 900, 10, 0, 5, 5, 0, 0)
MEMINFO_KIB = {
    "MemTotal": 8388608, "MemFree": 4194304, "MemAvailable": 6291456, "Buffers": 131072,
    "Cached": 1572864, "SwapCached": 0, "Active": 2097152, "Inactive": 1048576,
    "Active(anon)": 1048576, "Inactive(anon)": 0, "Active(file)": 1048576,
    "Inactive(file)": 1048576, "Unevictable": 0, "Mlocked": 0, "SwapTotal": 0, "SwapFree": 0,
    "Dirty": 0, "Writeback": 0, "AnonPages": 1048576, "Mapped": 262144, "Shmem": 65536,
    "KReclaimable": 131072, "Slab": 196608, "SReclaimable": 131072, "SUnreclaim": 65536,
    "PageTables": 16384, "CommitLimit": 4194304, "Committed_AS": 2097152,
    "HugePages_Total": 0, "HugePages_Free": 0, "HugePages_Rsvd": 0, "HugePages_Surp": 0,
    "Hugepagesize": 2048,
}  # fmt: skip
LOW_WATERMARKS = [("DMA", 8), ("DMA32", 2048), ("Normal", 8192)]
IDENTITY: dict[str, str | None] = {
    "hostname": "simhost", "osrelease": "6.8.0-sim", "ostype": "Linux", "arch": "x86_64",
    "version": "#1 SMP PREEMPT_DYNAMIC Fri Nov 27 08:00:00 UTC 2026", "domainname": "(none)",
}  # fmt: skip
OS_RELEASE = b'NAME="Sim Linux"\nID=simlinux\nPRETTY_NAME="Sim Linux 1.0"\n'


def minimal_state(epoch: float, cpus: int, columns: int, user_hz: int) -> HostState:
    """The state of a minimal host whose clock reads ``epoch``; mounts are the caller's."""
    shares = [UPTIME_SECONDS * user_hz * p // 1000 for p in CPU_SHARES]
    # A kernel that prints fewer columns counted that time as idle.
    shares[COLUMN["idle"]] += sum(shares[columns:])
    shares[columns:] = [0] * (len(shares) - columns)
    cpu_state = Cpus([list(shares) for _ in range(cpus)], columns)
    return HostState(
        cpus=cpu_state,
        uptime_centis=UPTIME_SECONDS * 100,
        idle_centis=cpu_state.aggregate()[COLUMN["idle"]] * 100 // user_hz,
        btime=int(epoch) - UPTIME_SECONDS,
        meminfo={k: v if k in MEMINFO_UNITLESS else v * 1024 for k, v in MEMINFO_KIB.items()},
        zones=list(LOW_WATERMARKS),
        processes={1: Process(b"systemd", "S", 1, 0, 0)},
        next_pid=2,
        forks=1,
        interfaces={"lo": Interface(), "eth0": Interface()},
        identity=dict(IDENTITY),
        os_release=OS_RELEASE,
    )
