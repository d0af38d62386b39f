"""Filesystems mounted, bind-mounted, hung and unmounted under a running service.

Inside pyfakefs each mount is a pyfakefs mount point of its size, so the real
``shutil.disk_usage`` (statvfs) answers, and the fake host takes a mount's reserved
blocks from its free space (pyfakefs has none): so ``used`` (total - f_bfree) and
``free`` (f_bavail) differ by the reserved bytes, as on ext4.
"""

import pytest

from sysmon.app.config import Settings

GIB = 1 << 30


@pytest.fixture
def sim_settings():
    return Settings(cache_duration=0.0)


def test_mounts_binds_a_hung_mount_and_an_unmount(sim_service, fake_host, fake_deadline):
    device = fake_host.mount("/data", "xfs", total=120 * GIB, used=40 * GIB)
    fake_host.mount("/srv/export", "xfs", total=120 * GIB, used=40 * GIB, device=device)
    fake_host.mount("/mnt/nfs", "nfs4", total=1024 * GIB, used=512 * GIB, source="nas:/export")
    fake_host.mount("/mnt/empty", "ext4")  # a zero-size filesystem
    fake_deadline.hang("/mnt/nfs")  # its statvfs never returns
    disk = sim_service.call("RPCGetDiskUsage")
    root = {"used": 16 * GIB, "total": 64 * GIB, "free": 48 * GIB, "used_percent": 25.0}
    data = {"used": 40 * GIB, "total": 120 * GIB, "free": 80 * GIB, "used_percent": 33.33}
    assert disk == {
        "disk": {"/": {**root, "fstype": "ext4"}, "/data": {**data, "fstype": "xfs"}},
        "unavailable": {"/mnt/nfs": "timed out after 1s"},
        "timestamp": 1_795_766_400.0,  # the fake clock's start: no time has passed
    }
    metrics = sim_service.call("RPCGetSysMetrics")
    assert (metrics["disk_usage"], metrics["disk_total"]) == (56 * GIB, 184 * GIB)
    assert metrics["unavailable"] == {"disk:/mnt/nfs": "timed out after 1s"}

    fake_deadline.release("/mnt/nfs")
    fake_host.unmount("/data")  # the bind at /srv/export is now the device's only path
    fake_host.resize("/", total=64 * GIB, used=48 * GIB)
    disk = sim_service.call("RPCGetDiskUsage")["disk"]
    assert sorted(disk) == ["/", "/mnt/nfs", "/srv/export"]
    assert (disk["/"]["used_percent"], disk["/mnt/nfs"]["used_percent"]) == (75.0, 50.0)


@pytest.mark.linux_only_names
def test_mount_points_with_escaped_names(sim_service, fake_host):
    # The kernel writes these as \040, \011 and \134 in mountinfo; macOS would fold the
    # case of /mnt/Case onto /mnt/case and Windows reads the backslash as a separator.
    names = ["/mnt/my disk", "/mnt/tab\there", "/mnt/back\\slash", "/mnt/Case", "/mnt/case"]
    for number, name in enumerate(names, start=1):
        fake_host.mount(name, "ext4", total=number * GIB, used=GIB)
    disk = sim_service.call("RPCGetDiskUsage")["disk"]
    assert {name: disk[name]["total"] for name in names} == {
        "/mnt/my disk": 1 * GIB,
        "/mnt/tab\there": 2 * GIB,
        "/mnt/back\\slash": 3 * GIB,
        "/mnt/Case": 4 * GIB,
        "/mnt/case": 5 * GIB,
    }


def test_reserved_blocks_are_neither_used_nor_free(sim_service, fake_host):
    # ext4's 5 %: 5 GiB of the 100 are kept for root. df: Used 40G, Avail 55G, Use% 43%.
    fake_host.mount("/data", "ext4", total=100 * GIB, used=40 * GIB, reserved=5 * GIB)
    disk = sim_service.call("RPCGetDiskUsage")["disk"]
    assert disk["/data"] == {
        "used": 40 * GIB,  # total - f_bfree: the reserved 5 GiB are not in it
        "total": 100 * GIB,
        "free": 55 * GIB,  # f_bavail: what a user may still write
        "used_percent": 42.11,  # 40 / (40 + 55), as df computes it
        "fstype": "ext4",
    }
    metrics = sim_service.call("RPCGetSysMetrics")
    assert (metrics["disk_usage"], metrics["disk_total"]) == ((16 + 40) * GIB, (64 + 100) * GIB)
    fake_host.resize("/", total=64 * GIB, used=60 * GIB, reserved=4 * GIB)  # full to users
    root = sim_service.call("RPCGetDiskUsage")["disk"]["/"]
    assert (root["used"], root["free"], root["used_percent"]) == (60 * GIB, 0, 100.0)
