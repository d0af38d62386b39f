"""Each host tree of sysmon/hosts read through ProcfsReader on pyfakefs.

Expected values are worked out by hand from the tree's files (see sysmon/hosts/README.md).
"""

import json
import os
from pathlib import Path

import pytest

from sysmon.adapters.fake_host.disk import fakefs_statvfs
from sysmon.adapters.procfs import ProcfsReader
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.memory import read_memory
from sysmon.domain.models import (
    CpuTimes,
    KernelIdentity,
    KernelStat,
    LoadAvg,
    Mount,
    NetDev,
    ProcessTally,
    Uptime,
)
from sysmon.domain.ports import ProcfsPort

HOSTS = Path(__file__).resolve().parents[3] / "sysmon" / "hosts"
TREES = ["this-vm", "legacy-2.6.18", "debian6-2.6.32", "odd-host", "container"]
KIB = 1024


def host(fs, name) -> ProcfsPort:
    """The tree mapped read-only at /hosts/<name> in the fake filesystem, and its reader."""
    fs.add_real_directory(str(HOSTS / name), target_path=f"/hosts/{name}")
    return ProcfsReader(f"/hosts/{name}/proc", f"/hosts/{name}/rootfs", fakefs_statvfs(fs))


def host_json(name):
    with open(f"/hosts/{name}/host.json", encoding="utf-8") as file:
        return json.load(file)


def pid_dirs(name):
    return [entry for entry in os.listdir(f"/hosts/{name}/proc") if entry.isdigit()]


# -- every tree -----------------------------------------------------------------------


@pytest.mark.parametrize("name", TREES)
def test_host_json_describes_every_mount_point(fs, name):
    reader = host(fs, name)
    facts = host_json(name)
    assert facts["user_hz"] == 100
    assert facts["page_size"] in (4096, 65536)
    assert facts["machine"] in ("x86_64", "aarch64")
    assert {os.fsencode(point) for point in facts["mounts"]} == {m.path for m in reader.mounts()}
    for figures in facts["mounts"].values():
        assert figures["used"] + figures["free"] <= figures["total"]


@pytest.mark.parametrize("name", TREES)
def test_every_pid_directory_but_a_broken_one_is_counted(fs, name):
    tally = host(fs, name).process_tally()
    broken = 1 if name == "odd-host" else 0  # pid 600's stat is cut short on purpose
    assert sum(tally.states.values()) == len(pid_dirs(name)) - broken


# -- legacy-2.6.18 ----------------------------------------------------------------------


def test_legacy_2_6_18(fs):
    reader = host(fs, "legacy-2.6.18")
    assert reader.kernel_stat() == KernelStat(
        CpuTimes(1000, 20, 300, 8000, 100, 10, 20, 50), 2, 1200000000, 2, 1
    )
    info = reader.meminfo()
    assert len(info) == 30
    assert info["MemTotal"] == 4096000 * KIB
    assert info["HugePages_Total"] == 0
    assert info["Hugepagesize"] == 2048 * KIB
    assert "MemAvailable" not in info
    assert "Active(file)" not in info
    assert reader.zoneinfo_low_pages() == 12 + 1250 + 238
    assert reader.loadavg() == LoadAvg(0.5, 0.25, 0.1, 2, 180, 4321)
    assert reader.uptime() == Uptime(86400.0, 170000.0)
    mounts = reader.mounts()
    assert len(mounts) == 11
    assert mounts[:2] == [
        Mount(b"/", "rootfs", "rootfs", "rootfs", b"/", "rw", "rw"),
        Mount(b"/", "ext3", "/dev/root", "/dev/root", b"/", "rw,data=ordered", "rw,data=ordered"),
    ]
    assert (
        Mount(
            b"/boot", "ext3", "/dev/sda1", "/dev/sda1", b"/", "rw,data=ordered", "rw,data=ordered"
        )
        in mounts
    )
    assert reader.net_dev() == [
        NetDev("lo", 1000, 10, 0, 0, 1000, 10, 0, 0),
        NetDev("eth0", 123456789, 200000, 1, 2, 98765432, 150000, 3, 4),
        NetDev("sit0", 0, 0, 0, 0, 0, 0, 0, 0),
    ]
    # 13 processes; mysqld has 10 threads, the other 12 have one each.
    assert reader.process_tally() == ProcessTally({"S": 9, "D": 1, "R": 1, "Z": 1, "T": 1}, 22)
    assert reader.kernel_identity() == KernelIdentity(
        "legacy-host",
        "2.6.18-419.el5",
        "Linux",
        None,
        version="#1 SMP Wed Jun 14 06:52:42 EDT 2017",
        domainname="localdomain",
    )
    assert reader.os_release() is None


