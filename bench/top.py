"""9. The terminal view: ``sysmon top`` at a 1 s refresh, beside procps ``top``.

``sysmon top`` runs full screen on a pseudo-terminal (100×40, drained as a terminal
would be), reading this host every second; procps ``top -b -d 1`` runs beside it in
batch mode to a pipe (the issue's comparison) and ``top -d 1`` full screen on its own
pseudo-terminal. Each one's CPU time (schedstat over its threads, ns) is sampled once a
second after a warm-up; the figure is the median of those one-second windows, as a
percentage of one core. ``sysmon top`` with its output on a pipe (plain frames, as
``top -b``) is measured the same way.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import shutil
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Iterator, Sequence

from bench.common import SYSMON, Context, Row, Section, child_environment, median, say, task_cpu_ns

WARM_UP = 2.0  # seconds before the first window: imports, the first frame
ROWS, COLUMNS = 40, 100


def _drain(fd: int) -> None:
    """Read and drop what the child writes, as a terminal (or a reader) takes it."""
    with contextlib.suppress(OSError):
        while os.read(fd, 65536):
            pass


@contextlib.contextmanager
def _running(argv: Sequence[str], *, terminal: bool) -> Iterator[int]:
    """``argv`` with stdout on a sized pseudo-terminal (or a pipe), drained; its pid."""
    environ = {**child_environment(), "TERM": "xterm-256color"}
    environ.pop("NO_COLOR", None)
    if terminal:
        reader, writer = pty.openpty()
        fcntl.ioctl(writer, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        stdin = writer
    else:
        reader, writer = os.pipe()
        stdin = subprocess.DEVNULL
    process = subprocess.Popen(
        list(argv), stdin=stdin, stdout=writer, stderr=subprocess.DEVNULL, env=environ,
        start_new_session=True,
    )  # fmt: skip
    os.close(writer)
    drainer = threading.Thread(target=_drain, args=(reader,), daemon=True)
    drainer.start()
    try:
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(reader)
        drainer.join(timeout=5)


def _core_percents(pids: dict[str, int], seconds: int) -> dict[str, list[float]]:
    """Each pid's CPU share of one core in each one-second window, sampled together."""
    windows: dict[str, list[float]] = {name: [] for name in pids}
    last = {name: task_cpu_ns(pid) for name, pid in pids.items()}
    stamp = time.monotonic()
    for _ in range(seconds):
        time.sleep(max(stamp + 1.0 - time.monotonic(), 0.0))
        now = time.monotonic()
        for name, pid in pids.items():
            spent = task_cpu_ns(pid)
            windows[name].append((spent - last[name]) / ((now - stamp) * 1e9) * 100.0)
            last[name] = spent
        stamp = now
    return windows


def run(ctx: Context) -> Section:
    seconds = max(3, min(ctx.plan.impact_seconds, 30))
    section = Section(9, "sysmon top at a 1 s refresh, % of one core", "top -b", "top")
    top = shutil.which("top")
    say(f"9. sysmon top: {seconds} one-second windows beside procps top")
    with contextlib.ExitStack() as stack:
        pids = {
            "screen": stack.enter_context(_running([SYSMON, "top"], terminal=True)),
            "plain": stack.enter_context(_running([SYSMON, "top"], terminal=False)),
        }
        if top is not None:
            pids["top -b"] = stack.enter_context(_running([top, "-b", "-d", "1"], terminal=False))
            pids["top"] = stack.enter_context(_running([top, "-d", "1"], terminal=True))
        time.sleep(WARM_UP)
        windows = _core_percents(pids, seconds)
    figures = {name: median(values) for name, values in windows.items()}
    section.rows.append(Row("full screen on a pseudo-terminal (100x40)", figures["screen"],
                            figures.get("top -b"), figures.get("top"), fmt="{:.3f}"))  # fmt: skip
    section.rows.append(Row("plain frames to a pipe (as top -b)", figures["plain"],
                            figures.get("top -b"), None, fmt="{:.3f}"))  # fmt: skip
    section.notes.append(
        f"medians of {seconds} one-second windows of schedstat CPU time; procps top "
        + (
            "beside it: -b to a pipe, and full screen on its own pseudo-terminal"
            if top
            else "is not installed: no comparison"
        )
    )
    ctx.figures["top"] = {**figures, "windows": seconds}
    ctx.raw["top"] = windows
    return section
