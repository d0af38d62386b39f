"""Finding sysmon's cgroups from /proc/self/cgroup and the mount table."""

import pytest

from sysmon.domain.cgroups import Hierarchy, ancestry, locate, relative_path
from sysmon.domain.models import CgroupLine, Mount


def cgroup_mount(point, options, root=b"/", fstype="cgroup"):
    return Mount(point, fstype, "0:30", fstype, root, "rw", options)


V1 = [
    cgroup_mount(b"/sys/fs/cgroup/cpu", "rw,cpu"),
    cgroup_mount(b"/sys/fs/cgroup/cpuacct", "rw,cpuacct"),
    cgroup_mount(b"/sys/fs/cgroup/cpuset", "rw,cpuset"),
    cgroup_mount(b"/sys/fs/cgroup/memory", "rw,memory"),
    cgroup_mount(b"/sys/fs/cgroup/unified", "rw", fstype="cgroup2"),
]
HYBRID = [
    CgroupLine(4, ("memory",), b"/process_api/b5"),
    CgroupLine(3, ("cpuset",), b"/"),
    CgroupLine(2, ("cpuacct",), b"/"),
    CgroupLine(1, ("cpu",), b"/"),
    CgroupLine(0, (), b"/"),
]


@pytest.mark.parametrize(
    ("path", "root", "relative"),
    [
        (b"/a/b", b"/", b"/a/b"),
        (b"/docker/x", b"/docker/x", b"/"),
        (b"/docker/x/y", b"/docker/x", b"/y"),
        (b"/docker/xy", b"/docker/x", None),  # a sibling that shares the prefix
        (b"/../x", b"/", None),  # outside the cgroup namespace's root
        (b"/other", b"/docker", None),
    ],
)
def test_relative_path(path, root, relative):
    assert relative_path(path, root) == relative


def test_ancestry_runs_up_to_the_mount_point():
    assert ancestry(b"/sys/fs/cgroup", b"/a/b") == (
        b"/sys/fs/cgroup/a/b",
        b"/sys/fs/cgroup/a",
        b"/sys/fs/cgroup",
    )
    assert ancestry(b"/sys/fs/cgroup/memory", b"/") == (b"/sys/fs/cgroup/memory",)


def test_hybrid_host_each_controller_in_its_own_hierarchy():
    placement = locate(HYBRID, V1)
    memory = Hierarchy(1, b"/process_api/b5", (b"/sys/fs/cgroup/memory/process_api/b5",
                                                b"/sys/fs/cgroup/memory/process_api",
                                                b"/sys/fs/cgroup/memory"))  # fmt: skip
    assert placement.get("memory") == memory
    assert placement.get("cpu") == Hierarchy(1, b"/", (b"/sys/fs/cgroup/cpu",))
    assert placement.get("cpuacct") == Hierarchy(1, b"/", (b"/sys/fs/cgroup/cpuacct",))
    # cpu is not cpuset: each is matched by its whole name
    assert placement.get("cpuset") == Hierarchy(1, b"/", (b"/sys/fs/cgroup/cpuset",))
    # pids has no v1 hierarchy here: it is looked for in v2, which holds the root
    v2 = Hierarchy(2, b"/", (b"/sys/fs/cgroup/unified",))
    assert placement.get("pids") == placement.get("cgroup2") == v2
    assert placement.unavailable == {}


def test_cpu_and_cpuacct_in_one_hierarchy():
    mounts = [cgroup_mount(b"/sys/fs/cgroup/cpu,cpuacct", "rw,cpu,cpuacct", root=b"/docker/a")]
    placement = locate([CgroupLine(2, ("cpu", "cpuacct"), b"/docker/a")], mounts)
    hierarchy = Hierarchy(1, b"/docker/a", (b"/sys/fs/cgroup/cpu,cpuacct",))
    assert placement.get("cpu") == placement.get("cpuacct") == hierarchy


def test_cpuset_alone_does_not_hold_cpu():
    placement = locate([CgroupLine(3, ("cpu",), b"/")], [V1[2]])
    assert placement.get("cpu") is None
    assert placement.unavailable == {"cpu": "no cgroup filesystem with cpu is mounted"}


def test_pure_v2_every_controller_in_the_one_hierarchy():
    mounts = [cgroup_mount(b"/sys/fs/cgroup", "rw,nsdelegate", fstype="cgroup2")]
    placement = locate([CgroupLine(0, (), b"/system.slice/app.service")], mounts)
    v2 = Hierarchy(2, b"/system.slice/app.service", (b"/sys/fs/cgroup/system.slice/app.service",
                                                     b"/sys/fs/cgroup/system.slice",
                                                     b"/sys/fs/cgroup"))  # fmt: skip
    assert all(placement.get(c) == v2 for c in ("memory", "cpu", "cpuacct", "cpuset", "pids"))


def test_v2_line_without_a_cgroup2_mount():
    placement = locate([CgroupLine(0, (), b"/")], [])
    reason = "no cgroup2 filesystem is mounted"
    assert placement.unavailable == dict.fromkeys(
        ("cgroup2", "memory", "cpu", "cpuacct", "cpuset", "pids"), reason
    )


def test_no_cgroups_at_all():
    assert locate(None, []).unavailable == {"cgroup": "/proc/self/cgroup: missing (no cgroups)"}
