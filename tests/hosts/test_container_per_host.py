"""RPCGetContainerInfo and RPCGetPressure against every host tree, under each OS pyfakefs
emulates, with values worked out by hand from the trees' files (sysmon/hosts/README.md).

The CPU window is the 0.5 s the clock moves after start(); no tree's counters move in it,
so every cgroup's ``usage_percent`` over it is 0.0 where the counter can be read.
"""

import pytest
from pyfakefs.fake_filesystem import OSType

from tests.hosts.conftest import PROC, ROOTFS

NOW = 1_795_766_400.5
MIB = 1 << 20
OSES = pytest.mark.parametrize("ostype", [OSType.LINUX, OSType.MACOS, OSType.WINDOWS])
NO_CPU_LIMIT = {"quota_cores": None, "usage_percent": None}


def no_pressure(resource):
    return f"/proc/pressure/{resource}: missing"


def line(avg10, avg60, avg300, total_seconds):
    return {"avg10": avg10, "avg60": avg60, "avg300": avg300, "total_seconds": total_seconds}


ZERO = line(0.0, 0.0, 0.0, 0.0)
NOTHING = {
    "cgroup_version": None,
    "path": None,
    "memory": dict.fromkeys(("limit", "usage", "working_set", "usage_percent", "swap_limit",
                             "swap_usage", "oom_kills")),
    "cpu": dict.fromkeys(("quota_cores", "usage_seconds", "usage_percent", "throttled_periods",
                          "periods", "throttled_seconds")),
    "pids": {"current": None, "limit": None},
    "unavailable": {"cgroup": "/proc/self/cgroup: missing (no cgroups)"},
    "timestamp": NOW,
}  # fmt: skip

CONTAINER = {
    # hybrid: memory (v1) at /process_api/b5f…, cpu, cpuacct and cpuset (v1) at /, no
    # pids.* in v1's root; nothing limited (9223372036854771712 and -1 mean none).
    "this-vm": {
        "cgroup_version": 1,
        "path": "/process_api/b5f15c4fac82d660507b72200d417897",
        "memory": {
            "limit": None,
            "usage": 164888576,
            "working_set": 164888576 - 57163776,  # total_inactive_file
            "usage_percent": None,
            "swap_limit": None,  # memsw limit unlimited
            "swap_usage": 0,  # memsw usage 164888576 - usage 164888576
            "oom_kills": 0,
        },
        "cpu": {
            "quota_cores": None,
            "usage_seconds": 1856.590121621,  # cpuacct.usage 1856590121621 ns
            "usage_percent": 0.0,
            "throttled_periods": 0,
            "periods": 0,
            "throttled_seconds": 0.0,
            "cpus": 2,  # cpuset.effective_cpus 0-1
        },
        "pids": {"current": None, "limit": None},
        "timestamp": NOW,
    },
    "k8s-v2": {
        "cgroup_version": 2,
        "path": "/kubepods/burstable/pod-1/app",
        "memory": {
            "limit": 384 * MIB,  # the parent pod-1's, smaller than the app's 512 MiB
            "usage": 256 * MIB,
            "working_set": 192 * MIB,  # 256 MiB - inactive_file 64 MiB
            "usage_percent": 50.0,
            "swap_limit": 0,  # pod-1's memory.swap.max
            "swap_usage": 0,
            "oom_kills": 2,  # memory.events, not memory.events.local's 1
        },
        "cpu": {
            "quota_cores": 1.5,  # 150000 / 100000; pod-1 has max, the mount's root 4
            "usage_seconds": 123.456789,
            "usage_percent": 0.0,
            "throttled_periods": 250,
            "periods": 1000,
            "throttled_seconds": 5.0,
            "cpus": 2,
        },
        "pids": {"current": 12, "limit": 50},  # pod-1's 50 below the app's 100
        "timestamp": NOW,
    },
    "docker-v1": {
        "cgroup_version": 1,
        "path": "/docker/0123abcd",
        "memory": {
            "limit": 1 << 30,
            "usage": 768 * MIB,
            "working_set": 512 * MIB,  # 768 MiB - total_inactive_file 256 MiB
            "usage_percent": 50.0,
            "swap_limit": 1 << 30,  # memsw 2 GiB - 1 GiB
            "swap_usage": 64 * MIB,  # memsw usage 832 MiB - 768 MiB
            "oom_kills": 1,
        },
        "cpu": {
            "quota_cores": 0.5,  # 50000 / 100000
            "usage_seconds": 45.0,
            "usage_percent": 0.0,
            "throttled_periods": 100,
            "periods": 2000,
            "throttled_seconds": 3.0,  # 3000000000 ns
            "cpus": 1,  # cpuset.effective_cpus "1"
        },
        "pids": {"current": 7, "limit": None},
        "timestamp": NOW,
    },
}
for tree, cpus in (("legacy-2.6.18", 2), ("debian6-2.6.32", 4), ("odd-host", 3),
                   ("container", 2)):  # fmt: skip
    # No /proc/self/cgroup: nothing to find; cpus falls back to the host's processors.
    CONTAINER[tree] = NOTHING | {"cpu": NOTHING["cpu"] | {"cpus": cpus}}