def test_legacy_2_6_18_memory_falls_back_to_free_plus_cached(fs):
    # No Active(file) nor SReclaimable before 2.6.28/2.6.19: MemFree + Cached.
    memory = read_memory(host(fs, "legacy-2.6.18"), 4096)
    assert memory["available"] == (1024000 + 512000) * KIB
    assert memory["used"] == (4096000 - 1536000) * KIB
    assert memory["usage_percent"] == 62.5
    assert memory["swap_used"] == (2097152 - 1048576) * KIB
    assert memory["swap_usage_percent"] == 50.0


# -- debian6-2.6.32 ---------------------------------------------------------------------


def test_debian6_2_6_32(fs):
    reader = host(fs, "debian6-2.6.32")
    assert reader.kernel_stat() == KernelStat(
        CpuTimes(4000, 100, 1000, 50000, 500, 0, 100, 0, 200), 4, 1300000000, 1, 0
    )
    assert reader.zoneinfo_low_pages() == 5 + 1555 + 1000
    mounts = reader.mounts()
    assert len(mounts) == 10
    assert mounts[0] == Mount(
        b"/",
        "ext3",
        "8:1",
        "/dev/sda1",
        b"/",
        "rw,relatime",
        "rw,errors=remount-ro,barrier=0,data=ordered",
    )
    assert mounts[-1] == Mount(
        b"/srv/nfs",
        "nfs",
        "0:18",
        "192.0.2.10:/export",
        b"/",
        "rw,relatime",
        "rw,vers=3,rsize=32768,wsize=32768,hard,proto=tcp,addr=192.0.2.10",
    )
    assert reader.net_dev()[2] == NetDev("eth1", 30000, 300, 5, 6, 40000, 400, 7, 8)
    # 14 processes: rsyslogd 3 threads, java 25, twelve others 1 each.
    assert reader.process_tally() == ProcessTally({"S": 12, "R": 1, "D": 1}, 40)
    assert reader.kernel_identity() == KernelIdentity(
        "squeeze",
        "2.6.32-5-amd64",
        "Linux",
        None,
        version="#1 SMP Sun Sep 23 10:49:36 UTC 2012",
        domainname="(none)",
    )
    assert reader.os_release() is None


def test_debian6_2_6_32_memory_uses_the_zoneinfo_estimate(fs):
    # low = 2560 pages x 4 KiB = 10240 kB; page cache 1500000 kB; SReclaimable 200000 kB.
    # available = 2048000 - 10240 + (1500000 - 10240) + (200000 - 10240) = 3717280 kB
    memory = read_memory(host(fs, "debian6-2.6.32"), 4096)
    assert memory["available"] == 3717280 * KIB
    assert memory["used"] == (8000000 - 3717280) * KIB
    assert memory["swap_used"] == 0


# -- odd-host -------------------------------------------------------------------------


def test_odd_host_kernel_files(fs):
    reader = host(fs, "odd-host")
    # cpu2 is offline: three per-cpu lines.
    assert reader.kernel_stat() == KernelStat(
        CpuTimes(10000, 500, 3000, 80000, 1000, 100, 200, 40, 400, 100), 3, 1700000000, 3, 2
    )
    info = reader.meminfo()
    assert info["ShadowCallStack"] == 10373888 * KIB
    assert info["HugePages_Total"] == 0
    assert info["Hugepagesize"] == 524288 * KIB
    assert reader.zoneinfo_low_pages() == 2000 + 0 + 8000 + 0
    assert reader.loadavg() == LoadAvg(1.5, 0.75, 0.25, 3, 1234, 99999)
    assert reader.uptime() == Uptime(123456.78, 456789.12)
    assert reader.kernel_identity() == KernelIdentity(
        "odd-host",
        "6.8.0-45-generic",
        "Linux",
        "aarch64",
        version="#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024",
        domainname="odd.example",
    )


def test_odd_host_memory_and_swap(fs):
    memory = read_memory(host(fs, "odd-host"), 65536)
    assert memory["total"] == 64000000 * KIB
    assert memory["available"] == 40000000 * KIB
    assert memory["usage_percent"] == 37.5
    assert memory["swap_used"] == 2000000 * KIB
    assert memory["swap_usage_percent"] == 25.0


