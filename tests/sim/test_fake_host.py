"""FakeHost itself: kernel text as Linux prints it, the same in pyfakefs and in a real
directory, captured trees read back through the real reader, and broken files."""

import json
import os
from pathlib import Path

import pytest

from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.fake_host import FakeHost
from sysmon.adapters.procfs import ProcfsReader
from sysmon.domain.errors import ProcfsFormatError, ServiceUnavailable
from sysmon.domain.models import FsUsage, KernelIdentity, LoadAvg, ProcessTally, Uptime

HOSTS = Path(__file__).resolve().parents[2] / "sysmon" / "hosts"
TREES = sorted(p.name for p in HOSTS.iterdir() if (p / "proc").is_dir())
GIB = 1 << 30


def read(host, path):
    with open(host.procfs_root + path.removeprefix("/proc"), "rb") as file:
        return file.read()


def snapshot(root):
    """Every file under root, by its path relative to root, with its bytes."""
    files = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            with open(path, "rb") as file:
                files[os.path.relpath(path, root).replace(os.sep, "/")] = file.read()
    return files


def script(host):
    """A little of everything a script does."""
    host.advance(2.5, busy=120, system=30, iowait=10, steal=5, guest=20)
    host.spawn("nginx: worker (1)", "R", threads=4)
    host.spawn("kworker/0:1H-events_highpri", "I")
    host.add_interface("wlan0", rx_bytes=1234567, tx_packets=89)
    host.move("eth0", rx_bytes=10, rx_packets=1)
    host.mount("/mnt/my disk", "ext4", total=10 * GIB, used=GIB)
    host.set_memory(swap_total=GIB, swap_free=GIB // 2)
    host.set_load(0.5, 0.25, 0.125)


def test_the_files_are_kernel_text(fake_host):
    script(fake_host)
    # 2 CPUs x 100 ticks x 2.5 s = 500 ticks: user 120 + 20 guest, system 30, iowait 10,
    # steal 5, idle the rest (500 - 185 = 315); shared evenly, cpu0 taking the odd tick.
    assert read(fake_host, "/proc/stat") == (
        b"cpu  10140 0 6030 180315 2010 0 1000 1005 20 0\n"
        b"cpu0 5070 0 3015 90158 1005 0 500 503 10 0\n"
        b"cpu1 5070 0 3015 90157 1005 0 500 502 10 0\n"
        b"intr 0\nctxt 0\nbtime 1795765400\nprocesses 3\nprocs_running 1\nprocs_blocked 0\n"
        b"softirq 0 0 0 0 0 0 0 0 0 0 0\n"
    )
    assert read(fake_host, "/proc/uptime") == b"1002.50 1803.15\n"
    assert read(fake_host, "/proc/loadavg") == b"0.50 0.25 0.12 4/6 3\n"
    # comm is cut to 15 bytes; starttime is uptime in ticks; num_threads is field 20
    assert read(fake_host, "/proc/2/stat").startswith(
        b"2 (nginx: worker () R 1 2 2 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 4 0 100250 0 0 "
    )
    assert len(read(fake_host, "/proc/2/stat").split()) == 54  # 52 fields; two blanks in comm
    assert read(fake_host, "/proc/net/dev").splitlines()[2:] == [
        b"    lo:       0       0    0    0    0     0          0         0"
        b"        0       0    0    0    0     0       0          0",
        b"  eth0:      10       1    0    0    0     0          0         0"
        b"        0       0    0    0    0     0       0          0",
        b" wlan0: 1234567       0    0    0    0     0          0         0"
        b"        0      89    0    0    0     0       0          0",
    ]
    assert read(fake_host, "/proc/1/mountinfo").splitlines()[-1] == (
        b"26 21 7:5 / /mnt/my\\040disk rw,relatime shared:26 - ext4 /dev/loop5 rw"
    )
    assert read(fake_host, "/proc/mounts").splitlines()[0] == b"/dev/vda1 / ext4 rw,relatime 0 0"
    meminfo = read(fake_host, "/proc/meminfo").splitlines()
    assert meminfo[:2] == [b"MemTotal:        8388608 kB", b"MemFree:         4194304 kB"]
    assert b"SwapTotal:       1048576 kB" in meminfo
    assert b"HugePages_Total:       0" in meminfo
    with open(fake_host.host_json, "rb") as file:
        sizes = json.load(file)["mounts"]["/mnt/my disk"]
    assert sizes == {"total": 10 * GIB, "used": GIB, "free": 9 * GIB}


def test_the_real_reader_reads_what_the_script_says(fake_host):
    script(fake_host)
    reader = fake_host.reader()
    assert reader.uptime() == Uptime(uptime=1002.5, idle=1803.15)
    assert reader.loadavg() == LoadAvg(0.5, 0.25, 0.12, 4, 6, 3)  # printed with 2 decimals
    assert reader.fs_usage(b"/mnt/my disk") == FsUsage(total=10 * GIB, used=GIB, free=9 * GIB)
    assert reader.process_tally().states == {"S": 1, "R": 1, "I": 1}
    assert reader.kernel_identity() == KernelIdentity(
        "simhost",
        "6.8.0-sim",
        "Linux",
        "x86_64",
        version="#1 SMP PREEMPT_DYNAMIC Fri Nov 27 08:00:00 UTC 2026",
        domainname="(none)",
    )
    assert reader.os_release()["PRETTY_NAME"] == "Sim Linux 1.0"


@pytest.mark.parametrize("emulated", ["linux", "macos", "windows"])
def test_pyfakefs_and_a_real_directory_get_the_same_bytes(tmp_path, emulated):
    from pyfakefs.fake_filesystem import OSType
    from pyfakefs.fake_filesystem_unittest import Patcher

    real = FakeHost(str(tmp_path / "host"))
    script(real)
    expected = snapshot(str(tmp_path / "host"))
    with Patcher() as patcher:
        patcher.fs.os = {"linux": OSType.LINUX, "macos": OSType.MACOS}.get(emulated, OSType.WINDOWS)
        fake = FakeHost("/sim", fs=patcher.fs)
        script(fake)
        assert snapshot("/sim") == expected


def test_a_real_directory_host_serves_sizes_from_host_json(tmp_path):
    host = FakeHost(str(tmp_path / "host"))
    host.mount("/data", "ext4", total=100 * GIB, used=50 * GIB, free=45 * GIB)  # 5 % reserved
    reader = host.reader()
    assert reader.fs_usage(b"/data") == FsUsage(total=100 * GIB, used=50 * GIB, free=45 * GIB)
    with pytest.raises(FileNotFoundError):
        reader.fs_usage(b"/not-mounted")


def test_inside_pyfakefs_reserved_blocks_reach_the_reader(fake_host):
    fake_host.mount("/data", "ext4", total=100 * GIB, used=50 * GIB, reserved=5 * GIB)
    reader = fake_host.reader()
    assert reader.fs_usage(b"/data") == FsUsage(total=100 * GIB, used=50 * GIB, free=45 * GIB)
    fake_host.resize("/data", total=100 * GIB, used=60 * GIB, free=30 * GIB)  # 10 GiB reserved
    assert reader.fs_usage(b"/data") == FsUsage(total=100 * GIB, used=60 * GIB, free=30 * GIB)
    assert reader.fs_usage(b"/") == FsUsage(total=64 * GIB, used=16 * GIB, free=48 * GIB)


@pytest.mark.parametrize(
    ("sizes", "complaint"),
    [
        ({"used": 8 * GIB, "free": 5 * GIB}, "do not fit in total"),
        ({"used": 8 * GIB, "reserved": 3 * GIB}, "never negative"),
        ({"used": 1 * GIB, "free": 5 * GIB, "reserved": 1 * GIB}, "is not total - used - reserved"),
    ],
)
def test_sizes_that_no_filesystem_reports_are_refused(fake_host, sizes, complaint):
    with pytest.raises(ValueError, match=complaint):
        fake_host.mount("/data", "ext4", total=10 * GIB, **sizes)


def check_seeded_from(fs, tree):
    source = str(HOSTS / tree)
    fs.add_real_directory(source, lazy_read=False)  # the source, readable beside the copy
    captured = ProcfsReader(f"{source}/proc", f"{source}/rootfs")
    expected = (captured.kernel_stat(), captured.uptime(), captured.loadavg(), captured.net_dev())
    host = FakeHost.from_tree(source, "/sim", fs=fs, clock=FakeClock())
    reader = host.reader()
    assert (reader.kernel_stat(), reader.uptime(), reader.loadavg(), reader.net_dev()) == expected
    assert snapshot("/sim/proc") == snapshot(f"{source}/proc")  # nothing rewritten yet
    host.advance(1, busy=10)
    after = reader.kernel_stat()
    assert after.cpu.user == expected[0].cpu.user + 10
    assert after.boot_time == expected[0].boot_time
    assert reader.uptime().uptime == round(expected[1].uptime + 1, 2)
    assert reader.net_dev() == expected[3]


@pytest.mark.parametrize("tree", [t for t in TREES if t != "odd-host"])
def test_a_captured_tree_is_seeded_through_the_real_reader(fake_fs, tree):
    check_seeded_from(fake_fs, tree)


@pytest.mark.linux_only_names
def test_the_odd_host_tree_is_seeded_through_the_real_reader(fake_fs):
    # Its mount points hold a newline, a tab, a backslash and a byte that is not UTF-8.
    check_seeded_from(fake_fs, "odd-host")


def test_a_kernel_without_a_column_cannot_be_given_its_ticks(fake_fs):
    host = FakeHost.from_tree(str(HOSTS / "legacy-2.6.18"), "/sim", fs=fake_fs)  # 8 columns
    with pytest.raises(ValueError, match="this kernel prints 8 cpu columns: no guest"):
        host.advance(1, guest=10)
    host.advance(1, steal=10)
    assert read(host, "/proc/stat").splitlines()[0] == b"cpu  1000 20 300 8190 100 10 20 60"


@pytest.mark.parametrize(
    ("how", "text"),
    [
        ("empty", b""),
        ("truncated", b"1000"),
        ("garbage", b"\x00\xfe not kernel text \xff\n"),
    ],
)
def test_a_broken_file_stays_broken_until_repaired(fake_host, how, text):
    fake_host.break_file("/proc/uptime", how, keep=4)
    fake_host.advance(1)
    assert read(fake_host, "/proc/uptime") == text
    fake_host.repair("/proc/uptime")
    assert read(fake_host, "/proc/uptime") == b"1001.00 1802.00\n"


def test_hiding_procfs_makes_the_reader_report_the_root(fake_host):
    reader = fake_host.reader()
    fake_host.hide_procfs()
    fake_host.spawn("meanwhile")
    with pytest.raises(ServiceUnavailable, match="/sim/proc is not readable: empty"):
        reader.uptime()
    fake_host.restore_procfs()
    assert reader.process_tally().states == {"S": 2}
    fake_host.break_file("/proc/loadavg", "missing")
    with pytest.raises(ProcfsFormatError, match="/proc/loadavg: missing"):
        reader.loadavg()


def test_script_mistakes_are_refused(fake_host):
    with pytest.raises(TypeError, match="unknown CPU column: bogus"):
        fake_host.advance(1, bogus=1)
    with pytest.raises(ValueError, match="whole KiB"):
        fake_host.set_memory(total=1000)
    with pytest.raises(ValueError, match="bad or existing interface name"):
        fake_host.add_interface("eth0")
    with pytest.raises(KeyError):
        fake_host.end(999)
    with pytest.raises(ValueError, match="bad process"):
        fake_host.spawn("x", state="RR")
    with pytest.raises(ValueError, match="time does not run backwards"):
        fake_host.advance(-1)
    with pytest.raises(ValueError, match="how must be one of"):
        fake_host.break_file("/proc/stat", "melted")
    with pytest.raises(FileNotFoundError):
        fake_host.break_file("/proc/nonexistent", "missing")


def test_more_of_the_script_reaches_the_files(fake_host):
    reader = fake_host.reader()
    pid = fake_host.spawn("job")
    fake_host.set_process(pid, state="T", threads=3)
    assert reader.process_tally() == ProcessTally({"S": 1, "T": 1}, 4)
    fake_host.set_counters("eth0", rx_bytes=7, tx_errors=2)
    eth0 = reader.net_dev()[1]
    assert (eth0.name, eth0.rx_bytes, eth0.tx_errors) == ("eth0", 7, 2)
    # a kernel before /proc/sys/kernel/arch; a host built without the other two files
    fake_host.set_identity(hostname="web-1", arch=None, version=None, domainname=None)
    assert reader.kernel_identity() == KernelIdentity("web-1", "6.8.0-sim", "Linux", None)
    fake_host.set_identity(version="#2 SMP", domainname="corp.example")
    identity = reader.kernel_identity()
    assert (identity.version, identity.domainname) == ("#2 SMP", "corp.example")
    fake_host.set_os_release(None)
    assert reader.os_release() is None
    fake_host.reboot()  # no downtime: booted this very second
    assert reader.kernel_stat().boot_time == 1_795_766_400
    fake_host.end(1)  # /proc/1/mountinfo goes with pid 1: the reader falls back to self/
    assert reader.mounts()[0].path == b"/"
    assert not os.path.exists("/sim/proc/1")
    assert fake_host.pids == []
    assert fake_host.state.next_pid == 2


def test_more_script_mistakes_are_refused(fake_host):
    with pytest.raises(ValueError, match="a mount point is absolute"):
        fake_host.mount("data")
    with pytest.raises(KeyError, match="nothing mounted at"):
        fake_host.unmount("/nowhere")
    with pytest.raises(ValueError, match="sizes are never negative"):
        fake_host.resize("/", total=GIB, used=2 * GIB)
    with pytest.raises(TypeError, match="unknown identity file: nisdomain"):
        fake_host.set_identity(nisdomain="x")
    fake_host.hide_procfs()
    with pytest.raises(ValueError, match="procfs not yet hidden"):
        fake_host.hide_procfs()
    fake_host.restore_procfs()
    with pytest.raises(ValueError, match="paths are absolute"):
        fake_host.repair("proc/stat")
    without_fs = FakeHost("/other")  # the real-directory mode, though pyfakefs is active
    with pytest.raises(RuntimeError, match="needs pyfakefs"), without_fs.unprivileged():
        pass


def test_a_kernel_before_mountinfo_gets_its_mounts_in_proc_mounts(fake_fs):
    host = FakeHost.from_tree(str(HOSTS / "legacy-2.6.18"), "/sim", fs=fake_fs)
    host.mount("/data", "ext3", total=8 * GIB, used=2 * GIB, source="/dev/sdb1")
    assert read(host, "/proc/mounts").splitlines()[-1] == b"/dev/sdb1 /data ext3 rw,relatime 0 0"
    assert not os.path.exists("/sim/proc/self/mountinfo")
    data = host.reader().mounts()[-1]
    assert (data.path, data.device, data.source) == (b"/data", "/dev/sdb1", "/dev/sdb1")


def test_odd_corners_of_the_script(fake_host):
    fake_host.state.next_pid = 1  # pid 1 is taken: the next free one is used
    assert fake_host.spawn("next") == 2
    with fake_host.batch():  # a process that comes and goes between two writes
        short = fake_host.spawn("short-lived")
        fake_host.end(short)
    assert not os.path.exists(f"/sim/proc/{short}")
    fake_host.restore_procfs()  # nothing hidden: nothing to do
    with pytest.raises(ValueError, match="does not fit a 32-bit counter"):
        fake_host.add_interface("ppp0", width=32, rx_bytes=1 << 32)


def test_a_kernel_prints_four_to_ten_cpu_columns(fake_fs):
    with pytest.raises(ValueError, match="a cpu line has 4 to 10 columns, not 3"):
        FakeHost("/sim", fs=fake_fs, cpu_columns=3)
    host = FakeHost("/old", fs=fake_fs, cpu_columns=4)  # 2.4: iowait and the rest are idle
    assert read(host, "/proc/stat").splitlines()[0] == b"cpu  10000 0 6000 184000"


def test_host_json_must_be_an_object_and_may_be_absent(tmp_path):
    host = FakeHost(str(tmp_path / "host"))
    reader = host.reader()
    Path(host.host_json).write_text("[]")
    with pytest.raises(ValueError, match=r"host\.json: expected a JSON object"):
        reader.fs_usage(b"/")
    Path(host.host_json).unlink()
    with pytest.raises(FileNotFoundError):
        reader.fs_usage(b"/")


@pytest.mark.parametrize("fake_host_tree", [str(HOSTS / "container")])
def test_the_fake_host_fixture_starts_from_a_named_tree(fake_host):
    assert fake_host.reader().kernel_identity().hostname == "c0ffee123456"