TREES = sorted(CONTAINER)

K8S_CGROUP_PRESSURE = {
    "path": "/kubepods/burstable/pod-1/app",
    "cpu": {"some": line(25.0, 20.0, 10.0, 15.0), "full": line(20.0, 15.0, 8.0, 12.0)},
    "memory": {"some": line(8.0, 4.0, 2.0, 3.0), "full": line(6.0, 3.0, 1.5, 2.0)},
    "io": {"some": ZERO, "full": ZERO},
    "irq": {"some": None, "full": ZERO},
}
ALL_MISSING = {resource: no_pressure(resource) for resource in ("cpu", "memory", "io", "irq")}
PRESSURE = {
    "this-vm": {
        "cpu": {"some": line(84.83, 45.47, 34.04, 273.694137), "full": ZERO},
        "memory": {"some": ZERO, "full": ZERO},
        "io": {"some": line(0.05, 0.94, 0.9, 9.41703), "full": line(0.04, 0.62, 0.53, 6.120795)},
        "irq": None,
        "cgroup": {  # the controller-less v2 mount, at its root
            "path": "/",
            "cpu": {"some": line(84.83, 45.47, 34.04, 273.721788), "full": ZERO},
            "memory": {"some": ZERO, "full": ZERO},
            "io": {
                "some": line(0.05, 0.94, 0.9, 9.41703),
                "full": line(0.04, 0.62, 0.53, 6.120795),
            },
            "irq": None,
        },
        "unavailable": {
            "irq": "/proc/pressure/irq: missing",
            "cgroup.irq": "/sys/fs/cgroup/unified/irq.pressure: missing",
        },
        "timestamp": NOW,
    },
    "k8s-v2": {
        "cpu": {"some": line(12.5, 10.0, 5.0, 30.0), "full": ZERO},
        "memory": {"some": line(4.0, 2.0, 1.0, 5.0), "full": line(2.0, 1.0, 0.5, 2.5)},
        "io": {"some": line(1.0, 0.5, 0.25, 1.0), "full": line(0.5, 0.25, 0.0, 0.5)},
        "irq": {"some": None, "full": line(0.1, 0.05, 0.01, 0.1)},
        "cgroup": K8S_CGROUP_PRESSURE,
        "timestamp": NOW,
    },
    "docker-v1": {  # 4.19: no PSI at all, and no cgroup2 mounted
        **dict.fromkeys(("cpu", "memory", "io", "irq", "cgroup")),
        "unavailable": ALL_MISSING | {"cgroup": "no cgroup2 filesystem is mounted"},
        "timestamp": NOW,
    },
}
for tree in ("legacy-2.6.18", "debian6-2.6.32", "odd-host", "container"):
    PRESSURE[tree] = {
        **dict.fromkeys(("cpu", "memory", "io", "irq", "cgroup")),
        "unavailable": ALL_MISSING | {"cgroup": "/proc/self/cgroup: missing (no cgroups)"},
        "timestamp": NOW,
    }


@pytest.fixture
def open_tree(fs, open_host):
    def open_(tree, ostype=OSType.LINUX):
        fs.os = ostype
        return open_host(tree)

    return open_


def write(host, path, data):
    """Replace a file of the tree under the rootfs (``/sys/…``) or procfs (``/proc/…``)."""
    where = PROC + path.removeprefix("/proc") if path.startswith("/proc/") else ROOTFS + path
    host.fs.get_object(where).set_contents(data)


@OSES
@pytest.mark.parametrize("tree", TREES)
def test_container_info(open_tree, tree, ostype):
    host = open_tree(tree, ostype)
    assert host.call("RPCGetContainerInfo") == CONTAINER[tree]


@OSES
@pytest.mark.parametrize("tree", TREES)
def test_pressure(open_tree, tree, ostype):
    host = open_tree(tree, ostype)
    assert host.call("RPCGetPressure") == PRESSURE[tree]


@pytest.mark.parametrize("tree", TREES)
def test_sys_metrics_shows_the_container_only_under_a_limit(open_tree, tree):
    host = open_tree(tree)
    metrics = host.call("RPCGetSysMetrics")
    expected = {"k8s-v2": {"memory_usage": 50.0, "cpu_usage": 0.0},
                "docker-v1": {"memory_usage": 50.0, "cpu_usage": 0.0}}  # fmt: skip
    assert metrics.get("container") == expected.get(tree)
    assert "unavailable" not in metrics


