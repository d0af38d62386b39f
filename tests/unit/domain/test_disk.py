import threading

import pytest

from sysmon.adapters.deadline import InlineDeadline, ThreadDeadline
from sysmon.domain.disk import DiskPolicy, disk_payload, display_path
from sysmon.domain.models import FsUsage, Mount


def mount(path: bytes, fstype: str = "ext4", device: str = "8:1") -> Mount:
    return Mount(path=path, fstype=fstype, device=device, source="/dev/x")


def paths(mounts):
    return [m.path for m in mounts]


def test_pseudo_filesystems_and_system_trees_are_left_out():
    mounts = [
        mount(b"/", "ext4", "8:1"),
        mount(b"/proc", "proc", "0:21"),
        mount(b"/sys/fs/cgroup", "cgroup2", "0:25"),
        mount(b"/dev/shm", "tmpfs", "0:23"),
        mount(b"/run/user/1000", "ext4", "8:9"),  # real fs type, but under /run
        mount(b"/home", "xfs", "8:2"),
        mount(b"/snap/core/1", "squashfs", "7:0"),
        mount(b"/proceeds", "ext4", "8:3"),  # only a name prefix of /proc
    ]
    assert paths(DiskPolicy().select(mounts)) == [b"/", b"/home", b"/proceeds"]


def test_root_is_always_reported_even_as_overlay():
    mounts = [mount(b"/", "overlay", "0:50"), mount(b"/data", "overlay", "0:51")]
    assert paths(DiskPolicy().select(mounts)) == [b"/"]


def test_bind_mounts_are_reported_once_at_the_shortest_path():
    mounts = [
        mount(b"/srv/data/bind", "ext4", "8:2"),
        mount(b"/data", "ext4", "8:2"),
        mount(b"/srv/x", "ext4", "8:2"),
        mount(b"/", "ext4", "8:1"),
        mount(b"/mnt/rootbind", "ext4", "8:1"),
    ]
    assert paths(DiskPolicy().select(mounts)) == [b"/", b"/data"]


def test_lists_can_be_replaced():
    policy = DiskPolicy(exclude_fstypes=frozenset({"xfs"}), exclude_mounts=(b"/home",))
    mounts = [mount(b"/", device="1"), mount(b"/home/a", device="2"), mount(b"/b", "xfs", "3"),
              mount(b"/dev/shm", "tmpfs", "4")]  # fmt: skip
    assert paths(policy.select(mounts)) == [b"/", b"/dev/shm"]


def test_non_utf8_mount_paths_stay_valid_text():
    assert display_path(b"/mnt/caf\xe9 x") == "/mnt/caf\\xe9 x"
    assert display_path("/mnt/café".encode()) == "/mnt/café"


class Disks:
    """ProcfsPort stand-in for the disk service: mounts and their statvfs figures."""

    def __init__(self, mounts, usage):
        self._mounts = mounts
        self._usage = usage

    def mounts(self):
        return self._mounts

    def fs_usage(self, path: bytes) -> FsUsage:
        result = self._usage[path]
        if isinstance(result, Exception):
            raise result
        return result


def test_payload_computes_df_figures_and_names_what_failed():
    gib = 1 << 30
    disks = Disks(
        [
            mount(b"/", device="1"),
            mount(b"/data", device="2"),
            mount(b"/gone", device="3"),
            mount(b"/nfs", "nfs4", "4"),
            mount(b"/empty", device="5"),
        ],
        {
            # total 100 GiB, free for users 30 GiB, 10 GiB reserved for root -> used 60
            b"/": FsUsage(total=100 * gib, used=60 * gib, free=30 * gib),
            b"/data": FsUsage(total=8 * gib, used=2 * gib, free=6 * gib),
            b"/gone": PermissionError(13, "Permission denied"),
            b"/nfs": FsUsage(1, 1, 0),
            b"/empty": FsUsage(0, 0, 0),
        },
    )
    deadline = InlineDeadline()
    deadline.hang("/nfs")
    payload = disk_payload(disks, deadline, DiskPolicy(timeout=1.0))  # type: ignore[arg-type]
    assert payload["disk"] == {
        "/": {"used": 60 * gib, "total": 100 * gib, "free": 30 * gib,
              "used_percent": 66.67, "fstype": "ext4"},  # 60 / (60 + 30)
        "/data": {"used": 2 * gib, "total": 8 * gib, "free": 6 * gib,
                  "used_percent": 25.0, "fstype": "ext4"},
    }  # fmt: skip
    assert payload["unavailable"] == {"/gone": "Permission denied", "/nfs": "timed out after 1s"}


