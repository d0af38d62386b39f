"""ProcfsReader on a fake /proc (pyfakefs): reading, fallbacks, and error translation."""

import inspect
import logging

import pytest
from pyfakefs.fake_filesystem import OSType

from sysmon.adapters.fake_host.disk import fakefs_statvfs
from sysmon.adapters.procfs import ProcfsReader
from sysmon.domain.errors import InternalError, ProcfsFormatError, ServiceUnavailable
from sysmon.domain.models import (
    CpuTimes,
    FsUsage,
    KernelIdentity,
    KernelStat,
    LoadAvg,
    Mount,
    NetDev,
    ProcessTally,
    Uptime,
)
from sysmon.domain.ports import ProcfsPort

ROOT = "/host/proc"
ROOTFS = "/host/rootfs"
NET_HEADER = (
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast"
    "|bytes    packets errs drop fifo colls carrier compressed\n"
)


def pid_stat(pid, comm="init", state="S", threads=1):
    return f"{pid} ({comm}) {state} 1 {pid} {pid} 0 -1 0 0 0 0 0 1 2 0 0 20 0 {threads} 0 5 0 0\n"


SMALL = {
    "stat": "cpu  10 1 5 100 2 0 1 0 0 0\ncpu0 10 1 5 100 2 0 1 0 0 0\nbtime 1000\n"
    "procs_running 1\nprocs_blocked 0\n",
    "meminfo": "MemTotal: 1000 kB\nMemFree: 400 kB\nMemAvailable: 600 kB\nHugePages_Total: 0\n",
    "zoneinfo": "Node 0, zone Normal\n  pages free 5\n        low      7\n",
    "loadavg": "0.25 0.50 1.00 1/20 300\n",
    "uptime": "100.50 150.25\n",
    "1/mountinfo": "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n",
    "net/dev": NET_HEADER + "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
    "1/stat": pid_stat(1),
    "42/stat": pid_stat(42, "worker", "R", 3),
    "sys/kernel/hostname": "small\n",
    "sys/kernel/osrelease": "6.1.0\n",
    "sys/kernel/ostype": "Linux\n",
}


def make_host(fs, files=None, root=ROOT):
    for relative, contents in (SMALL if files is None else files).items():
        fs.create_file(f"{root}/{relative}", contents=contents)
    return ProcfsReader(root, ROOTFS, fakefs_statvfs(fs))


METHODS = [
    "kernel_stat",
    "meminfo",
    "zoneinfo_low_pages",
    "loadavg",
    "uptime",
    "mounts",
    "net_dev",
    "process_tally",
    "kernel_identity",
]


def test_reader_has_every_method_of_the_port_with_its_signature():
    members = sorted(name for name in vars(ProcfsPort) if not name.startswith("_"))
    assert {"kernel_stat", "meminfo", "fs_usage", "process_tally", "os_release"} <= set(members)
    for name in members:
        ours = inspect.signature(getattr(ProcfsReader, name))
        assert ours == inspect.signature(getattr(ProcfsPort, name)), name


def test_construction_reads_nothing_and_each_call_reads_afresh(fs):
    reader = ProcfsReader(ROOT, ROOTFS)  # before the tree exists: nothing is read yet
    make_host(fs)
    assert reader.loadavg() == LoadAvg(0.25, 0.5, 1.0, 1, 20, 300)
    fs.remove_object(f"{ROOT}/loadavg")
    fs.create_file(f"{ROOT}/loadavg", contents="2.00 1.00 0.50 3/40 999\n")
    assert reader.loadavg() == LoadAvg(2.0, 1.0, 0.5, 3, 40, 999)


@pytest.mark.parametrize("ostype", [OSType.LINUX, OSType.MACOS, OSType.WINDOWS])
def test_a_small_host_reads_the_same_on_every_emulated_os(fs, ostype):
    fs.os = ostype
    reader = make_host(fs)
    fs.create_file(f"{ROOTFS}/etc/os-release", contents='PRETTY_NAME="Small 1"\n')
    assert reader.kernel_stat() == KernelStat(CpuTimes(10, 1, 5, 100, 2, 0, 1), 1, 1000, 1, 0)
    assert reader.meminfo() == {
        "MemTotal": 1024000,
        "MemFree": 409600,
        "MemAvailable": 614400,
        "HugePages_Total": 0,
    }
    assert reader.zoneinfo_low_pages() == 7
    assert reader.loadavg() == LoadAvg(0.25, 0.5, 1.0, 1, 20, 300)
    assert reader.uptime() == Uptime(100.5, 150.25)
    assert reader.mounts() == [Mount(b"/", "ext4", "8:1", "/dev/sda1", b"/", "rw", "rw")]
    assert reader.net_dev() == [NetDev("eth0", 1, 2, 3, 4, 9, 10, 11, 12)]
    assert reader.process_tally() == ProcessTally({"S": 1, "R": 1}, 4)
    assert reader.kernel_identity() == KernelIdentity("small", "6.1.0", "Linux", None)
    assert reader.os_release() == {"PRETTY_NAME": "Small 1"}


