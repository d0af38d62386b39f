"""What the exporter and the terminal view read of a FakeHost: each CPU's line, the
kernel's counters, inodes and the read-only flag, the kernel's version and domain name."""

import os
import shutil

import pytest

from sysmon.adapters.fake_host import FakeHost
from sysmon.adapters.procfs import ProcfsReader
from sysmon.domain.models import CpuTimes, FsUsage

GIB = 1 << 30


def column_sums(per_cpu):
    return tuple(
        sum(column) for column in zip(*(t.as_tuple() for t in per_cpu.values()), strict=True)
    )


def test_per_cpu_lines_always_sum_to_the_aggregate(tmp_path):
    host = FakeHost(str(tmp_path / "host"), cpus=3)
    reader = host.reader()
    # The minimal host: each CPU 1000 s at 100 Hz, 5 % user, 3 % system, 90 % idle,
    # 1 % iowait, 0.5 % softirq, 0.5 % steal.
    each = CpuTimes(5000, 0, 3000, 90000, 1000, 0, 500, 500, 0, 0)
    assert reader.cpu_stat().per_cpu == {0: each, 1: each, 2: each}
    # 1 s over 3 CPUs is 300 ticks: 100 user, 7 system (cpu0 3, cpu1 2, cpu2 2), the rest
    # 193 idle (cpu0 65, the others 64)
    host.advance(1, busy=100, system=7)
    stat = reader.cpu_stat()
    assert stat.per_cpu[0] == CpuTimes(5034, 0, 3003, 90065, 1000, 0, 500, 500, 0, 0)
    assert stat.per_cpu[2] == CpuTimes(5033, 0, 3002, 90064, 1000, 0, 500, 500, 0, 0)
    assert column_sums(stat.per_cpu) == stat.stat.cpu.as_tuple()
    assert stat.stat.cpu == CpuTimes(15100, 0, 9007, 270193, 3000, 0, 1500, 1500, 0, 0)
    host.set_cpu(iowait=10)  # an aggregate set outright is split the same way: 4 3 3
    stat = reader.cpu_stat()
    assert [t.iowait for t in stat.per_cpu.values()] == [4, 3, 3]
    assert column_sums(stat.per_cpu) == stat.stat.cpu.as_tuple()


def test_a_captured_trees_cpus_are_kept_apart_and_sum_to_its_aggregate(tmp_path):
    tree = "odd-host"  # a shipped tree, by name
    host = FakeHost.from_tree(tree, str(tmp_path / "host"))
    stat = host.reader().cpu_stat()
    assert stat.stat.online_cpus == len(stat.per_cpu) == 3
    assert column_sums(stat.per_cpu) == stat.stat.cpu.as_tuple()


def test_forks_and_context_switches_are_the_scripts(tmp_path):
    host = FakeHost(str(tmp_path / "host"))
    reader = host.reader()
    first = reader.cpu_stat()
    assert (first.forks, first.context_switches, first.interrupts) == (1, 0, 0)
    host.spawn("worker")
    host.spawn_many(3)
    assert reader.cpu_stat().forks == 5  # pid 1, then four forks


def test_inodes_and_the_read_only_flag_reach_the_reader(tmp_path):
    host = FakeHost(str(tmp_path / "host"))
    host.mount(
        "/data", "xfs", total=100 * GIB, used=40 * GIB, files=6_553_600, files_free=6_553_500
    )
    host.mount("/media/cd", "iso9660", total=GIB, used=GIB, files=0, files_free=0, readonly=True)
    reader = host.reader()
    assert reader.fs_usage(b"/data") == FsUsage(
        100 * GIB, 40 * GIB, 60 * GIB, files=6_553_600, files_free=6_553_500, readonly=False
    )
    assert reader.fs_usage(b"/media/cd").readonly is True
    # the minimal root was mounted without inode figures: unknown, not zero
    root = reader.fs_usage(b"/")
    assert (root.files, root.files_free, root.readonly) == (None, None, False)
    host.set_inodes("/data", files_free=100, readonly=True)
    assert reader.fs_usage(b"/data") == FsUsage(
        100 * GIB, 40 * GIB, 60 * GIB, files=6_553_600, files_free=100, readonly=True
    )


def test_inode_mistakes_are_refused(tmp_path):
    host = FakeHost(str(tmp_path / "host"))
    with pytest.raises(ValueError, match="both or none"):
        host.mount("/data", total=GIB, files=10)
    with pytest.raises(ValueError, match="11 free of 10"):
        host.mount("/data", total=GIB, files=10, files_free=11)
    with pytest.raises(KeyError, match="nothing mounted"):
        host.set_inodes("/nowhere", readonly=True)


def test_a_copied_tree_keeps_its_inode_figures(tmp_path):
    first = FakeHost(str(tmp_path / "first"))
    first.mount("/data", total=GIB, used=0, files=1000, files_free=990, readonly=True)
    second = FakeHost.from_tree(first.root, str(tmp_path / "second"))
    assert second.reader().fs_usage(b"/data") == FsUsage(GIB, 0, GIB, 1000, 990, True)


def test_the_kernel_version_and_domain_name(tmp_path):
    host = FakeHost(str(tmp_path / "host"))
    reader = host.reader()
    identity = reader.kernel_identity()
    assert identity.version == "#1 SMP PREEMPT_DYNAMIC Fri Nov 27 08:00:00 UTC 2026"
    assert identity.domainname == "(none)"
    host.set_identity(domainname="corp.example", version=None)
    identity = reader.kernel_identity()
    assert (identity.version, identity.domainname) == (None, "corp.example")
    assert not os.path.exists(f"{host.procfs_root}/sys/kernel/version")


def test_statvfs_of_a_real_directory_is_what_the_kernel_says(tmp_path):
    reader = ProcfsReader("/proc", str(tmp_path))
    usage = reader.fs_usage(b"/")
    # two independent readings: shutil's df-style sizes and the raw statvfs fields

    sizes = shutil.disk_usage(tmp_path)
    raw = os.statvfs(tmp_path)
    assert usage.total == sizes.total
    assert usage.files == raw.f_files
    assert usage.readonly == bool(raw.f_flag & os.ST_RDONLY)
    # used and free move as the filesystem is written to; both are within a few MiB
    assert abs(usage.used - sizes.used) < 64 << 20
    assert abs(usage.free - sizes.free) < 64 << 20
    assert abs(usage.files_free - raw.f_ffree) < 1000