class HangingDisks(Disks):
    """``fs_usage`` of ``hung`` blocks until the test opens ``gate``, as a stale mount."""

    def __init__(self, mounts, usage, hung: bytes):
        super().__init__(mounts, usage)
        self.hung = hung
        self.gate = threading.Event()
        self.measured: list[bytes] = []

    def fs_usage(self, path: bytes) -> FsUsage:
        self.measured.append(path)
        if path == self.hung:
            self.gate.wait(30.0)  # a hang guard: the test opens the gate at its end
        return super().fs_usage(path)


def test_a_mount_hanging_in_the_middle_times_out_alone_on_real_workers():
    disks = HangingDisks(
        [mount(b"/", device="1"), mount(b"/mnt/nfs", "nfs4", "2"), mount(b"/srv", device="3")],
        {b"/": FsUsage(10, 4, 6), b"/mnt/nfs": FsUsage(1, 1, 0), b"/srv": FsUsage(20, 5, 15)},
        hung=b"/mnt/nfs",
    )
    deadline = ThreadDeadline()
    try:
        for _ in range(3):  # the first request hangs on it; the next find it still hung
            payload = disk_payload(disks, deadline, DiskPolicy(timeout=0.05))
            assert payload["disk"] == {
                "/": {"used": 4, "total": 10, "free": 6, "used_percent": 40.0, "fstype": "ext4"},
                "/srv": {"used": 5, "total": 20, "free": 15, "used_percent": 25.0,
                         "fstype": "ext4"},
            }  # fmt: skip
            assert set(payload["unavailable"]) == {"/mnt/nfs"}
        assert payload["unavailable"]["/mnt/nfs"] == "timed out after 0.05s"
        assert disks.measured.count(b"/mnt/nfs") == 1  # never handed to a second worker
        assert deadline.hung_keys == ["/mnt/nfs"]
    finally:
        disks.gate.set()


@pytest.mark.parametrize("empty_root", [FsUsage(0, 0, 0)])
def test_zero_size_root_is_still_reported(empty_root):
    disks = Disks([mount(b"/")], {b"/": empty_root})
    payload = disk_payload(disks, InlineDeadline(), DiskPolicy())  # type: ignore[arg-type]
    assert payload == {"disk": {"/": {"used": 0, "total": 0, "free": 0, "used_percent": 0.0,
                                      "fstype": "ext4"}}}  # fmt: skip


def test_the_later_of_two_roots_is_the_visible_one():
    # 2.6-era /proc/mounts: "rootfs / rootfs rw 0 0" then "/dev/root / ext3 rw 0 0"
    mounts = [mount(b"/", "rootfs", "rootfs"), mount(b"/", "ext3", "/dev/root")]
    assert [(m.path, m.fstype) for m in DiskPolicy().select(mounts)] == [(b"/", "ext3")]


def test_unrelated_filesystems_sharing_a_source_text_are_not_merged():
    # only /proc/mounts: the device is the source column, "none" for many filesystems
    mounts = [mount(b"/", "ext4", "/dev/sda1"), mount(b"/a", "ext4", "none"),
              mount(b"/b", "xfs", "none")]  # fmt: skip
    assert paths(DiskPolicy().select(mounts)) == [b"/", b"/a", b"/b"]


def test_an_error_that_is_not_about_the_mount_still_reaches_the_caller():
    # a bug, not an unavailable mount: it must not be hidden in ``unavailable``
    disks = Disks([mount(b"/")], {b"/": RuntimeError("parser bug")})
    with pytest.raises(RuntimeError, match="parser bug"):
        disk_payload(disks, ThreadDeadline(), DiskPolicy())  # type: ignore[arg-type]