def test_roots_may_end_with_a_slash(fs):
    make_host(fs)
    fs.create_file(f"{ROOTFS}/etc/os-release", contents="ID=x\n")
    reader = ProcfsReader(ROOT + "/", ROOTFS + "/")
    assert reader.uptime() == Uptime(100.5, 150.25)
    assert reader.process_tally() == ProcessTally({"S": 1, "R": 1}, 4)
    assert reader.os_release() == {"ID": "x"}


# -- the root as a whole ------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_missing_root_is_service_unavailable(fs, method):
    with pytest.raises(ServiceUnavailable) as caught:
        getattr(ProcfsReader("/nothere", ROOTFS), method)()
    assert str(caught.value) == "/nothere is not readable: missing"


@pytest.mark.parametrize("method", METHODS)
def test_an_empty_root_is_service_unavailable(fs, method):
    # What an empty tmpfs mounted over /proc looks like.
    fs.create_dir("/empty/proc")
    with pytest.raises(ServiceUnavailable) as caught:
        getattr(ProcfsReader("/empty/proc", ROOTFS), method)()
    assert str(caught.value) == "/empty/proc is not readable: empty"


@pytest.mark.parametrize("method", METHODS)
def test_a_root_that_is_a_file_is_service_unavailable(fs, method):
    fs.create_file("/proc-file", contents="cpu  1 2 3 4\n")
    with pytest.raises(ServiceUnavailable) as caught:
        getattr(ProcfsReader("/proc-file", ROOTFS), method)()
    assert str(caught.value) == "/proc-file is not readable: not a directory"


@pytest.mark.parametrize("method", METHODS)
def test_a_root_that_is_not_a_procfs_is_service_unavailable(fs, method):
    fs.create_file("/other/README", contents="not a procfs\n")
    with pytest.raises(ServiceUnavailable) as caught:
        getattr(ProcfsReader("/other", ROOTFS), method)()
    assert str(caught.value) == "/other is not readable: no stat entry"


@pytest.mark.parametrize("method", METHODS)
def test_a_root_we_may_not_enter_is_service_unavailable(fs, become_user, method):
    make_host(fs)
    fs.chmod(ROOT, 0o700)  # owned by root
    become_user()
    with pytest.raises(ServiceUnavailable) as caught:
        getattr(ProcfsReader(ROOT, ROOTFS), method)()
    assert str(caught.value) == f"{ROOT} is not readable: permission denied"


# -- one file ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "message"),
    [
        ("meminfo", "/proc/meminfo: missing"),
        ("loadavg", "/proc/loadavg: missing"),
        ("uptime", "/proc/uptime: missing"),
        ("net_dev", "/proc/net/dev: missing"),
        ("kernel_identity", "/proc/sys/kernel/hostname: missing"),
        (
            "mounts",
            "/proc/mounts: missing, and no readable /proc/1/mountinfo or /proc/self/mountinfo",
        ),
    ],
)
def test_a_missing_file_under_a_sound_root_is_an_internal_error(fs, method, message):
    make_host(fs, {"stat": SMALL["stat"]})
    with pytest.raises(InternalError) as caught:
        getattr(ProcfsReader(ROOT, ROOTFS), method)()
    assert not isinstance(caught.value, ServiceUnavailable)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("relative", "contents", "method", "message"),
    [
        ("meminfo", "garbage\n", "meminfo", "/proc/meminfo: no parseable line"),
        ("stat", "intr 5\n", "kernel_stat", "/proc/stat: no aggregate cpu line"),
        ("loadavg", "", "loadavg", "/proc/loadavg: empty"),
        ("uptime", "1.0\n", "uptime", "/proc/uptime: not enough fields (1, need 2)"),
        ("net/dev", "eth0: 1\n", "net_dev", "/proc/net/dev: missing header"),
        ("zoneinfo", "\n", "zoneinfo_low_pages", "/proc/zoneinfo: empty"),
        ("1/mountinfo", "x\n", "mounts", "/proc/1/mountinfo: not enough fields in line 1"),
        ("sys/kernel/osrelease", "", "kernel_identity", "/proc/sys/kernel/osrelease: empty"),
    ],
)
def test_a_garbage_file_is_an_internal_error_naming_it(fs, relative, contents, method, message):
    make_host(fs, {**SMALL, relative: contents})
    with pytest.raises(ProcfsFormatError) as caught:
        getattr(ProcfsReader(ROOT, ROOTFS), method)()
    assert str(caught.value) == message


