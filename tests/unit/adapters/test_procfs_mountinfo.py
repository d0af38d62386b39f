import pytest

from sysmon.adapters.procfs.mountinfo import parse_mountinfo, parse_mounts, unescape
from sysmon.domain.errors import InternalError
from sysmon.domain.models import Mount

# Linux 6.18 (development VM).
LINUX_6_18 = (
    b"22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    b"27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict\n"
)
# Optional fields: one, several, or none at all (2.6.32 without shared subtrees).
OPTIONAL_FIELDS = (
    b"20 1 0:40 / / rw,relatime shared:1 - overlay overlay rw,lowerdir=/l\n"
    b"41 20 259:9 / /mnt/multi rw shared:50 master:2 propagate_from:3 unbindable"
    b" - ext4 /dev/sdd1 rw\n"
    b"13 1 8:1 / /srv rw,relatime - ext3 /dev/sda1 rw,errors=remount-ro\n"
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            LINUX_6_18,
            [
                Mount(b"/proc", "proc", "0:21", "proc", b"/", "rw,relatime", "rw"),
                Mount(
                    b"/", "ext4", "254:0", "/dev/vda", b"/", "rw,relatime", "rw,discard,resv_strict"
                ),
            ],
            id="6.18",
        ),
        pytest.param(
            OPTIONAL_FIELDS,
            [
                Mount(b"/", "overlay", "0:40", "overlay", b"/", "rw,relatime", "rw,lowerdir=/l"),
                Mount(b"/mnt/multi", "ext4", "259:9", "/dev/sdd1", b"/", "rw", "rw"),
                Mount(
                    b"/srv", "ext3", "8:1", "/dev/sda1", b"/", "rw,relatime", "rw,errors=remount-ro"
                ),
            ],
            id="optional-fields",
        ),
        pytest.param(
            b"30 20 259:4 / /mnt/my\\040disk rw - ext4 /dev/sdb1 rw\n"
            b"31 20 259:5 / /mnt/tab\\011here rw - ext4 /dev/sdb2 rw\n"
            b"32 20 259:6 / /mnt/back\\134slash rw - vfat /dev/sdb3 rw\n"
            b"33 20 259:7 / /mnt/new\\012line rw - ext4 /dev/sdc2 rw\n"
            b"34 20 259:8 / /mnt/esc\\377 rw - ext4 /dev/sdc3 rw\n"
            b"35 20 259:9 / /mnt/raw\xff rw - ext4 /dev/sdc4 rw\n",
            [
                Mount(b"/mnt/my disk", "ext4", "259:4", "/dev/sdb1", b"/", "rw", "rw"),
                Mount(b"/mnt/tab\there", "ext4", "259:5", "/dev/sdb2", b"/", "rw", "rw"),
                Mount(b"/mnt/back\\slash", "vfat", "259:6", "/dev/sdb3", b"/", "rw", "rw"),
                Mount(b"/mnt/new\nline", "ext4", "259:7", "/dev/sdc2", b"/", "rw", "rw"),
                Mount(b"/mnt/esc\xff", "ext4", "259:8", "/dev/sdc3", b"/", "rw", "rw"),
                Mount(b"/mnt/raw\xff", "ext4", "259:9", "/dev/sdc4", b"/", "rw", "rw"),
            ],
            id="escapes",
        ),
        pytest.param(
            b"36 20 0:45 / /mnt/fuse rw - fuse.sshfs user@server:/my\\040home rw\n",
            [Mount(b"/mnt/fuse", "fuse.sshfs", "0:45", "user@server:/my home", b"/", "rw", "rw")],
            id="escaped-source",
        ),
        pytest.param(
            # a container's view: the cgroup mount's root is its own cgroup, with a space
            b"32 31 0:29 /docker/a\\040b /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup"
            b" rw,cpu,cpuacct\n"
            b"41 31 0:38 /../x /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n",
            [
                Mount(
                    b"/sys/fs/cgroup/cpu,cpuacct",
                    "cgroup",
                    "0:29",
                    "cgroup",
                    b"/docker/a b",
                    "ro,nosuid",
                    "rw,cpu,cpuacct",
                ),
                Mount(
                    b"/sys/fs/cgroup/unified",
                    "cgroup2",
                    "0:38",
                    "cgroup2",
                    b"/../x",
                    "rw",
                    "rw,nsdelegate",
                ),
            ],
            id="cgroup-roots-and-super-options",
        ),
        pytest.param(
            b"37 20 0:46 / /x rw - tmpfs  rw\n",
            [Mount(b"/x", "tmpfs", "0:46", "", b"/", "rw", "rw")],
            id="empty-source",
        ),
        pytest.param(
            b"38 20 0:47 / /y rw - tmpfs\n",
            [Mount(b"/y", "tmpfs", "0:47", "", b"/", "rw", "")],
            id="no-source-no-superopts",
        ),
        pytest.param(
            b"39 20 0:48 /- /- rw - ext4 /dev/\xe9 rw",
            [Mount(b"/-", "ext4", "0:48", "/dev/\\xe9", b"/-", "rw", "rw")],
            id="dash-paths-latin1-source-no-newline",
        ),
    ],
)
def test_parses_mountinfo(data, expected):
    assert parse_mountinfo(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "/proc/1/mountinfo: empty", id="empty"),
        pytest.param(
            b"22 27 0:21 / /proc rw,relatime\n",
            "/proc/1/mountinfo: not enough fields in line 1",
            id="truncated-before-separator",
        ),
        pytest.param(
            b"27 1 254:0 / / rw\n22 27 0:21 / /proc - proc proc rw\n",
            "/proc/1/mountinfo: not enough fields in line 1",
            id="not-enough-first-line",
        ),
        pytest.param(
            b"27 1 254:0 / / rw - ext4 /dev/vda rw\n22 27 0:21 / /proc - proc proc rw\n",
            "/proc/1/mountinfo: not enough fields in line 2",
            id="no-options",
        ),
        pytest.param(
            b"27 1 254:0 / / rw shared:1 ext4 /dev/vda rw\n",
            "/proc/1/mountinfo: no ' - ' separator in line 1",
            id="no-separator",
        ),
        pytest.param(
            b"27 1 254:0 / / rw -\n",
            "/proc/1/mountinfo: no filesystem type in line 1",
            id="truncated-after-separator",
        ),
        pytest.param(b"garbage\n", "/proc/1/mountinfo: not enough fields in line 1", id="garbage"),
    ],
)
def test_rejects_mountinfo(data, message):
    with pytest.raises(InternalError) as caught:
        parse_mountinfo(data)
    assert str(caught.value) == message