def test_the_cgroup_cpu_share_is_over_the_cpu_window(open_tree):
    host = open_tree("k8s-v2")
    app = "/sys/fs/cgroup/pod-1/app/cpu.stat"
    host.call("RPCCPUUsage")  # the window from start to now: the next starts here
    host.clock.advance(2.0)
    # 0.6 s of CPU in 2 s, against 1.5 cores: 0.6 / 2 / 1.5 = 20 %
    write(host, app, b"usage_usec 124056789\nnr_periods 1020\nnr_throttled 260\n"
                     b"throttled_usec 5400000\n")  # fmt: skip
    info = host.call("RPCGetContainerInfo")
    assert info["cpu"]["usage_percent"] == 20.0
    assert host.call("RPCCPUUsage")["window_seconds"] == 2.0  # the same window
    assert (info["cpu"]["periods"], info["cpu"]["throttled_periods"]) == (1020, 260)
    assert info["cpu"]["throttled_seconds"] == 5.4


def test_without_a_quota_the_share_is_of_the_cpuset(open_tree):
    host = open_tree("k8s-v2")
    for directory in ("/pod-1/app", "/pod-1", ""):
        write(host, f"/sys/fs/cgroup{directory}/cpu.max", b"max 100000\n")
    host.call("RPCCPUUsage")
    host.clock.advance(1.0)
    write(host, "/sys/fs/cgroup/pod-1/app/cpu.stat", b"usage_usec 124956789\n")
    cpu = host.call("RPCGetContainerInfo")["cpu"]
    # 1.5 s of CPU in 1 s on the cpuset's 2 CPUs: 75 %
    assert (cpu["quota_cores"], cpu["usage_percent"], cpu["cpus"]) == (None, 75.0, 2)
    assert cpu["throttled_periods"] is None  # the file no longer has the line


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data", "field", "key", "reason"),
    [
        pytest.param("/sys/fs/cgroup/pod-1/app/memory.max", b"max\n", "limit", None, None,
                     id="max-is-no-limit-the-parent-still-binds"),
        pytest.param("/sys/fs/cgroup/pod-1/app/memory.max", b"", "limit", "memory.limit",
                     "InternalError: /sys/fs/cgroup/pod-1/app/memory.max: empty", id="empty"),
        pytest.param("/sys/fs/cgroup/pod-1/app/cpu.max", b"150000\n", "quota_cores",
                     "cpu.quota_cores", "InternalError: /sys/fs/cgroup/pod-1/app/cpu.max: "
                     "expected 'QUOTA PERIOD', not '150000'", id="garbled-cpu-max"),
        pytest.param("/sys/fs/cgroup/pod-1/app/cpu.max", b"max 0\n", "quota_cores",
                     "cpu.quota_cores",
                     "InternalError: /sys/fs/cgroup/pod-1/app/cpu.max: a period of 0",
                     id="zero-period"),
        pytest.param("/sys/fs/cgroup/pod-1/app/memory.current", b"12x\n", "usage",
                     "memory.usage", "InternalError: /sys/fs/cgroup/pod-1/app/memory.current: "
                     "bad number '12x' in the value", id="garbled-number"),
    ],
)  # fmt: skip
def test_a_bad_cgroup_file_is_named_and_the_rest_answers(open_tree, path, data, field, key,
                                                          reason):  # fmt: skip
    host = open_tree("k8s-v2")
    write(host, path, data)
    info = host.call("RPCGetContainerInfo")
    part = "cpu" if field == "quota_cores" else "memory"
    expected = CONTAINER["k8s-v2"][part][field] if key is None else None
    assert info[part][field] == expected
    assert info.get("unavailable", {}) == ({} if key is None else {key: reason})
    assert info["pids"] == CONTAINER["k8s-v2"]["pids"]


def test_a_v1_limit_of_page_counter_max_is_none(open_tree):
    host = open_tree("docker-v1")
    write(host, "/sys/fs/cgroup/memory/memory.limit_in_bytes", b"9223372036854771712\n")
    memory = host.call("RPCGetContainerInfo")["memory"]
    assert (memory["limit"], memory["usage_percent"], memory["swap_limit"]) == (None, None, None)
    assert memory["working_set"] == 512 * MIB


def test_v1_without_swap_accounting(open_tree):
    host = open_tree("docker-v1")
    for name in ("memory.memsw.limit_in_bytes", "memory.memsw.usage_in_bytes"):
        host.fs.remove_object(f"{ROOTFS}/sys/fs/cgroup/memory/{name}")
    memory = host.call("RPCGetContainerInfo")["memory"]
    assert (memory["swap_limit"], memory["swap_usage"], memory["limit"]) == (None, None, 1 << 30)


