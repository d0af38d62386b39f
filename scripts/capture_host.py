#!/usr/bin/env python3
"""Capture what sysmon reads from a live host into a host tree under sysmon/hosts/NAME.

The tree is what the procfs adapter needs to answer every method, and nothing else:

    NAME/proc/{stat,meminfo,zoneinfo,loadavg,uptime,net/dev}
    NAME/proc/{1/mountinfo | self/mountinfo | mounts}     (the first readable)
    NAME/proc/<pid>/stat                                  (every process)
    NAME/proc/sys/kernel/{hostname,osrelease,ostype,arch,version,domainname}
    NAME/proc/self/cgroup, NAME/proc/pressure/{cpu,memory,io,irq}
    NAME/rootfs/etc/os-release                            (from etc/ or usr/lib/)
    NAME/rootfs/<cgroup dir>/<file>   the cgroup files sysmon reads, for its own cgroup
                                      and each parent up to the mount point
    NAME/host.json   {"user_hz", "page_size", "machine",
                      "mounts": {path: {total, used, free, files, files_free, readonly}}}

Files a kernel does not have (zoneinfo, arch, mountinfo, pressure) are left out, as on
the host. The cgroups are the capturing process's own, found as sysmon finds them: each
line of /proc/self/cgroup on the cgroup or cgroup2 mount that holds it, the mount's root
taken off the path's front.
``host.json`` holds what is not in /proc, so a fake host can be rebuilt from the tree:
the statvfs figures of every mount point that can be measured, keyed by the mount
point as ``os.fsdecode`` gives it (``os.fsencode(key)`` is the raw path).

By default the capture is anonymised: the hostname becomes ``host-NAME``, every command
name ``proc-<pid>``, every mount source that names something (``/dev/sda1``,
``server:/export``) ``source-N`` in order of appearance, and ``*addr=`` mount options
``addr=x``. Processes that exit during the capture are skipped.

The script uses the standard library only and does not import sysmon, so it can be
copied alone to the host to be captured. Its output depends only on what it captured.
"""

import argparse
import json
import os
import shutil
import sys

PROC_FILES = (
    "stat",
    "meminfo",
    "zoneinfo",  # Linux >= 2.6.13
    "loadavg",
    "uptime",
    "net/dev",
    "sys/kernel/hostname",
    "sys/kernel/osrelease",
    "sys/kernel/ostype",
    "sys/kernel/arch",  # recent kernels only
    "sys/kernel/version",
    "sys/kernel/domainname",
)
MOUNT_TABLES = ("1/mountinfo", "self/mountinfo", "mounts")
PRESSURE = ("pressure/cpu", "pressure/memory", "pressure/io", "pressure/irq")  # Linux >= 4.20
CGROUP_FILES = (
    # v2
    "memory.max", "memory.current", "memory.stat", "memory.swap.max", "memory.swap.current",
    "memory.events", "cpu.max", "cpu.stat", "cpuset.cpus.effective", "pids.current",
    "pids.max", "cpu.pressure", "memory.pressure", "io.pressure", "irq.pressure",
    # v1
    "memory.limit_in_bytes", "memory.usage_in_bytes", "memory.memsw.limit_in_bytes",
    "memory.memsw.usage_in_bytes", "memory.oom_control", "cpu.cfs_quota_us",
    "cpu.cfs_period_us", "cpuacct.usage", "cpuset.effective_cpus",
)  # fmt: skip
OS_RELEASE = ("etc/os-release", "usr/lib/os-release")
KEPT_SOURCES = frozenset({"none"})  # and any source equal to its fstype (proc, tmpfs...)


def join(root, relative):
    """A POSIX path under ``root``; ``root`` may be ``/``."""
    return root.rstrip("/") + "/" + relative.lstrip("/")


def read(path):
    """The whole file, or None when it cannot be read (absent, process gone, hidden)."""
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return None


