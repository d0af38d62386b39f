"""This host's cgroups and pressure, read by sysmon, checked against the kernel's files.

The files are found here independently of sysmon's code, from /proc/self/cgroup and
/proc/self/mountinfo. This host sets no limits, so the root part also makes a child
cgroup under the one the tests run in, with a memory limit and a CPU quota (and a
grandchild with a larger memory limit, which the smaller one above it binds), runs
sysmon inside, checks what it reports, and removes both.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from needs import need, need_root
from spawned import sysmon_executable

from sysmon.app.config import Settings
from sysmon.app.container import build_container

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the real Linux host"),
]
MIB = 1 << 20
NO_V1_LIMIT = 1 << 62


def cgroup_dirs():
    """{controller: (version, path as /proc/self/cgroup has it, directory)} of this process."""
    mounts = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split(" ")
        sep = fields.index("-")
        mounts.append((fields[4], fields[3], fields[sep + 1], fields[sep + 3].split(",")))
    found = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for point, root, fstype, options in mounts:
            v2 = fstype == "cgroup2" and not controllers
            v1 = fstype == "cgroup" and controllers and controllers.split(",")[0] in options
            if not (v1 or v2) or not (root == "/" or path.startswith(root)):
                continue
            below = path if root == "/" else path[len(root) :]
            directory = point.rstrip("/") + (below if below != "/" else "")
            for name in controllers.split(",") if v1 else ["cgroup2"]:
                found[name] = (1 if v1 else 2, path, directory)
            break
    for name in ("memory", "cpu", "cpuacct", "cpuset", "pids"):
        if name not in found and "cgroup2" in found:
            found[name] = found["cgroup2"]
    return found


def read(path):
    try:
        return Path(path).read_text()
    except FileNotFoundError:
        return None


def number(path):
    text = read(path)
    if text is None or text.strip() in ("max", "-1"):
        return None
    return int(text)


@pytest.fixture
def metrics():
    service = build_container(Settings(cache_duration=0)).metrics()
    service.start()
    return service


def test_container_info_matches_the_cgroup_files(metrics):
    dirs = cgroup_dirs()
    need("memory" in dirs and "cpu" in dirs, "this host has no memory and cpu cgroups")
    version, path, memory_dir = dirs["memory"]
    before = number(f"{memory_dir}/{'memory.current' if version == 2 else 'memory.usage_in_bytes'}")
    info = metrics.collect("RPCGetContainerInfo")
    after = number(f"{memory_dir}/{'memory.current' if version == 2 else 'memory.usage_in_bytes'}")
    assert (info["cgroup_version"], info["path"]) == (version, path)
    usage = info["memory"]["usage"]
    assert min(before, after) - 64 * MIB <= usage <= max(before, after) + 64 * MIB
    assert 0 <= info["memory"]["working_set"] <= usage
    raw_limit = number(f"{memory_dir}/{'memory.max' if version == 2 else 'memory.limit_in_bytes'}")
    own_limit = None if raw_limit is None or raw_limit >= NO_V1_LIMIT else raw_limit
    limit = info["memory"]["limit"]
    assert limit == own_limit or (limit is not None and (own_limit is None or limit < own_limit))
    _, _, cpu_dir = dirs["cpu"]
    stat = dict(line.split() for line in (read(f"{cpu_dir}/cpu.stat") or "").splitlines())
    if "nr_periods" in stat:
        assert info["cpu"]["periods"] >= int(stat["nr_periods"])
    cpuset = dirs.get("cpuset")
    cpus_file = None
    if cpuset is not None:
        name = "cpuset.cpus.effective" if cpuset[0] == 2 else "cpuset.effective_cpus"
        cpus_file = read(f"{cpuset[2]}/{name}")
    if cpus_file:
        ranges = [part.split("-") for part in cpus_file.strip().split(",")]
        assert info["cpu"]["cpus"] == sum(int(r[-1]) - int(r[0]) + 1 for r in ranges)
    else:
        assert info["cpu"]["cpus"] == os.cpu_count()
    assert info["cpu"]["usage_seconds"] > 0
    assert info["cpu"]["usage_percent"] is not None and info["cpu"]["usage_percent"] >= 0


def test_pressure_matches_proc_pressure(metrics):
    present = set(os.listdir("/proc/pressure")) if os.path.isdir("/proc/pressure") else set()

    def totals():
        out = {}
        for resource in present:
            for row in read(f"/proc/pressure/{resource}").splitlines():
                kind, *pairs = row.split()
                out[(resource, kind)] = int(dict(p.split("=") for p in pairs)["total"]) / 1e6
        return out

    before = totals()
    pressure = metrics.collect("RPCGetPressure")
    after = totals()
    for resource in ("cpu", "memory", "io", "irq"):
        if resource not in present:
            assert pressure[resource] is None
            assert pressure["unavailable"][resource] == f"/proc/pressure/{resource}: missing"
            continue
        for kind in ("some", "full"):
            line = pressure[resource][kind]
            if (resource, kind) not in before:
                assert line is None
                continue
            assert before[(resource, kind)] <= line["total_seconds"] <= after[(resource, kind)]
            assert 0.0 <= line["avg10"] <= 100.0
    v2 = cgroup_dirs().get("cgroup2")
    if v2 is not None and read(f"{v2[2]}/cpu.pressure") is not None:
        assert pressure["cgroup"]["path"] == v2[1]
        assert pressure["cgroup"]["cpu"]["some"]["total_seconds"] > 0


def rmdir_when_empty(directory, tries=50):
    """A cgroup can be removed once its last task is gone; the kernel may lag a little."""
    for _ in range(tries):
        try:
            os.rmdir(directory)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
    os.rmdir(directory)


def test_sysmon_in_a_child_cgroup_with_limits(tmp_path):
    need_root("to create a cgroup and move a process into it")
    dirs = cgroup_dirs()
    need("memory" in dirs and "cpu" in dirs, "this host has no memory and cpu cgroups")
    name = f"sysmon-test-{os.getpid()}"
    memory_version, memory_path, memory_dir = dirs["memory"]
    _, _, cpu_dir = dirs["cpu"]
    outer_memory, inner_memory = f"{memory_dir}/{name}", f"{memory_dir}/{name}/inner"
    created = []
    try:
        for directory in (outer_memory, inner_memory):
            os.mkdir(directory)
            created.append(directory)
        if memory_version == 2:
            Path(f"{outer_memory}/memory.max").write_text(str(256 * MIB))
            Path(f"{inner_memory}/memory.max").write_text(str(1024 * MIB))
        else:
            Path(f"{outer_memory}/memory.limit_in_bytes").write_text(str(256 * MIB))
            Path(f"{inner_memory}/memory.limit_in_bytes").write_text(str(1024 * MIB))
        cpu_child = inner_memory if cpu_dir == memory_dir else f"{cpu_dir}/{name}"
        if cpu_child not in created:
            os.mkdir(cpu_child)
            created.append(cpu_child)
        if memory_version == 2:
            Path(f"{cpu_child}/cpu.max").write_text("50000 100000")
        else:
            Path(f"{cpu_child}/cpu.cfs_period_us").write_text("100000")
            Path(f"{cpu_child}/cpu.cfs_quota_us").write_text("50000")
        script = (
            f'echo $$ > "{inner_memory}/cgroup.procs" && echo $$ > "{cpu_child}/cgroup.procs" '
            '&& "$0" call RPCGetContainerInfo && exec "$0" call RPCGetSysMetrics'
        )
        done = subprocess.run(["sh", "-c", script, sysmon_executable()], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        assert (done.returncode, done.stderr) == (0, "")
        info_text, metrics_text = done.stdout.splitlines()
        info, metrics = json.loads(info_text), json.loads(metrics_text)
        assert info["cgroup_version"] == memory_version
        assert info["path"] == memory_path.rstrip("/") + f"/{name}/inner"
        memory = info["memory"]
        assert memory["limit"] == 256 * MIB  # the outer cgroup's, smaller than the inner's
        assert 0 < memory["working_set"] <= memory["usage"] <= 256 * MIB
        assert memory["usage_percent"] == round(memory["working_set"] / (256 * MIB) * 100, 2)
        assert info["cpu"]["quota_cores"] == 0.5
        assert info["cpu"]["usage_percent"] is not None and info["cpu"]["usage_percent"] >= 0
        assert metrics["container"]["memory_usage"] > 0
        assert metrics["container"]["cpu_usage"] >= 0
    finally:
        for directory in reversed(created):
            rmdir_when_empty(directory)
    assert not any(os.path.exists(directory) for directory in created)