def test_a_deleted_cgroup_is_named(open_tree):
    host = open_tree("k8s-v2")
    write(host, "/proc/self/cgroup", b"0::/kubepods/burstable/pod-1/app (deleted)\n")
    info = host.call("RPCGetContainerInfo")
    reason = "cgroup /kubepods/burstable/pod-1/app (deleted) was deleted"
    assert info["unavailable"] == dict.fromkeys(("memory", "cpu", "cpuacct", "cpuset", "pids"),
                                                reason)  # fmt: skip
    assert (info["cgroup_version"], info["memory"]["limit"], info["cpu"]["cpus"]) == (None, None, 2)
    assert host.call("RPCGetPressure")["unavailable"]["cgroup"] == reason


def test_a_cgroup_outside_the_mounts_root_is_named(open_tree):
    host = open_tree("k8s-v2")
    write(host, "/proc/self/cgroup", b"0::/kubepods/besteffort/pod-2\n")
    reason = "cgroup /kubepods/besteffort/pod-2 is not under the mount's root /kubepods/burstable"
    assert host.call("RPCGetContainerInfo")["unavailable"]["memory"] == reason
    assert host.call("RPCGetPressure")["unavailable"]["cgroup"] == reason


def test_a_cgroup_filesystem_that_is_not_mounted(open_tree):
    host = open_tree("docker-v1")
    table = host.read("self/mountinfo")
    host.rewrite("self/mountinfo", b"".join(
        row + b"\n" for row in table.splitlines() if b"/sys/fs/cgroup/memory " not in row
    ))  # fmt: skip
    info = host.call("RPCGetContainerInfo")
    assert info["unavailable"] == {"memory": "no cgroup filesystem with memory is mounted"}
    assert info["cgroup_version"] == 1  # from the cpu controller's hierarchy
    assert info["memory"]["limit"] is None
    assert info["cpu"]["quota_cores"] == 0.5


def test_a_permission_error_is_named(open_tree):
    host = open_tree("k8s-v2")
    host.fs.chmod(f"{ROOTFS}/sys/fs/cgroup/pod-1/app/memory.current", 0, force_unix_mode=True)
    from pyfakefs import helpers

    helpers.set_uid(1000)
    try:
        info = host.call("RPCGetContainerInfo")
    finally:
        helpers.set_uid(0)
    assert info["unavailable"] == {
        "memory.usage": "InternalError: /sys/fs/cgroup/pod-1/app/memory.current: permission denied"
    }
    assert (info["memory"]["usage"], info["memory"]["working_set"]) == (None, None)
    assert info["memory"]["limit"] == 384 * MIB


def test_a_truncated_pressure_line_is_named(open_tree):
    host = open_tree("k8s-v2")
    write(host, "/proc/pressure/memory", b"some avg10=4.00 avg60=2.00 avg300=1.00 total=5000000\n"
                                          b"full avg10=2.00 avg6")  # fmt: skip
    pressure = host.call("RPCGetPressure")
    assert pressure["memory"] is None
    assert pressure["unavailable"] == {
        "memory": "InternalError: /proc/pressure/memory: line 2 is not "
        "'some|full avg10= avg60= avg300= total=': 'full avg10=2.00 avg6'"
    }
    assert pressure["cpu"] == PRESSURE["k8s-v2"]["cpu"]


def test_without_proc_pressure_the_cgroup_still_answers(open_tree):
    host = open_tree("k8s-v2")
    for resource in ("cpu", "memory", "io", "irq"):
        host.remove(f"pressure/{resource}")
    pressure = host.call("RPCGetPressure")
    assert pressure["unavailable"] == ALL_MISSING
    assert pressure["cgroup"] == K8S_CGROUP_PRESSURE


def test_sys_metrics_follows_a_change_of_cgroup(open_tree):
    host = open_tree("k8s-v2")
    assert host.call("RPCGetSysMetrics")["container"] == {"memory_usage": 50.0, "cpu_usage": 0.0}
    # Moved to the mount's root, /kubepods/burstable: 4 cores (cpu.max), no memory limit.
    write(host, "/proc/self/cgroup", b"0::/kubepods/burstable\n")
    assert host.call("RPCGetSysMetrics")["container"] == {"memory_usage": None, "cpu_usage": None}
    write(host, "/proc/self/cgroup", b"garbage\n")  # found again, and nothing is found
    metrics = host.call("RPCGetSysMetrics")
    assert "container" not in metrics
    assert "unavailable" not in metrics