def test_the_error_names_the_table_actually_read():
    with pytest.raises(InternalError, match=r"^/proc/self/mountinfo: empty$"):
        parse_mountinfo(b"", "/proc/self/mountinfo")


# 2.6.18 /proc/mounts: rootfs and the real root both at "/".
LINUX_2_6_18_MOUNTS = (
    b"rootfs / rootfs rw 0 0\n"
    b"/dev/root / ext3 rw,data=ordered 0 0\n"
    b"/proc /proc proc rw 0 0\n"
    b"/dev/sda1 /mnt/my\\040disk ext3 rw 0 0\n"
    b"none /proc/sys/fs/binfmt_misc binfmt_misc rw 0 0\n"
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            LINUX_2_6_18_MOUNTS,
            [
                Mount(b"/", "rootfs", "rootfs", "rootfs", b"/", "rw", "rw"),
                Mount(
                    b"/",
                    "ext3",
                    "/dev/root",
                    "/dev/root",
                    b"/",
                    "rw,data=ordered",
                    "rw,data=ordered",
                ),
                Mount(b"/proc", "proc", "/proc", "/proc", b"/", "rw", "rw"),
                Mount(b"/mnt/my disk", "ext3", "/dev/sda1", "/dev/sda1", b"/", "rw", "rw"),
                Mount(b"/proc/sys/fs/binfmt_misc", "binfmt_misc", "none", "none", b"/", "rw", "rw"),
            ],
            id="2.6.18",
        ),
        pytest.param(
            b"server:/ex\\040port /mnt nfs rw",
            [Mount(b"/mnt", "nfs", "server:/ex port", "server:/ex port", b"/", "rw", "rw")],
            id="no-dump-pass-escaped-source",
        ),
    ],
)
def test_parses_mounts(data, expected):
    assert parse_mounts(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "/proc/mounts: empty", id="empty"),
        pytest.param(
            b"rootfs / rootfs rw 0 0\n/dev/root / ext3\n",
            "/proc/mounts: not enough fields in line 2",
            id="truncated",
        ),
    ],
)
def test_rejects_mounts(data, message):
    with pytest.raises(InternalError) as caught:
        parse_mounts(data)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        (b"/plain", b"/plain"),
        (b"/a\\040b\\011c\\012d\\134e", b"/a b\tc\nd\\e"),
        (b"/\\303\\251t\\303\\251", "/été".encode()),
        (b"/\\377", b"/\xff"),
        (b"/end\\", b"/end\\"),  # a lone backslash is kept
        (b"/short\\04", b"/short\\04"),
        (b"/not\\089octal", b"/not\\089octal"),
        (b"/over\\400", b"/over\\400"),  # beyond one byte
        (b"\\134\\134", b"\\\\"),
    ],
)
def test_unescape(raw, decoded):
    assert unescape(raw) == decoded
