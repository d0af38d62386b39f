"""Kernel text for a fake host: each /proc file written the way Linux itself prints it.

Pure functions from plain values to bytes, so that the real ``ProcfsReader`` and its
parsers read a fake host exactly as they read /proc: nothing here is ever parsed back
by the service through a shortcut.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sysmon.domain.models import CPU_COLUMNS

TASK_COMM_LEN = 16  # the kernel keeps 15 bytes of a command name, plus the NUL
MEMINFO_LABEL = 16  # "MemTotal:       " in fs/proc/meminfo.c
MEMINFO_UNITLESS = frozenset(
    {"HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"}
)
NET_DEV_COUNTERS = (
    "rx_bytes", "rx_packets", "rx_errs", "rx_drop", "rx_fifo", "rx_frame", "rx_compressed",
    "rx_multicast", "tx_bytes", "tx_packets", "tx_errs", "tx_drop", "tx_fifo", "tx_colls",
    "tx_carrier", "tx_compressed",
)  # fmt: skip
NET_DEV_HEADER = (
    b"Inter-|   Receive                                                |  Transmit\n"
    b" face |bytes    packets errs drop fifo frame compressed multicast|"
    b"bytes    packets errs drop fifo colls carrier compressed\n"
)
# dev_seq_printf_stats() in net/core/net-procfs.c
_NET_DEV_WIDTHS = (7, 7, 4, 4, 4, 5, 10, 9, 8, 7, 4, 4, 4, 5, 7, 10)
_MOUNT_ESCAPED = {ord(" "): b"\\040", ord("\t"): b"\\011", ord("\n"): b"\\012", ord("\\"): b"\\134"}
RLIM_INFINITY = 18446744073709551615


def cpu_line(name: str, ticks: Sequence[int], columns: int) -> bytes:
    """``cpu  1 2 3 …`` (two blanks after the aggregate's name, as the kernel prints)."""
    label = "cpu " if name == "cpu" else name
    return f"{label} {' '.join(str(t) for t in ticks[:columns])}\n".encode()


def stat_text(
    aggregate: Sequence[int],
    per_cpu: Sequence[Sequence[int]],
    columns: int,
    tail: Iterable[tuple[str, int | bytes]],
    labels: Sequence[str] | None = None,
) -> bytes:
    """/proc/stat: the cpu lines (``labels``: cpu0, cpu1 … unless given), then ``name
    value`` lines (or verbatim lines) in order."""
    if not 4 <= columns <= len(CPU_COLUMNS):
        raise ValueError(f"a cpu line has 4 to {len(CPU_COLUMNS)} columns, not {columns}")
    labels = labels or [f"cpu{i}" for i in range(len(per_cpu))]
    parts = [cpu_line("cpu", aggregate, columns)]
    parts += [cpu_line(label, ticks, columns) for label, ticks in zip(labels, per_cpu, strict=True)]
    for name, value in tail:
        parts.append(value if isinstance(value, bytes) else f"{name} {value}\n".encode())
    return b"".join(parts)


def meminfo_text(entries: Iterable[tuple[str, int]]) -> bytes:
    """/proc/meminfo from ``(key, bytes)``: kB lines, except the unitless HugePages counts."""
    lines = []
    for key, value in entries:
        if key in MEMINFO_UNITLESS:
            lines.append(f"{key + ':':<{MEMINFO_LABEL}}{value:>8}\n")
        else:
            lines.append(f"{key + ':':<{MEMINFO_LABEL}}{value // 1024:>8} kB\n")
    return "".join(lines).encode()


def zoneinfo_text(low_watermarks: Sequence[tuple[str, int]]) -> bytes:
    """A /proc/zoneinfo with one node and the given zones' ``low`` watermarks (pages)."""
    parts = []
    for zone, low in low_watermarks:
        parts.append(
            f"Node 0, zone {zone:>8}\n  pages free     {low * 8}\n        min      {low * 4 // 5}\n"
            f"        low      {low}\n        high     {low * 6 // 5}\n"
            f"        spanned  {low * 64}\n        present  {low * 64}\n"
        )
    return "".join(parts).encode()


def loadavg_text(loads: Sequence[float], runnable: int, existing: int, last_pid: int) -> bytes:
    """``0.52 0.58 0.59 1/467 12345``."""
    return (
        f"{loads[0]:.2f} {loads[1]:.2f} {loads[2]:.2f} {runnable}/{existing} {last_pid}\n".encode()
    )


def uptime_text(uptime_centis: int, idle_centis: int) -> bytes:
    """``350735.47 234388.90``: both in hundredths, as the kernel prints them."""
    return f"{_centis(uptime_centis)} {_centis(idle_centis)}\n".encode()


def _centis(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def net_dev_text(interfaces: Iterable[tuple[str, Sequence[int]]]) -> bytes:
    """/proc/net/dev: the two header lines and one ``%6s: …`` line per interface."""
    lines = [NET_DEV_HEADER]
    for name, counters in interfaces:
        numbers = " ".join(f"{c:>{w}}" for c, w in zip(counters, _NET_DEV_WIDTHS, strict=True))
        lines.append(f"{name:>6}: {numbers}\n".encode())
    return b"".join(lines)


def escape_mount_path(path: bytes) -> bytes:
    """Space, tab, newline and backslash as the kernel's octal escapes (``\\040`` …)."""
    return b"".join(_MOUNT_ESCAPED.get(byte, bytes((byte,))) for byte in path)


def mountinfo_line(
    mount_id: int,
    parent_id: int,
    device: str,
    path: bytes,
    fstype: str,
    source: str,
    root: bytes = b"/",
    options: str = "rw,relatime",
    super_options: str = "rw",
) -> bytes:
    """``36 35 98:0 / /mnt1 rw,relatime shared:1 - ext3 /dev/root rw``."""
    head = f"{mount_id} {parent_id} {device} ".encode() + escape_mount_path(root) + b" "
    tail = f" {options} shared:{mount_id} - {fstype} {source or 'none'} {super_options}\n"
    return head + escape_mount_path(path) + tail.encode()


def mounts_line(path: bytes, fstype: str, source: str, options: str = "rw") -> bytes:
    """/proc/mounts (kernels before mountinfo): ``/dev/sda1 / ext4 rw,relatime 0 0``."""
    return (
        f"{source or 'none'} ".encode()
        + escape_mount_path(path)
        + f" {fstype} {options} 0 0\n".encode()
    )


def pid_stat_text(
    pid: int, comm: bytes, state: str, ppid: int, threads: int, start_ticks: int
) -> bytes:
    """/proc/<pid>/stat, all 52 fields; comm is cut to 15 bytes as the kernel keeps it."""
    name = comm[: TASK_COMM_LEN - 1]
    # Fields 3-25, then 26-37 (addresses, signals, wchan: 0), 38 exit_signal, 39-52 (0).
    rest = (
        f" {state} {ppid} {pid} {pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 {threads} 0 "
        f"{start_ticks} 0 0 {RLIM_INFINITY}{' 0' * 12} 17{' 0' * 14}\n"
    )
    return f"{pid} (".encode() + name + b")" + rest.encode()