def test_an_unreadable_file_is_permission_denied(fs, become_user):
    make_host(fs)
    fs.chmod(f"{ROOT}/meminfo", 0o600)
    become_user()
    with pytest.raises(ProcfsFormatError) as caught:
        ProcfsReader(ROOT, ROOTFS).meminfo()
    assert str(caught.value) == "/proc/meminfo: permission denied"


def test_a_directory_in_place_of_a_file_is_named(fs):
    make_host(fs, {k: v for k, v in SMALL.items() if k != "loadavg"})
    fs.create_dir(f"{ROOT}/loadavg")
    with pytest.raises(ProcfsFormatError) as caught:
        ProcfsReader(ROOT, ROOTFS).loadavg()
    assert str(caught.value) == "/proc/loadavg: is a directory"


def test_zoneinfo_absent_or_hidden_is_none(fs, become_user):
    reader = make_host(fs, {k: v for k, v in SMALL.items() if k != "zoneinfo"})
    assert reader.zoneinfo_low_pages() is None
    fs.create_file(f"{ROOT}/zoneinfo", st_mode=0o100600, contents="low 5\n")
    assert reader.zoneinfo_low_pages() == 5
    become_user()
    assert reader.zoneinfo_low_pages() is None


def test_arch_is_optional_but_the_other_names_are_not(fs):
    reader = make_host(fs)
    assert reader.kernel_identity().arch is None
    fs.create_file(f"{ROOT}/sys/kernel/arch", contents="riscv64\n")
    assert reader.kernel_identity() == KernelIdentity("small", "6.1.0", "Linux", "riscv64")


# -- the mount table ----------------------------------------------------------------------

PID1 = "1 0 8:1 / /pid1 rw - ext4 /dev/sda1 rw\n"
SELF = "1 0 8:2 / /self rw - ext4 /dev/sda2 rw\n"
MOUNTS = "/dev/sda3 /mounts ext3 rw 0 0\n"


@pytest.mark.parametrize(
    ("tables", "path"),
    [
        ({"1/mountinfo": PID1, "self/mountinfo": SELF, "mounts": MOUNTS}, b"/pid1"),
        ({"self/mountinfo": SELF, "mounts": MOUNTS}, b"/self"),
        ({"mounts": MOUNTS}, b"/mounts"),
        ({"1/stat": pid_stat(1), "self/mountinfo": SELF}, b"/self"),  # pid 1 without mountinfo
    ],
    ids=["pid1-first", "then-self", "then-mounts", "pid1-dir-without-table"],
)
def test_the_first_mount_table_that_exists_wins(fs, tables, path):
    reader = make_host(fs, {"stat": SMALL["stat"], **tables})
    assert [m.path for m in reader.mounts()] == [path]


def test_an_unreadable_mount_table_falls_through(fs, become_user):
    reader = make_host(fs, {"stat": SMALL["stat"], "self/mountinfo": SELF})
    fs.create_file(f"{ROOT}/1/mountinfo", st_mode=0o100600, contents=PID1)
    assert [m.path for m in reader.mounts()] == [b"/pid1"]
    become_user()
    assert reader.mounts() == [Mount(b"/self", "ext4", "8:2", "/dev/sda2", b"/", "rw", "rw")]


def test_the_first_readable_table_wins_even_if_it_does_not_parse(fs):
    reader = make_host(fs, {"stat": SMALL["stat"], "self/mountinfo": "bad\n", "mounts": MOUNTS})
    with pytest.raises(ProcfsFormatError, match=r"^/proc/self/mountinfo: not enough fields"):
        reader.mounts()


def test_proc_mounts_gives_the_source_as_device(fs):
    reader = make_host(fs, {"stat": SMALL["stat"], "mounts": MOUNTS})
    assert reader.mounts() == [
        Mount(b"/mounts", "ext3", "/dev/sda3", "/dev/sda3", b"/", "rw", "rw")
    ]


# -- the process scan ---------------------------------------------------------------------