def test_odd_host_mounts(fs):
    mounts = host(fs, "odd-host").mounts()
    assert len(mounts) == 22
    assert mounts[0] == Mount(
        b"/",
        "overlay",
        "0:40",
        "overlay",
        b"/",
        "rw,relatime",
        "rw,lowerdir=/lower,upperdir=/upper,workdir=/work",
    )
    assert Mount(b"/mnt/my disk", "ext4", "259:4", "/dev/sdb1", b"/", "rw,relatime", "rw") in mounts
    assert (
        Mount(b"/mnt/tab\there", "ext4", "259:5", "/dev/sdb2", b"/", "rw,relatime", "rw") in mounts
    )
    assert (
        Mount(
            b"/mnt/back\\slash",
            "vfat",
            "259:6",
            "/dev/sdb3",
            b"/",
            "rw,relatime",
            "rw,fmask=0022,dmask=0022",
        )
        in mounts
    )
    assert Mount(b"/mnt/raw\xff", "ext4", "259:7", "/dev/sdc1", b"/", "rw,relatime", "rw") in mounts
    assert (
        Mount(b"/mnt/new\nline", "ext4", "259:8", "/dev/sdc2", b"/", "rw,relatime", "rw") in mounts
    )
    assert (
        Mount(
            b"/mnt/fuse",
            "fuse.sshfs",
            "0:45",
            "user@server:/home",
            b"/",
            "rw,nosuid,nodev,relatime",
            "rw,user_id=1000,group_id=1000",
        )
        in mounts
    )
    assert Mount(b"/mnt/multi", "ext4", "259:9", "/dev/sdd1", b"/", "rw,relatime", "rw") in mounts
    assert [m.path for m in mounts if m.device == "259:3"] == [b"/data", b"/srv/export"]
    # Real storage once each: pseudo filesystems out, the bind mount at its shorter path.
    assert [m.path for m in DiskPolicy().select(mounts)] == [
        b"/",
        b"/boot",
        b"/data",
        b"/mnt/back\\slash",
        b"/mnt/empty",
        b"/mnt/fuse",
        b"/mnt/multi",
        b"/mnt/my disk",
        b"/mnt/new\nline",
        b"/mnt/nfs",
        b"/mnt/raw\xff",
        b"/mnt/tab\there",
    ]


def test_odd_host_interfaces(fs):
    assert host(fs, "odd-host").net_dev() == [
        NetDev("lo", 10000, 100, 0, 0, 10000, 100, 0, 0),
        NetDev("eth0", 1000000, 1000, 1, 2, 500000, 500, 3, 4),
        NetDev("eth0.100", 200000, 200, 0, 0, 100000, 100, 0, 0),
        NetDev("br-1a2b", 0, 0, 0, 0, 0, 0, 0, 0),
        NetDev("veth1234567", 12345678, 300, 0, 0, 87654321, 400, 0, 0),
    ]


def test_odd_host_processes(fs):
    # 21 parseable stats (pid 600 is cut short); firefox has 120 threads, python3 8,
    # the 19 others one each.
    assert host(fs, "odd-host").process_tally() == ProcessTally(
        {"R": 2, "S": 8, "D": 1, "I": 2, "T": 2, "t": 1, "Z": 1, "X": 1, "W": 1, "K": 1, "P": 1},
        147,
    )


def test_odd_host_os_release_comes_from_usr_lib(fs):
    release = host(fs, "odd-host").os_release()
    assert release is not None
    assert release["PRETTY_NAME"] == 'Odd Linux 1.0 "Quirk" $HOME `uname` back\\slash'
    assert release["ID_LIKE"] == "debian ubuntu"
    assert release["VERSION_ID"] == "1.0"


# -- container --------------------------------------------------------------------------


def test_container(fs):
    reader = host(fs, "container")
    assert reader.zoneinfo_low_pages() is None
    mounts = reader.mounts()  # from self/mountinfo: pid 1 is hidden
    assert len(mounts) == 12
    assert [m.path for m in DiskPolicy().select(mounts)] == [b"/", b"/data"]
    assert reader.process_tally() == ProcessTally({"S": 2, "R": 1}, 7)
    assert reader.kernel_identity() == KernelIdentity(
        "c0ffee123456",
        "6.8.0-1012-aws",
        "Linux",
        "x86_64",
        version="#13-Ubuntu SMP Mon Jul 15 13:40:27 UTC 2024",
        domainname="(none)",
    )
    release = reader.os_release()
    assert release is not None
    assert release["PRETTY_NAME"] == "Alpine Linux v3.19"
    memory = read_memory(reader, 4096)
    assert memory["available"] == 6000000 * KIB
    assert memory["usage_percent"] == 25.0
    assert memory["swap_usage_percent"] == 0.0


# -- this-vm (a capture) ----------------------------------------------------------------


def test_this_vm_capture(fs):
    reader = host(fs, "this-vm")
    stat = reader.kernel_stat()
    with open("/hosts/this-vm/proc/stat", encoding="ascii") as file:
        first = file.readline().split()
    assert first[0] == "cpu"
    assert stat.cpu.as_tuple() == tuple(int(v) for v in first[1:11])
    assert stat.online_cpus == 2
    assert reader.kernel_identity().hostname == "host-this-vm"
    assert reader.kernel_identity().arch == "x86_64"
    assert "MemAvailable" in reader.meminfo()
    mounts = reader.mounts()
    root = [m for m in mounts if m.path == b"/"]
    assert [(m.fstype, m.source) for m in root] == [("ext4", "source-1")]
    assert not [m for m in mounts if m.source.startswith("/")]  # sources anonymised
    release = reader.os_release()
    assert release is not None
    assert release["ID"] == "debian"


def test_this_vm_commands_are_anonymised(fs):
    host(fs, "this-vm")
    for pid in pid_dirs("this-vm"):
        with open(f"/hosts/this-vm/proc/{pid}/stat", "rb") as file:
            assert file.read().startswith(f"{pid} (proc-{pid}) ".encode())
