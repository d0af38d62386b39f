"""scripts/capture_host.py run on a fake host (a hand-written tree) inside pyfakefs."""

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

from sysmon.adapters.fake_host.disk import fakefs_statvfs
from sysmon.adapters.procfs import ProcfsReader
from sysmon.domain.models import ProcessTally

REPO = Path(__file__).resolve().parents[3]
HOSTS = REPO / "sysmon" / "hosts"
FACTS = {"user_hz": 100, "page_size": 65536, "machine": "aarch64"}


def load_script():
    spec = importlib.util.spec_from_file_location(
        "capture_host", REPO / "scripts" / "capture_host.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["capture_host"] = module  # so that pyfakefs patches its os, shutil and open
    spec.loader.exec_module(module)
    return module


capture_host = load_script()


@pytest.fixture
def source(fs):
    """odd-host served as the live host: /src/proc and /src/rootfs."""
    fs.add_real_directory(str(HOSTS / "odd-host"), target_path="/src")
    return fs


def read(path):
    with open(path, "rb") as file:
        return file.read()


def tree_files(root):
    found = {}
    for directory, _, files in os.walk(root):
        for name in files:
            path = f"{directory}/{name}"
            found[path[len(root) :]] = read(path)
    return found


def test_the_capture_holds_exactly_what_sysmon_reads(source):
    target = capture_host.capture(
        "odd", "/src/proc", "/src/rootfs", "/out", True, FACTS, fakefs_statvfs(source)
    )
    assert target == "/out/odd"
    files = tree_files(target)
    pids = sorted(p for p in os.listdir("/src/proc") if p.isdigit())
    expected = {
        "/proc/stat",
        "/proc/meminfo",
        "/proc/zoneinfo",
        "/proc/loadavg",
        "/proc/uptime",
        "/proc/net/dev",
        "/proc/1/mountinfo",
        "/proc/sys/kernel/hostname",
        "/proc/sys/kernel/osrelease",
        "/proc/sys/kernel/ostype",
        "/proc/sys/kernel/arch",
        "/proc/sys/kernel/version",
        "/proc/sys/kernel/domainname",
        "/rootfs/etc/os-release",  # found under usr/lib on the host
        "/host.json",
    } | {f"/proc/{pid}/stat" for pid in pids}
    assert set(files) == expected
    assert files["/proc/meminfo"] == read("/src/proc/meminfo")
    assert files["/rootfs/etc/os-release"] == read("/src/rootfs/usr/lib/os-release")


def test_the_capture_is_anonymised(source):
    target = capture_host.capture(
        "odd", "/src/proc", "/src/rootfs", "/out", True, FACTS, fakefs_statvfs(source)
    )
    assert read(f"{target}/proc/sys/kernel/hostname") == b"host-odd\n"
    assert read(f"{target}/proc/102/stat").startswith(b"102 (proc-102) D 1 102 102 ")
    assert read(f"{target}/proc/103/stat").startswith(b"103 (proc-103) T 1 103 103 ")
    table = read(f"{target}/proc/1/mountinfo").split(b"\n")
    # Sources that name something get numbers in order of appearance; the same source
    # keeps its number (the bind mount of 259:3); pseudo sources equal to the type stay.
    assert table[0].endswith(b" - overlay overlay rw,lowerdir=/lower,upperdir=/upper,workdir=/work")
    assert table[4].endswith(b" - devtmpfs source-1 rw,size=32000000k,nr_inodes=500000,mode=755")
    assert table[7].endswith(b" - ext4 source-2 rw")
    assert table[8].endswith(b" - xfs source-3 rw,attr2,inode64")
    assert table[9].endswith(b" - xfs source-3 rw,attr2,inode64")
    assert table[16].endswith(b" - fuse.sshfs source-10 rw,user_id=1000,group_id=1000")
    assert table[17].endswith(b" - nfs4 source-11 rw,vers=4.2,addr=x,clientaddr=x")
    assert table[13].startswith(b"33 20 259:7 / /mnt/raw\xff rw")  # mount points are kept


def test_the_capture_reads_back_like_the_host(source):
    target = capture_host.capture(
        "odd", "/src/proc", "/src/rootfs", "/out", True, FACTS, fakefs_statvfs(source)
    )
    live = ProcfsReader("/src/proc", "/src/rootfs")
    captured = ProcfsReader(f"{target}/proc", f"{target}/rootfs")
    assert captured.process_tally() == live.process_tally()
    assert captured.kernel_stat() == live.kernel_stat()
    assert [(m.path, m.device, m.fstype) for m in captured.mounts()] == [
        (m.path, m.device, m.fstype) for m in live.mounts()
    ]
    assert captured.os_release() == live.os_release()


def test_host_json_has_the_facts_and_every_mount(source):
    source.add_mount_point("/src/rootfs/data", total_size=4096 * 100)
    target = capture_host.capture(
        "odd", "/src/proc", "/src/rootfs", "/out", True, FACTS, fakefs_statvfs(source)
    )
    host = json.loads(read(f"{target}/host.json"))
    assert {k: host[k] for k in FACTS} == FACTS
    assert len(host["mounts"]) == 22
    assert host["mounts"]["/data"] == {
        "total": 409600,
        "used": 0,
        "free": 409600,
        "files": 0,  # pyfakefs has no inodes
        "files_free": 0,
    }
    assert os.fsdecode(b"/mnt/raw\xff") in host["mounts"]


def test_the_capture_is_deterministic(source):
    first = tree_files(
        capture_host.capture(
            "odd", "/src/proc", "/src/rootfs", "/a", True, FACTS, fakefs_statvfs(source)
        )
    )
    second = tree_files(
        capture_host.capture(
            "odd", "/src/proc", "/src/rootfs", "/b", True, FACTS, fakefs_statvfs(source)
        )
    )
    assert first == second


def test_no_anonymise_keeps_names(source):
    target = capture_host.capture(
        "odd", "/src/proc", "/src/rootfs", "/out", False, FACTS, fakefs_statvfs(source)
    )
    assert read(f"{target}/proc/sys/kernel/hostname") == b"odd-host\n"
    assert read(f"{target}/proc/100/stat") == read("/src/proc/100/stat")
    assert read(f"{target}/proc/1/mountinfo") == read("/src/proc/1/mountinfo")


def test_a_kernel_without_mountinfo_gives_proc_mounts(fs):
    fs.add_real_directory(str(HOSTS / "legacy-2.6.18"), target_path="/src")
    target = capture_host.capture(
        "old", "/src/proc", "/src/rootfs", "/out", True, FACTS, fakefs_statvfs(fs)
    )
    lines = read(f"{target}/proc/mounts").split(b"\n")
    assert lines[0] == b"rootfs / rootfs rw 0 0"
    assert lines[1] == b"source-1 / ext3 rw,data=ordered 0 0"
    assert lines[7] == b"source-6 /boot ext3 rw,data=ordered 0 0"
    assert not os.path.exists(f"{target}/proc/sys/kernel/arch")
    assert not os.path.exists(f"{target}/rootfs")
    reader = ProcfsReader(f"{target}/proc")
    assert reader.process_tally() == ProcessTally({"S": 9, "D": 1, "R": 1, "Z": 1, "T": 1}, 22)


def test_an_existing_capture_is_kept_unless_forced(source, capsys):
    source.create_file("/out/odd/proc/4242/stat", contents="stale")
    with pytest.raises(SystemExit):
        capture_host.main(
            ["odd", "--procfs", "/src/proc", "--rootfs", "/src/rootfs", "--out", "/out"]
        )
    assert "exists" in capsys.readouterr().err
    assert os.path.exists("/out/odd/proc/4242/stat")
    argv = ["odd", "--procfs", "/src/proc", "--rootfs", "/src/rootfs", "--out", "/out", "--force"]
    assert capture_host.main(argv) == 0
    assert not os.path.exists("/out/odd/proc/4242/stat")
    assert os.path.exists("/out/odd/proc/600/stat")
