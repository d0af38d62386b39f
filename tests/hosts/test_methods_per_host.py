"""Every method of MetricsService against every host tree, with values worked out by hand.

Each tree of sysmon/hosts (see its README) is read through the real ProcfsReader inside
pyfakefs (conftest.py). The expected values below are literals taken from the tree's
files with the arithmetic in a comment; docs/metrics.md gives the rules. USER_HZ is 100
on every tree, so a time in seconds is ticks / 100. Byte figures from meminfo are kB × 1024.

Disk figures follow host.json as far as pyfakefs can express them (conftest.py): free is
always total − used there, so ``free`` and ``used_percent`` = used / (used + free) use
that free, not host.json's ``free`` where the two differ (reserved blocks).

Every request is answered at the FakeClock's epoch plus the 0.5 s the clock moved after
start(): ``timestamp`` 1795766400.5.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sysmon.domain.errors import InternalError
from sysmon.domain.metrics import METHODS

TREES = ("this-vm", "legacy-2.6.18", "debian6-2.6.32", "odd-host", "container")
NOW = 1_795_766_400.5  # FakeClock epoch 1795766400.0 (2026-11-27T00:00:00Z) + 0.5 s
REPO = Path(__file__).resolve().parents[2]

# -- RPCCPUUsage: the ten times, ticks / USER_HZ (100) ------------------------------------

CPU_TIMES = {
    # cpu  10794 0 13293 127963 371 0 72 1759 0 0
    "this-vm": {
        "user": 107.94,
        "nice": 0.0,
        "system": 132.93,
        "idle": 1279.63,
        "iowait": 3.71,
        "irq": 0.0,
        "softirq": 0.72,
        "steal": 17.59,
        "guest": 0.0,
        "guest_nice": 0.0,
    },
    # cpu  1000 20 300 8000 100 10 20 50: eight columns, no guest nor guest_nice (0)
    "legacy-2.6.18": {
        "user": 10.0,
        "nice": 0.2,
        "system": 3.0,
        "idle": 80.0,
        "iowait": 1.0,
        "irq": 0.1,
        "softirq": 0.2,
        "steal": 0.5,
        "guest": 0.0,
        "guest_nice": 0.0,
    },
    # cpu  4000 100 1000 50000 500 0 100 0 200: nine columns, no guest_nice (0)
    "debian6-2.6.32": {
        "user": 40.0,
        "nice": 1.0,
        "system": 10.0,
        "idle": 500.0,
        "iowait": 5.0,
        "irq": 0.0,
        "softirq": 1.0,
        "steal": 0.0,
        "guest": 2.0,
        "guest_nice": 0.0,
    },
    # cpu  10000 500 3000 80000 1000 100 200 40 400 100
    "odd-host": {
        "user": 100.0,
        "nice": 5.0,
        "system": 30.0,
        "idle": 800.0,
        "iowait": 10.0,
        "irq": 1.0,
        "softirq": 2.0,
        "steal": 0.4,
        "guest": 4.0,
        "guest_nice": 1.0,
    },
    # cpu  2000 0 1000 20000 100 0 50 10 0 0
    "container": {
        "user": 20.0,
        "nice": 0.0,
        "system": 10.0,
        "idle": 200.0,
        "iowait": 1.0,
        "irq": 0.0,
        "softirq": 0.5,
        "steal": 0.1,
        "guest": 0.0,
        "guest_nice": 0.0,
    },
}

# A second cpu line written into /proc/stat after start(), and the usage of the window:
# total = Σ column steps − guest − guest_nice, busy = total − idle − iowait.
CPU_STEP = {
    # steps: user +60, system +20, idle +100, iowait −5 (a counter stepping back: clamped
    # to 0), softirq +5, steal +5 → total 60+20+100+0+5+5 = 190, busy 190−100 = 90
    # → 90 / 190 = 47.368… %
    "this-vm": (b"cpu  10854 0 13313 128063 366 0 77 1764 0 0", 108.54, 47.37),
    # steps: user +150, nice +10, system +40, idle +180, iowait +15, irq +2, softirq +3
    # → total 400, busy 400−180−15 = 205 → 51.25 %
    "legacy-2.6.18": (b"cpu  1150 30 340 8180 115 12 23 50", 11.5, 51.25),
    # steps: user +300 (guest +100 of it), system +100, idle +500, guest +100
    # → total 300+100+500+100−100 = 900, busy 900−500 = 400 → 44.444… %
    # (50 % if guest time were counted twice)
    "debian6-2.6.32": (b"cpu  4300 100 1100 50500 500 0 100 0 300", 43.0, 44.44),
    # steps: user +80, nice +20, system +40, idle +120, iowait +20, irq +5, softirq +5,
    # steal +10, guest +30, guest_nice +20 → total 350−30−20 = 300, busy 300−120−20 = 160
    # → 53.333… %
    "odd-host": (b"cpu  10080 520 3040 80120 1020 105 205 50 430 120", 100.8, 53.33),
    # steps: user +50, system +25, idle +400, softirq +5, steal +20
    # → total 500, busy 500−400 = 100 → 20 %
    "container": (b"cpu  2050 0 1025 20400 100 0 55 30 0 0", 20.5, 20.0),
}

# -- RPCGetMemoryInfo -------------------------------------------------------------------

MEMORY = {
    "this-vm": {
        "total": 25276510208,  # MemTotal 24684092 kB × 1024
        "available": 24915361792,  # MemAvailable 24331408 kB × 1024
        "used": 361148416,  # (24684092 − 24331408) = 352684 kB × 1024
        "usage_percent": 1.43,  # 352684 / 24684092 = 1.4288 %
        "free": 24855572480,  # MemFree 24273020 kB × 1024
        "buffers": 2863104,  # Buffers 2796 kB × 1024
        "cached": 304504832,  # Cached 270652 + SReclaimable 26716 = 297368 kB × 1024
        "shared": 9068544,  # Shmem 8856 kB × 1024
        "swap_total": 0,  # SwapTotal 0 kB
        "swap_free": 0,
        "swap_used": 0,
        "swap_usage_percent": 0.0,  # no swap
    },
    "legacy-2.6.18": {
        "total": 4194304000,  # MemTotal 4096000 kB × 1024
        # no MemAvailable, no Active(file)/Inactive(file)/SReclaimable: MemFree + Cached
        # = (1024000 + 512000) kB × 1024
        "available": 1572864000,
        "used": 2621440000,  # (4096000 − 1536000) = 2560000 kB × 1024
        "usage_percent": 62.5,  # 2560000 / 4096000
        "free": 1048576000,  # MemFree 1024000 kB × 1024
        "buffers": 104857600,  # Buffers 102400 kB × 1024
        "cached": 524288000,  # Cached 512000 kB × 1024 (no SReclaimable line)
        "shared": 0,  # no Shmem line (2.6.32+)
        "swap_total": 2147483648,  # SwapTotal 2097152 kB × 1024
        "swap_free": 1073741824,  # SwapFree 1048576 kB × 1024
        "swap_used": 1073741824,  # (2097152 − 1048576) kB × 1024
        "swap_usage_percent": 50.0,
    },
    "debian6-2.6.32": {
        "total": 8192000000,  # MemTotal 8000000 kB × 1024
        # no MemAvailable: free − low + pagecache − min(pagecache/2, low)
        #   + SReclaimable − min(SReclaimable/2, low), where
        # free = MemFree 2048000 kB × 1024 = 2097152000,
        # low = zoneinfo low 5 + 1555 + 1000 = 2560 pages × 4096 = 10485760,
        # pagecache = Active(file) 1000000 + Inactive(file) 500000 kB = 1536000000,
        # SReclaimable = 200000 kB = 204800000; each min() is low:
        # 2097152000 + 1536000000 + 204800000 − 3 × 10485760
        "available": 3806494720,
        "used": 4385505280,  # 8192000000 − 3806494720
        "usage_percent": 53.53,  # 4385505280 / 8192000000 = 53.534 %
        "free": 2097152000,  # MemFree 2048000 kB × 1024
        "buffers": 204800000,  # Buffers 200000 kB × 1024
        "cached": 1638400000,  # Cached 1400000 + SReclaimable 200000 = 1600000 kB × 1024
        "shared": 51200000,  # Shmem 50000 kB × 1024
        "swap_total": 1073737728,  # SwapTotal 1048572 kB × 1024
        "swap_free": 1073737728,  # SwapFree 1048572 kB × 1024
        "swap_used": 0,
        "swap_usage_percent": 0.0,
    },
    "odd-host": {
        "total": 65536000000,  # MemTotal 64000000 kB × 1024
        "available": 40960000000,  # MemAvailable 40000000 kB × 1024
        "used": 24576000000,  # 24000000 kB × 1024
        "usage_percent": 37.5,  # 24000000 / 64000000
        "free": 16384000000,  # MemFree 16000000 kB × 1024
        "buffers": 1024000000,  # Buffers 1000000 kB × 1024
        "cached": 22528000000,  # Cached 20000000 + SReclaimable 2000000 kB, × 1024
        "shared": 204800000,  # Shmem 200000 kB × 1024
        "swap_total": 8192000000,  # SwapTotal 8000000 kB × 1024
        "swap_free": 6144000000,  # SwapFree 6000000 kB × 1024
        "swap_used": 2048000000,  # 2000000 kB × 1024
        "swap_usage_percent": 25.0,  # 2000000 / 8000000
    },
    "container": {
        "total": 8192000000,  # MemTotal 8000000 kB × 1024
        "available": 6144000000,  # MemAvailable 6000000 kB × 1024
        "used": 2048000000,  # 2000000 kB × 1024
        "usage_percent": 25.0,  # 2000000 / 8000000
        "free": 2048000000,  # MemFree 2000000 kB × 1024
        "buffers": 102400000,  # Buffers 100000 kB × 1024
        "cached": 3993600000,  # Cached 3500000 + SReclaimable 400000 = 3900000 kB × 1024
        "shared": 10240000,  # Shmem 10000 kB × 1024
        "swap_total": 0,  # no swap
        "swap_free": 0,
        "swap_used": 0,
        "swap_usage_percent": 0.0,
    },
}

# -- RPCGetLoadAverage and RPCGetUptime --------------------------------------------------

LOAD = {
    # 0.79 0.56 0.26 1/85 11960
    "this-vm": {
        "load1": 0.79,
        "load5": 0.56,
        "load15": 0.26,
        "runnable_tasks": 1,
        "existing_tasks": 85,
        "last_pid": 11960,
    },
    # 0.50 0.25 0.10 2/180 4321
    "legacy-2.6.18": {
        "load1": 0.5,
        "load5": 0.25,
        "load15": 0.1,
        "runnable_tasks": 2,
        "existing_tasks": 180,
        "last_pid": 4321,
    },
    # 1.00 0.50 0.25 1/250 30000
    "debian6-2.6.32": {
        "load1": 1.0,
        "load5": 0.5,
        "load15": 0.25,
        "runnable_tasks": 1,
        "existing_tasks": 250,
        "last_pid": 30000,
    },
    # 1.50 0.75 0.25 3/1234 99999
    "odd-host": {
        "load1": 1.5,
        "load5": 0.75,
        "load15": 0.25,
        "runnable_tasks": 3,
        "existing_tasks": 1234,
        "last_pid": 99999,
    },
    # 0.10 0.20 0.30 1/150 4242
    "container": {
        "load1": 0.1,
        "load5": 0.2,
        "load15": 0.3,
        "runnable_tasks": 1,
        "existing_tasks": 150,
        "last_pid": 4242,
    },
}

UPTIME = {
    "this-vm": {"uptime": 770.77, "idle_time": 1279.63},  # 770.77 1279.63
    "legacy-2.6.18": {"uptime": 86400.0, "idle_time": 170000.0},  # 86400.00 170000.00
    "debian6-2.6.32": {"uptime": 3600.5, "idle_time": 14000.25},  # 3600.50 14000.25
    # 123456.78 456789.12: idle summed over 3 CPUs exceeds uptime
    "odd-host": {"uptime": 123456.78, "idle_time": 456789.12},
    "container": {"uptime": 5000.0, "idle_time": 9000.0},  # 5000.00 9000.00
}

# -- RPCGetDiskUsage ----------------------------------------------------------------------
# free is pyfakefs's total − used; host.json's f_bavail is noted where it is smaller.

DISK = {
    # 1/mountinfo: only / (ext4, 254:0) is real storage. Left out: /proc (proc), /sys
    # (sysfs), /dev (devtmpfs), /dev/shm twice (tmpfs), /dev/pts twice (devpts),
    # /mnt/sandboxing/… (tmpfs), /sys/fs/cgroup (tmpfs) and its nine cgroup/cgroup2 mounts.
    "this-vm": {
        "/": {
            "used": 23343513600,
            "total": 270553174016,
            "free": 247209660416,  # 270553174016 − 23343513600 (host.json: 85600780288)
            "used_percent": 8.63,  # 23343513600 / 270553174016 = 8.628 %
            "fstype": "ext4",
        },
    },
    # /proc/mounts (no mountinfo before 2.6.26): rootfs and /dev/root are both at /, and
    # / is reported once, as the ext3 root device. Left out: /dev and /dev/shm (tmpfs),
    # /proc (proc), /sys (sysfs), /proc/bus/usb (usbfs, under /proc), /dev/pts (devpts),
    # binfmt_misc, rpc_pipefs.
    "legacy-2.6.18": {
        "/": {
            "used": 4294967296,
            "total": 10737418240,
            "free": 6442450944,  # 10737418240 − 4294967296 (host.json: 5905580032)
            "used_percent": 40.0,  # 4 GiB / 10 GiB
            "fstype": "ext3",
        },
        "/boot": {
            "used": 20971520,
            "total": 104857600,
            "free": 83886080,  # 104857600 − 20971520 (host.json: 78643200)
            "used_percent": 20.0,  # 20 MiB / 100 MiB
            "fstype": "ext3",
        },
    },
    # 1/mountinfo: / and /home (ext3) and /srv/nfs (nfs) are kept. Left out: /sys, /proc,
    # /dev (devtmpfs), /dev/pts, /lib/init/rw and /dev/shm (tmpfs), binfmt_misc.
    "debian6-2.6.32": {
        "/": {
            "used": 8589934592,
            "total": 21474836480,
            "free": 12884901888,  # 21474836480 − 8589934592 (host.json: 11811160064)
            "used_percent": 40.0,  # 8 GiB / 20 GiB
            "fstype": "ext3",
        },
        "/home": {
            "used": 42949672960,
            "total": 107374182400,
            "free": 64424509440,  # 107374182400 − 42949672960 (host.json: 59055800320)
            "used_percent": 40.0,  # 40 GiB / 100 GiB
            "fstype": "ext3",
        },
        "/srv/nfs": {
            "used": 549755813888,
            "total": 1099511627776,
            "free": 549755813888,  # 1 TiB − 512 GiB, as host.json says
            "used_percent": 50.0,
            "fstype": "nfs",
        },
    },
    # 1/mountinfo: the overlay / is kept; 259:3 at /data and /srv/export once, at /data;
    # escapes decoded (\040 space, \011 tab, \012 newline, \134 backslash); the raw byte
    # 0xFF shown as \xff; fuse.sshfs and nfs4 are storage. Left out: /proc, /sys,
    # /sys/fs/cgroup (cgroup2), /dev (devtmpfs), /dev/shm, /run, /run/user/1000 (tmpfs),
    # binfmt_misc, /snap/core/1 (squashfs) and /mnt/empty (ext4 of size 0).
    "odd-host": {
        "/": {
            "used": 53687091200,
            "total": 107374182400,
            "free": 53687091200,  # 100 GiB − 50 GiB (host.json: 48318382080)
            "used_percent": 50.0,
            "fstype": "overlay",
        },
        "/boot": {
            "used": 268435456,
            "total": 1073741824,
            "free": 805306368,  # 1 GiB − 256 MiB
            "used_percent": 25.0,
            "fstype": "ext4",
        },
        "/data": {
            "used": 1099511627776,
            "total": 2199023255552,
            "free": 1099511627776,  # 2 TiB − 1 TiB
            "used_percent": 50.0,
            "fstype": "xfs",
        },
        "/mnt/back\\slash": {
            "used": 0,
            "total": 536870912,
            "free": 536870912,
            "used_percent": 0.0,
            "fstype": "vfat",
        },
        "/mnt/fuse": {
            "used": 1073741824,
            "total": 5368709120,
            "free": 4294967296,  # 5 GiB − 1 GiB
            "used_percent": 20.0,
            "fstype": "fuse.sshfs",
        },
        "/mnt/multi": {
            "used": 1073741824,
            "total": 3221225472,
            "free": 2147483648,  # 3 GiB − 1 GiB
            "used_percent": 33.33,  # 1 / 3
            "fstype": "ext4",
        },
        "/mnt/my disk": {
            "used": 1073741824,
            "total": 10737418240,
            "free": 9663676416,  # 10 GiB − 1 GiB
            "used_percent": 10.0,
            "fstype": "ext4",
        },
        "/mnt/new\nline": {
            "used": 1073741824,
            "total": 2147483648,
            "free": 1073741824,
            "used_percent": 50.0,
            "fstype": "ext4",
        },
        "/mnt/nfs": {
            "used": 274877906944,
            "total": 1099511627776,
            "free": 824633720832,  # 1 TiB − 256 GiB
            "used_percent": 25.0,
            "fstype": "nfs4",
        },
        # host.json: 1 GiB, 512 MiB used. pyfakefs cannot hold a mount point with a
        # non-UTF-8 name (conftest.py), so the path is measured on the rootfs device.
        "/mnt/raw\\xff": {
            "used": 53687091200,
            "total": 107374182400,
            "free": 53687091200,
            "used_percent": 50.0,
            "fstype": "ext4",
        },
        "/mnt/tab\there": {
            "used": 10737418240,
            "total": 21474836480,
            "free": 10737418240,  # 20 GiB − 10 GiB
            "used_percent": 50.0,
            "fstype": "ext4",
        },
    },
    # self/mountinfo (pid 1 hidden): the overlay / is kept; 254:1 at /etc/resolv.conf,
    # /etc/hostname, /etc/hosts and /data once, at its shortest path /data. Left out:
    # /proc, /dev (tmpfs), /dev/pts, /sys, /sys/fs/cgroup, /dev/mqueue, /dev/shm.
    "container": {
        "/": {
            "used": 21474836480,
            "total": 53687091200,
            "free": 32212254720,  # 50 GiB − 20 GiB (host.json: 29527900160)
            "used_percent": 40.0,
            "fstype": "overlay",
        },
        "/data": {
            "used": 21474836480,
            "total": 53687091200,
            "free": 32212254720,  # 50 GiB − 20 GiB (host.json: 29527900160)
            "used_percent": 40.0,
            "fstype": "ext4",
        },
    },
}

# RPCGetSysMetrics's disk_usage and disk_total: sums of used and total over DISK.
DISK_SUMS = {
    "this-vm": (23343513600, 270553174016),  # / alone
    # used 4294967296 + 20971520; total 10737418240 + 104857600
    "legacy-2.6.18": (4315938816, 10842275840),
    # used 8589934592 + 42949672960 + 549755813888;
    # total 21474836480 + 107374182400 + 1099511627776
    "debian6-2.6.32": (601295421440, 1228360646656),
    # used: / 53687091200 + /boot 268435456 + /data 1099511627776 + back\slash 0
    #   + fuse, multi, my disk, new\nline 4 × 1073741824 + nfs 274877906944
    #   + raw\xff 53687091200 + tab 10737418240;
    # total: 107374182400 + 1073741824 + 2199023255552 + 536870912 + 5368709120
    #   + 3221225472 + 10737418240 + 2147483648 + 1099511627776 + 107374182400
    #   + 21474836480
    "odd-host": (1497064538112, 3557843533824),
    "container": (42949672960, 107374182400),  # 2 × 20 GiB, 2 × 50 GiB
}

# A mount whose measurement hangs (a stale network mount), and the sums without it.
HUNG = {
    "this-vm": ("/", 0, 0),  # nothing left
    "legacy-2.6.18": ("/boot", 4294967296, 10737418240),  # / alone
    "debian6-2.6.32": ("/srv/nfs", 51539607552, 128849018880),  # / + /home
    # 1497064538112 − 274877906944, 3557843533824 − 1099511627776
    "odd-host": ("/mnt/nfs", 1222186631168, 2458331906048),
    "container": ("/data", 21474836480, 53687091200),  # / alone
}

# -- RPCGetNetworkStats -----------------------------------------------------------------


def dev(rx_bytes, rx_packets, rx_errors, rx_dropped, tx_bytes, tx_packets, tx_errors, tx_dropped):
    """One interface's counters in /proc/net/dev's order (bytes packets errs drop)."""
    return {
        "rx_bytes": rx_bytes,
        "tx_bytes": tx_bytes,
        "rx_packets": rx_packets,
        "tx_packets": tx_packets,
        "rx_errors": rx_errors,
        "tx_errors": tx_errors,
        "rx_dropped": rx_dropped,
        "tx_dropped": tx_dropped,
    }


IDLE = dev(0, 0, 0, 0, 0, 0, 0, 0)
NETWORK = {
    "this-vm": {
        "network": {
            "lo": dev(3193, 29, 0, 0, 3193, 29, 0, 0),
            "ifb0": IDLE,
            "ifb1": IDLE,
            "eth0": dev(65576018, 1603, 0, 0, 109566, 1202, 0, 0),
        },
        "total_rx": 65576018,  # lo left out: 0 + 0 + 65576018
        "total_tx": 109566,  # 0 + 0 + 109566
    },
    "legacy-2.6.18": {
        "network": {
            "lo": dev(1000, 10, 0, 0, 1000, 10, 0, 0),
            "eth0": dev(123456789, 200000, 1, 2, 98765432, 150000, 3, 4),  # eth0:123456789
            "sit0": IDLE,
        },
        "total_rx": 123456789,  # lo left out: 123456789 + 0
        "total_tx": 98765432,
    },
    "debian6-2.6.32": {
        "network": {
            "lo": dev(2000, 20, 0, 0, 2000, 20, 0, 0),
            "eth0": dev(5000000, 40000, 0, 0, 1000000, 8000, 0, 0),
            "eth1": dev(30000, 300, 5, 6, 40000, 400, 7, 8),
        },
        "total_rx": 5030000,  # lo left out: 5000000 + 30000
        "total_tx": 1040000,  # 1000000 + 40000
    },
    "odd-host": {
        "network": {
            "lo": dev(10000, 100, 0, 0, 10000, 100, 0, 0),
            "eth0": dev(1000000, 1000, 1, 2, 500000, 500, 3, 4),
            "eth0.100": dev(200000, 200, 0, 0, 100000, 100, 0, 0),
            "br-1a2b": IDLE,
            "veth1234567": dev(12345678, 300, 0, 0, 87654321, 400, 0, 0),  # glued
        },
        "total_rx": 13545678,  # lo left out: 1000000 + 200000 + 0 + 12345678
        "total_tx": 88254321,  # 500000 + 100000 + 0 + 87654321
    },
    "container": {
        "network": {
            "lo": dev(500, 5, 0, 0, 500, 5, 0, 0),
            "eth0": dev(7000000, 5000, 0, 0, 300000, 2500, 0, 0),
        },
        "total_rx": 7000000,  # lo left out
        "total_tx": 300000,
    },
}

# The dashboard's keys in RPCGetSysMetrics's network: rx and tx, each interface's bytes.
DASHBOARD = {
    "this-vm": {"lo": (3193, 3193), "ifb0": (0, 0), "ifb1": (0, 0), "eth0": (65576018, 109566)},
    "legacy-2.6.18": {"lo": (1000, 1000), "eth0": (123456789, 98765432), "sit0": (0, 0)},
    "debian6-2.6.32": {"lo": (2000, 2000), "eth0": (5000000, 1000000), "eth1": (30000, 40000)},
    "odd-host": {
        "lo": (10000, 10000),
        "eth0": (1000000, 500000),
        "eth0.100": (200000, 100000),
        "br-1a2b": (0, 0),
        "veth1234567": (12345678, 87654321),
    },
    "container": {"lo": (500, 500), "eth0": (7000000, 300000)},
}

# -- RPCGetProcessStats -----------------------------------------------------------------

PROCESSES = {
    # 71 pid directories, counted once with
    #   for p in proc/[0-9]*; do sed 's/.*) //' $p/stat; done \
    #     | awk '{n[$1]++; t += $18} END {for (s in n) print s, n[s]; print t}'
    # → S 33, I 37, R 1, threads 85; /proc/stat procs_blocked 0
    "this-vm": {
        "processes_running": 1,
        "processes_sleeping": 70,  # S 33 + I 37
        "processes_stopped": 0,
        "processes_zombie": 0,
        "processes_total": 71,
        "threads": 85,
        "procs_blocked": 0,
    },
    # 13 processes: R 3100; S 1 2 3 4 5 2000 2100 2200 3000, D 100; T 3300; Z 3200;
    # mysqld (2200) has 10 threads, the other 12 one each: 22
    "legacy-2.6.18": {
        "processes_running": 1,
        "processes_sleeping": 10,  # S 9 + D 1
        "processes_stopped": 1,
        "processes_zombie": 1,
        "processes_total": 13,
        "threads": 22,
        "procs_blocked": 1,
    },
    # 14 processes: R 2100; D 2200; S the other 12; rsyslogd 3 and java 25 threads, the
    # other 12 one each: 12 + 3 + 25 = 40
    "debian6-2.6.32": {
        "processes_running": 1,
        "processes_sleeping": 13,  # S 12 + D 1
        "processes_stopped": 0,
        "processes_zombie": 0,
        "processes_total": 14,
        "threads": 40,
        "procs_blocked": 0,
    },
    # 22 pid directories, 600 truncated and skipped: R 101 ("my (weird) proc") and 400;
    # T 103 ("x) R (y") and 104, t 105; Z 106; sleeping: S 1 2 100 200 300 500 501 502
    # (8), I 3 10 (2), D 102, X 107, W 108, K 109, P 110 (5) = 15.
    # Threads: firefox 120 + python3 8 + 19 others × 1 = 147
    "odd-host": {
        "processes_running": 2,
        "processes_sleeping": 15,
        "processes_stopped": 3,
        "processes_zombie": 1,
        "processes_total": 21,
        "threads": 147,
        "procs_blocked": 2,
    },
    # pid 1 hidden by hidepid=2: sh S (1 thread), python3 S (4), sysmon R (2)
    "container": {
        "processes_running": 1,
        "processes_sleeping": 2,
        "processes_stopped": 0,
        "processes_zombie": 0,
        "processes_total": 3,
        "threads": 7,  # 1 + 4 + 2
        "procs_blocked": 0,
    },
}

# -- RPCGetSystemInfo -------------------------------------------------------------------
# boot_time: btime as UTC, checked once with `date -u -d @<btime>`.

SYSINFO = {
    "this-vm": {
        "hostname": "host-this-vm",
        "kernel": "6.18.44-fc-v657",
        "os": "Linux",
        "distribution": "Debian GNU/Linux 12 (bookworm)",  # rootfs/etc/os-release
        "platform": "x86_64",  # sys/kernel/arch
        "processors": 2,  # cpu0 cpu1
        "boot_time": "2026-11-27T08:44:16Z",
        "boot_time_unix": 1795769056,
    },
    # no os-release at all: no distribution; no sys/kernel/arch: host.json's machine
    "legacy-2.6.18": {
        "hostname": "legacy-host",
        "kernel": "2.6.18-419.el5",
        "os": "Linux",
        "platform": "x86_64",
        "processors": 2,  # cpu0 cpu1
        "boot_time": "2008-01-10T21:20:00Z",
        "boot_time_unix": 1200000000,
    },
    "debian6-2.6.32": {
        "hostname": "squeeze",
        "kernel": "2.6.32-5-amd64",
        "os": "Linux",
        "platform": "x86_64",
        "processors": 4,  # cpu0 … cpu3
        "boot_time": "2011-03-13T07:06:40Z",
        "boot_time_unix": 1300000000,
    },
    "odd-host": {
        "hostname": "odd-host",
        "kernel": "6.8.0-45-generic",
        "os": "Linux",
        # rootfs/usr/lib/os-release (no etc/os-release):
        # PRETTY_NAME="Odd Linux 1.0 \"Quirk\" \$HOME \`uname\` back\\slash"
        "distribution": 'Odd Linux 1.0 "Quirk" $HOME `uname` back\\slash',
        "platform": "aarch64",
        "processors": 3,  # cpu0 cpu1 cpu3 (cpu2 offline)
        "boot_time": "2023-11-14T22:13:20Z",
        "boot_time_unix": 1700000000,
    },
    "container": {
        "hostname": "c0ffee123456",
        "kernel": "6.8.0-1012-aws",
        "os": "Linux",
        "distribution": "Alpine Linux v3.19",
        "platform": "x86_64",
        "processors": 2,
        "boot_time": "2024-03-09T16:00:00Z",
        "boot_time_unix": 1710000000,
    },
}

# platform when uname would say "uname-machine": sys/kernel/arch wins where it exists.
PLATFORM_BESIDE_UNAME = {
    "this-vm": "x86_64",
    "legacy-2.6.18": "uname-machine",
    "debian6-2.6.32": "uname-machine",
    "odd-host": "aarch64",
    "container": "x86_64",
}

# The mount table each tree has, for taking it away.
MOUNT_TABLE = {
    "this-vm": "1/mountinfo",
    "legacy-2.6.18": "mounts",
    "debian6-2.6.32": "1/mountinfo",
    "odd-host": "1/mountinfo",
    "container": "self/mountinfo",
}

every_tree = pytest.mark.parametrize("tree", TREES)


# -- the methods, tree by tree ------------------------------------------------------------


@every_tree
def test_cpu_usage_times_in_seconds_and_an_idle_window(open_host, tree):
    host = open_host(tree)
    # /proc/stat did not change since start(): nothing moved in the window, usage 0.0.
    assert host.call("RPCCPUUsage") == CPU_TIMES[tree] | {
        "usage_percent": 0.0,
        "window_seconds": 0.5,
        "timestamp": NOW,
    }


@every_tree
def test_cpu_usage_over_a_window_with_hand_chosen_steps(open_host, tree):
    host = open_host(tree)
    line, user_seconds, usage = CPU_STEP[tree]
    stat = host.read("stat")
    host.rewrite("stat", line + stat[stat.index(b"\n") :])
    cpu = host.call("RPCCPUUsage")
    assert (cpu["usage_percent"], cpu["window_seconds"], cpu["user"]) == (usage, 0.5, user_seconds)
    # Within 100 ms of that sample, the same window serves RPCGetSysMetrics.
    assert host.call("RPCGetSysMetrics")["cpu_usage"] == usage
    assert host.clock.slept == 0.0


@every_tree
def test_memory_info(open_host, tree):
    assert open_host(tree).call("RPCGetMemoryInfo") == MEMORY[tree] | {"timestamp": NOW}


@every_tree
def test_load_average(open_host, tree):
    assert open_host(tree).call("RPCGetLoadAverage") == LOAD[tree] | {"timestamp": NOW}


@every_tree
def test_uptime(open_host, tree):
    assert open_host(tree).call("RPCGetUptime") == UPTIME[tree] | {"timestamp": NOW}


@every_tree
def test_disk_usage(open_host, tree):
    assert open_host(tree).call("RPCGetDiskUsage") == {"disk": DISK[tree], "timestamp": NOW}


@every_tree
def test_disk_usage_names_a_mount_that_cannot_be_measured(open_host, tree):
    host = open_host(tree)
    mount = HUNG[tree][0]
    host.deadline.hang(mount)
    expected = {point: figures for point, figures in DISK[tree].items() if point != mount}
    assert host.call("RPCGetDiskUsage") == {
        "disk": expected,
        "unavailable": {mount: "timed out after 1s"},
        "timestamp": NOW,
    }


# A tree's counters do not move: every rate over the 0.5 s window is 0.
AT_REST = {"rx_bytes_per_s": 0.0, "tx_bytes_per_s": 0.0, "rx_packets_per_s": 0.0,
           "tx_packets_per_s": 0.0}  # fmt: skip
TOTALS_AT_REST = {f"total_{name}": rate for name, rate in AT_REST.items()}


@every_tree
def test_network_stats(open_host, tree):
    expected = NETWORK[tree] | TOTALS_AT_REST | {"window_seconds": 0.5, "timestamp": NOW}
    expected["network"] = {name: dev | AT_REST for name, dev in NETWORK[tree]["network"].items()}
    assert open_host(tree).call("RPCGetNetworkStats") == expected


@every_tree
def test_process_stats(open_host, tree):
    assert open_host(tree).call("RPCGetProcessStats") == PROCESSES[tree] | {"timestamp": NOW}


@every_tree
def test_system_info(open_host, tree):
    assert open_host(tree).call("RPCGetSystemInfo") == SYSINFO[tree] | {"timestamp": NOW}


@every_tree
def test_platform_is_arch_else_the_machine_uname_gives(open_host, tree):
    info = open_host(tree, machine="uname-machine").call("RPCGetSystemInfo")
    assert info["platform"] == PLATFORM_BESIDE_UNAME[tree]


@every_tree
def test_sys_metrics(open_host, tree):
    host = open_host(tree)
    metrics = host.call("RPCGetSysMetrics")
    disk_usage, disk_total = DISK_SUMS[tree]
    network = metrics.pop("network")
    # message_stats is the server's to add (it asks the broker); the service has none.
    assert metrics == {
        "cpu_usage": 0.0,  # /proc/stat unchanged over the window
        "memory_usage": MEMORY[tree]["usage_percent"],
        "load_avg": [LOAD[tree]["load1"], LOAD[tree]["load5"], LOAD[tree]["load15"]],
        "uptime": UPTIME[tree]["uptime"],
        "disk": DISK[tree],
        "disk_usage": disk_usage,
        "disk_total": disk_total,
        "swap_usage": MEMORY[tree]["swap_usage_percent"],
        "net_rx": NETWORK[tree]["total_rx"],
        "net_tx": NETWORK[tree]["total_tx"],
        "timestamp": NOW,
    }
    assert list(network) == list(DASHBOARD[tree])
    for name, (rx, tx) in DASHBOARD[tree].items():
        assert network[name] == NETWORK[tree]["network"][name] | AT_REST | {"rx": rx, "tx": tx}


@every_tree
def test_sys_metrics_agrees_with_the_parts(open_host, tree):
    host = open_host(tree)
    metrics = host.call("RPCGetSysMetrics")
    cpu = host.call("RPCCPUUsage")
    memory = host.call("RPCGetMemoryInfo")
    load = host.call("RPCGetLoadAverage")
    disk = host.call("RPCGetDiskUsage")
    net = host.call("RPCGetNetworkStats")
    assert metrics["cpu_usage"] == cpu["usage_percent"]
    assert metrics["memory_usage"] == memory["usage_percent"]
    assert metrics["swap_usage"] == memory["swap_usage_percent"]
    assert metrics["load_avg"] == [load["load1"], load["load5"], load["load15"]]
    assert metrics["uptime"] == host.call("RPCGetUptime")["uptime"]
    assert metrics["disk"] == disk["disk"]
    assert (metrics["net_rx"], metrics["net_tx"]) == (net["total_rx"], net["total_tx"])
    assert {name: {k: v for k, v in dev.items() if k not in ("rx", "tx")}
            for name, dev in metrics["network"].items()} == net["network"]  # fmt: skip


@every_tree
def test_sys_metrics_names_the_parts_that_are_missing(open_host, tree):
    host = open_host(tree)
    for relative in ("loadavg", "uptime", "net/dev", MOUNT_TABLE[tree]):
        host.remove(relative)
    assert not any(host.exists(table) for table in ("1/mountinfo", "self/mountinfo", "mounts"))
    # CPU and memory are required and still there; the other parts are named.
    assert host.call("RPCGetSysMetrics") == {
        "cpu_usage": 0.0,
        "memory_usage": MEMORY[tree]["usage_percent"],
        "swap_usage": MEMORY[tree]["swap_usage_percent"],
        "unavailable": {
            "load_avg": "InternalError: /proc/loadavg: missing",
            "uptime": "InternalError: /proc/uptime: missing",
            "disk": "InternalError: /proc/mounts: missing, "
            "and no readable /proc/1/mountinfo or /proc/self/mountinfo",
            "network": "InternalError: /proc/net/dev: missing",
        },
        "timestamp": NOW,
    }


@every_tree
def test_sys_metrics_names_a_mount_that_cannot_be_measured(open_host, tree):
    host = open_host(tree)
    mount, disk_usage, disk_total = HUNG[tree]
    host.deadline.hang(mount)
    metrics = host.call("RPCGetSysMetrics")
    assert metrics["unavailable"] == {f"disk:{mount}": "timed out after 1s"}
    assert mount not in metrics["disk"]
    assert (metrics["disk_usage"], metrics["disk_total"]) == (disk_usage, disk_total)


@every_tree
def test_sys_metrics_fails_without_memory(open_host, tree):
    host = open_host(tree)
    host.remove("meminfo")
    for method in ("RPCGetSysMetrics", "RPCGetMemoryInfo"):
        with pytest.raises(InternalError, match=r"^/proc/meminfo: missing$"):
            host.call(method)


@every_tree
def test_sys_metrics_fails_without_a_cpu_line(open_host, tree):
    host = open_host(tree)
    stat = host.read("stat")
    host.rewrite("stat", stat[stat.index(b"\n") + 1 :])  # the aggregate cpu line removed
    for method in ("RPCGetSysMetrics", "RPCCPUUsage"):
        with pytest.raises(InternalError, match=r"^/proc/stat: no aggregate cpu line$"):
            host.call(method)


def test_the_eleven_methods_are_those_covered_here():
    assert sorted(METHODS) == [
        "RPCCPUUsage",
        "RPCGetContainerInfo",
        "RPCGetDiskUsage",
        "RPCGetLoadAverage",
        "RPCGetMemoryInfo",
        "RPCGetNetworkStats",
        "RPCGetPressure",
        "RPCGetProcessStats",
        "RPCGetSysMetrics",
        "RPCGetSystemInfo",
        "RPCGetUptime",
    ]


# -- the command line, as a user runs it -------------------------------------------------


def sysmon(*args, cwd):
    """The console script beside this Python, run in an empty directory (no config.json)."""
    script = Path(sys.executable).with_name("sysmon")
    return subprocess.run(
        [str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def tree_options(tree):
    """The tree's roots; a tree without a rootfs/ (no os-release) is given its procfs alone."""
    rootfs = REPO / "sysmon/hosts" / tree / "rootfs"
    options = ["--procfs", str(REPO / "sysmon/hosts" / tree / "proc")]
    return [*options, "--rootfs", str(rootfs)] if rootfs.is_dir() else options


@pytest.mark.e2e
@every_tree
def test_command_line_call(tmp_path, tree):
    done = sysmon("call", "RPCGetLoadAverage", *tree_options(tree), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    answer = json.loads(done.stdout)
    expected = LOAD[tree]
    assert (answer["load1"], answer["existing_tasks"], answer["last_pid"]) == (
        expected["load1"],
        expected["existing_tasks"],
        expected["last_pid"],
    )


@pytest.mark.e2e
@every_tree
def test_command_line_unknown_method(tmp_path, tree):
    done = sysmon("call", "RPCGetNothing", *tree_options(tree), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "sysmon: unknown method 'RPCGetNothing'; known methods: RPCGetSysMetrics, "
        "RPCGetDiskUsage, RPCGetNetworkStats, RPCGetMemoryInfo, RPCGetLoadAverage, "
        "RPCGetUptime, RPCCPUUsage, RPCGetProcessStats, RPCGetSystemInfo, "
        "RPCGetContainerInfo, RPCGetPressure\n"
    )