def test_a_process_gone_mid_scan_is_not_counted(fs):
    reader = make_host(fs)
    fs.create_dir(f"{ROOT}/77")  # the directory was listed, its stat is gone
    fs.create_file(f"{ROOT}/78/stat", contents="")  # an exiting task can read empty
    assert reader.process_tally() == ProcessTally({"S": 1, "R": 1}, 4)


def test_names_that_are_not_pids_are_ignored(fs):
    reader = make_host(fs)
    fs.create_file(f"{ROOT}/self/stat", contents=pid_stat(5, state="Z"))
    fs.create_file(f"{ROOT}/thread-self/stat", contents=pid_stat(5, state="Z"))
    fs.create_file(f"{ROOT}/1a/stat", contents=pid_stat(5, state="Z"))
    fs.create_file(f"{ROOT}/99", contents="a file, not a directory")
    assert reader.process_tally() == ProcessTally({"S": 1, "R": 1}, 4)


def test_a_malformed_stat_is_skipped_with_one_debug_line(fs, caplog):
    caplog.set_level(logging.DEBUG, logger="sysmon.adapters.procfs")
    reader = make_host(fs)
    fs.create_file(f"{ROOT}/600/stat", contents="600 (trunc) S 1 600\n")
    assert reader.process_tally() == ProcessTally({"S": 1, "R": 1}, 4)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["skipping /proc/600/stat: not enough fields (5, need 20)"]
    assert caplog.records[0].levelno == logging.DEBUG


def test_a_pid_hidden_from_us_is_skipped(fs, become_user):
    reader = make_host(fs)
    fs.create_file(f"{ROOT}/500/stat", st_mode=0o100600, contents=pid_stat(500, state="D"))
    assert reader.process_tally() == ProcessTally({"S": 1, "R": 1, "D": 1}, 5)
    become_user()
    assert reader.process_tally() == ProcessTally({"S": 1, "R": 1}, 4)


def test_a_root_with_pids_but_no_stat_still_tallies(fs):
    # A tree holding only processes answers the scan; the missing stat is for other methods.
    reader = make_host(fs, {"7/stat": pid_stat(7, state="D", threads=2)})
    assert reader.process_tally() == ProcessTally({"D": 1}, 2)


def test_a_sound_root_with_no_processes_gives_an_empty_tally(fs):
    reader = make_host(fs, {"stat": SMALL["stat"]})
    assert reader.process_tally() == ProcessTally({}, 0)


# -- statvfs and os-release under the rootfs ----------------------------------------------


def test_fs_usage_is_taken_under_the_rootfs(fs):
    reader = make_host(fs)
    fs.add_mount_point(f"{ROOTFS}/data", total_size=10_000)
    fs.create_file(f"{ROOTFS}/data/blob", st_size=2_500)
    fs.add_mount_point(f"{ROOTFS}/mnt/caf\u00e9", total_size=4_096)
    assert reader.fs_usage(b"/data") == FsUsage(10_000, 2_500, 7_500, files=0, files_free=0)
    assert reader.fs_usage("/mnt/café".encode()) == FsUsage(4_096, 0, 4_096, 0, 0)


def test_fs_usage_of_the_root_with_the_default_rootfs(fs):
    fs.set_disk_usage(1_000_000)
    fs.create_file("/etc/big", st_size=1_000)
    reader = ProcfsReader(statvfs=fakefs_statvfs(fs))
    assert reader.fs_usage(b"/") == FsUsage(1_000_000, 1_000, 999_000, files=0, files_free=0)


def test_os_release_prefers_etc_then_usr_lib(fs):
    reader = ProcfsReader(ROOT, ROOTFS)
    assert reader.os_release() is None
    fs.create_file(f"{ROOTFS}/usr/lib/os-release", contents="ID=lib\n")
    assert reader.os_release() == {"ID": "lib"}
    fs.create_file(f"{ROOTFS}/etc/os-release", contents="ID=etc\n")
    assert reader.os_release() == {"ID": "etc"}


def test_an_unreadable_etc_os_release_falls_back_with_a_warning(fs, become_user, caplog):
    fs.create_file(f"{ROOTFS}/etc/os-release", st_mode=0o100600, contents="ID=etc\n")
    fs.create_file(f"{ROOTFS}/usr/lib/os-release", contents="ID=lib\n")
    become_user()
    assert ProcfsReader(ROOT, ROOTFS).os_release() == {"ID": "lib"}
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert caplog.records[0].getMessage() == (
        f"cannot read {ROOTFS}/etc/os-release: permission denied"
    )
