"""The busy scenario's first frame in ``sysmon top``, worked out by hand (80 columns).

Shared by the frame tests (tests/sim) and the spawned ones (tests/e2e).
"""

from pathlib import Path

BUSY = Path(__file__).resolve().parents[1] / "docs" / "examples" / "top-busy.json"

# The busy scenario (docs/examples/top-busy.json) on the minimal host: 2 CPUs at
# USER_HZ 100, so a 1 s tick holds 200 ticks: user 100, system 20, iowait 10, steal 10,
# and the idle rest, 60. Each CPU gets half of each (spread evenly).
#
# CPU total: user 100/200 = 50.0 %, sys 10.0, steal 5.0, wait 5.0, idle 30.0; busy =
#   user + sys + steal = 65.0 % (iowait is waiting, as in RPCCPUUsage).
#   Bar: 80 columns − "CPU  " 5 − brackets 2 − " 65.0%" 7 − the detail's 42 = 24 cells;
#   cumulative edges 50 %, 60 %, 65 %, 70 % of 24 = 12, 14.4, 15.6, 16.8, rounded half
#   up 12, 14, 16, 17: 12 "|", 2 "#", 2 "!", 1 "~", 7 blank.
# Per CPU: 2 columns of (80 + 1) // 2 − 1 = 39; 39 − 5 − 2 − 7 = 25 cells; edges 12.5,
#   15, 16.25, 17.5 → 13, 15, 16, 18: 13 "|", 2 "#", 1 "!", 2 "~", 7 blank.
# Memory: 8 GiB, 6 GiB available: used 2 GiB = 25.0 %; buff/cache = Buffers 128 MiB +
#   Cached 1.5 GiB + SReclaimable 128 MiB = 1.75 GiB; free 4 GiB. Bar: 80 − 5 − 2 − 7 −
#   21 = 45 cells; edges 25 % and 25 + 21.875 = 46.875 % of 45 = 11.25, 21.09 → 11, 21:
#   11 "|", 10 "*", 24 blank.
# Disk: / 64 GiB with 16 GiB used (25.0 %); /data 100 GiB, 50 GiB used, 1 GiB more a
#   tick: 51 GiB = 51.0 %. Bars of 80 − 5 − 37 = 38 cells: 9.5 → 10, 19.38 → 19.
# Network: eth0 moves 1 MiB in and 256 KiB out a tick, over a 1 s window: 1.00 MiB/s and
#   256 KiB/s; lo stays at 0; the totals leave lo out.
# Tasks: pid 1 (S, 1 thread) and "backup" (R, 4 threads): 2 processes, 5 threads, and
#   the 4 runnable threads of backup. Uptime 1000 s + 1 s = 0:16:41.
BUSY_FRAME = """\
simhost · up 0:16:41 · Linux 6.8.0-sim x86_64 · Sim Linux 1.0
Load 0.00 0.00 0.00  Tasks 4 runnable of 5  Threads 5
Procs 2: 1 running, 1 sleeping, 0 stopped, 0 zombie, 0 blocked on I/O

CPU  [||||||||||||##!!~       ]  65.0%  user 50.0  sys 10.0  steal 5.0  wait 5.0
cpu0 [|||||||||||||##!~~       ]  65.0% cpu1 [|||||||||||||##!~~       ]  65.0%

Mem  [|||||||||||**********                        ]  25.0%  2.00 GiB / 8.00 GiB
Swap none
     used 2.00 GiB  buff/cache 1.75 GiB  available 6.00 GiB  free 4.00 GiB

Mount Type         Used    Total   Use%
/     ext4     16.0 GiB 64.0 GiB  25.0% [||||||||||                            ]
/data xfs      51.0 GiB  100 GiB  51.0% [|||||||||||||||||||                   ]

Interface          rx/s         tx/s   rx total   tx total
lo                0 B/s        0 B/s        0 B        0 B
eth0         1.00 MiB/s    256 KiB/s   1.00 MiB    256 KiB
all but lo   1.00 MiB/s    256 KiB/s   1.00 MiB    256 KiB"""