def write(root, relative, data):
    path = join(root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as file:
        file.write(data)


def unescape(field):
    """Decode the kernel's ``\\ooo`` escapes in a mount table field."""
    out = bytearray()
    i = 0
    while i < len(field):
        code = field[i + 1 : i + 4]
        if field[i : i + 1] == b"\\" and len(code) == 3 and all(48 <= c <= 55 for c in code):
            out.append(int(code, 8) & 0xFF)
            i += 4
        else:
            out.append(field[i])
            i += 1
    return bytes(out)


class Anonymiser:
    """Replaces identifying values consistently: the same source always gets the same name."""

    def __init__(self, enabled):
        self.enabled = enabled
        self.sources = {}

    def source(self, source, fstype):
        if not self.enabled or source == fstype or source.decode("latin-1") in KEPT_SOURCES:
            return source
        if source not in self.sources:
            self.sources[source] = b"source-%d" % (len(self.sources) + 1)
        return self.sources[source]

    def options(self, options):
        if not self.enabled:
            return options
        scrubbed = []
        for option in options.split(b","):
            key, equals, _ = option.partition(b"=")
            scrubbed.append(key + b"=x" if equals and key.endswith(b"addr") else option)
        return b",".join(scrubbed)

    def comm(self, pid, stat):
        """``pid (comm) ...`` with comm replaced by ``proc-<pid>``; comm ends at the last ')'."""
        start, end = stat.find(b"("), stat.rfind(b")")
        if not self.enabled or start < 0 or end < start:
            return stat
        return stat[: start + 1] + b"proc-" + pid + stat[end:]


def mount_table(data, relative, anonymiser):
    """The table rewritten for anonymity, and its mount points (escapes decoded)."""
    lines = []
    points = []
    for line in data.split(b"\n"):
        fields = line.split(b" ")
        if relative.endswith("mountinfo") and b"-" in fields[5:]:
            sep = fields.index(b"-", 5)
            if len(fields) > sep + 2:
                fields[sep + 2] = anonymiser.source(fields[sep + 2], fields[sep + 1])
            if len(fields) > sep + 3:
                fields[sep + 3] = anonymiser.options(fields[sep + 3])
            points.append(unescape(fields[4]))
        elif not relative.endswith("mountinfo") and len(fields) >= 4:
            fields[0] = anonymiser.source(fields[0], fields[2])
            fields[3] = anonymiser.options(fields[3])
            points.append(unescape(fields[1]))
        lines.append(b" ".join(fields))
    return b"\n".join(lines), points


def cgroup_mounts(table):
    """(mount point, root, fstype, super options) of each cgroup mount in a mountinfo table."""
    found = []
    for line in table.split(b"\n"):
        fields = line.split(b" ")
        if b"-" not in fields[5:]:
            continue
        sep = fields.index(b"-", 5)
        fstype = fields[sep + 1] if len(fields) > sep + 1 else b""
        if fstype in (b"cgroup", b"cgroup2"):
            options = fields[sep + 3] if len(fields) > sep + 3 else b""
            found.append((unescape(fields[4]), unescape(fields[3]), fstype, options.split(b",")))
    return found


def cgroup_directories(self_cgroup, mounts):
    """Every directory from each of the process's cgroups up to its mount point."""
    directories = []
    for line in self_cgroup.split(b"\n"):
        parts = line.split(b":", 2)
        if len(parts) != 3:
            continue
        controllers = [c for c in parts[1].split(b",") if c]
        for point, root, fstype, options in mounts:
            v2 = fstype == b"cgroup2" and not controllers
            if not v2 and not (
                fstype == b"cgroup" and controllers[:1] and controllers[0] in options
            ):
                continue
            path = parts[2]
            if root != b"/" and not (path == root or path.startswith(root.rstrip(b"/") + b"/")):
                continue
            below = path[len(root.rstrip(b"/")) :] if root != b"/" else path
            names = [n for n in below.split(b"/") if n]
            for depth in range(len(names), -1, -1):
                directories.append(point.rstrip(b"/") + b"".join(b"/" + n for n in names[:depth]))
            break
    return directories


def capture_cgroups(procfs, rootfs, target, table):
    """/proc/self/cgroup, /proc/pressure, and the files of the process's own cgroups."""
    proc = join(target, "proc")
    for relative in PRESSURE:
        data = read(join(procfs, relative))
        if data is not None:
            write(proc, relative, data)
    self_cgroup = read(join(procfs, "self/cgroup"))
    if self_cgroup is None or table is None:
        return
    write(proc, "self/cgroup", self_cgroup)
    root = os.fsencode(rootfs.rstrip("/"))
    for directory in cgroup_directories(self_cgroup, cgroup_mounts(table)):
        for name in CGROUP_FILES:
            data = read(root + directory + b"/" + name.encode())
            if data is not None:
                write(join(target, "rootfs"), os.fsdecode(directory + b"/" + name.encode()), data)


def measure(rootfs, points, statvfs=os.statvfs):
    """statvfs figures, as df computes them, for each mount point that can be measured."""
    mounts = {}
    for point in points:
        try:
            st = statvfs(os.fsencode(rootfs.rstrip("/")) + point)
        except OSError:
            continue
        sizes = {
            "total": st.f_blocks * st.f_frsize,
            "used": (st.f_blocks - st.f_bfree) * st.f_frsize,
            "free": st.f_bavail * st.f_frsize,
            "files": st.f_files,
            "files_free": st.f_ffree,
        }
        if st.f_flag & os.ST_RDONLY:
            sizes["readonly"] = True
        mounts[os.fsdecode(point)] = sizes
    return mounts


def capture(name, procfs, rootfs, out, anonymise, facts, statvfs=os.statvfs):
    """Write the host tree ``out/name`` and return its path.

    ``facts`` is ``{"user_hz", "page_size", "machine"}`` of the host being captured.
    """
    target = join(out, name)
    proc = join(target, "proc")
    anonymiser = Anonymiser(anonymise)

    for relative in PROC_FILES:
        data = read(join(procfs, relative))
        if data is None:
            continue
        if anonymise and relative == "sys/kernel/hostname":
            data = b"host-" + name.encode() + b"\n"
        write(proc, relative, data)

    points = []
    raw_table = None
    for relative in MOUNT_TABLES:
        data = read(join(procfs, relative))
        if data is not None:
            table, points = mount_table(data, relative, anonymiser)
            write(proc, relative, table)
            raw_table = data if relative.endswith("mountinfo") else None
            break
    capture_cgroups(procfs, rootfs, target, raw_table)

    pids = sorted((entry for entry in os.listdir(procfs) if entry.isdigit()), key=int)
    for pid in pids:
        stat = read(join(procfs, pid + "/stat"))
        if stat:  # None or empty: the process exited meanwhile
            write(proc, pid + "/stat", anonymiser.comm(pid.encode(), stat))

    for relative in OS_RELEASE:
        data = read(join(rootfs, relative))
        if data is not None:
            write(join(target, "rootfs"), "etc/os-release", data)
            break

    host = dict(facts, mounts=measure(rootfs, points, statvfs))
    write(target, "host.json", (json.dumps(host, indent=2, sort_keys=True) + "\n").encode())
    return target


def clear(target):
    """Remove a previous capture's parts, and only those."""
    for part in ("proc", "rootfs"):
        shutil.rmtree(join(target, part), ignore_errors=True)
    if os.path.exists(join(target, "host.json")):
        os.remove(join(target, "host.json"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("name", help="the tree's name, e.g. this-vm")
    parser.add_argument("--procfs", default="/proc", help="procfs root (default /proc)")
    parser.add_argument("--rootfs", default="/", help="root filesystem (default /)")
    parser.add_argument("--out", default="sysmon/hosts", help="where trees live")
    parser.add_argument("--no-anonymise", dest="anonymise", action="store_false")
    parser.add_argument("--force", action="store_true", help="replace an existing capture")
    args = parser.parse_args(argv)

    target = join(args.out, args.name)
    if os.path.exists(target):
        if not args.force:
            parser.error(target + " exists; use --force to replace it")
        clear(target)
    facts = {
        "user_hz": os.sysconf("SC_CLK_TCK"),
        "page_size": os.sysconf("SC_PAGE_SIZE"),
        "machine": os.uname().machine,
    }
    written = capture(args.name, args.procfs, args.rootfs, args.out, args.anonymise, facts)
    sys.stderr.write("captured " + written + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
