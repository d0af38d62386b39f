"""``sysmon top`` as a person or a script runs it: the installed command, spawned."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from spawned import read_line, sysmon_executable
from top_frames import BUSY, BUSY_FRAME

pytestmark = pytest.mark.e2e


def run_top(*args: str, env: dict[str, str] | None = None, timeout: float = 30):
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    return subprocess.run(
        [sysmon_executable(), "top", *args], capture_output=True, text=True,
        env={**environ, **(env or {})}, timeout=timeout, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_once_off_a_terminal_prints_the_plain_frame_and_exits_0():
    done = run_top("--once", "--fake-host", str(BUSY))
    assert done.returncode == 0, done.stderr
    assert done.stdout == BUSY_FRAME + "\n"
    assert "\x1b" not in done.stdout


def test_columns_sets_the_width_off_a_terminal():
    done = run_top("--once", "--fake-host", str(BUSY), env={"COLUMNS": "120"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(map(len, lines)) == 120  # the memory line fills the width
    # 120 − 5 − 2 − 7 − 42 = 64 cells; edges 50/60/65/70 % → 32, 38, 42 (41.6), 45 (44.8)
    cpu = next(line for line in lines if line.startswith("CPU  ["))
    assert cpu.startswith("CPU  [" + "|" * 32 + "#" * 6 + "!" * 4 + "~" * 3 + " " * 19 + "]")


def top_in_batch(interval: str) -> subprocess.Popen[bytes]:
    """The busy scenario in batch mode to a pipe: one 1 s tick per frame (--sim-step 1),
    frames ``interval`` apart."""
    return subprocess.Popen(
        [sysmon_executable(), "top", "--interval", interval, "--sim-step", "1",
         "--fake-host", str(BUSY)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def test_batch_mode_prints_a_frame_each_interval_until_interrupted():
    process = top_in_batch("0.2")
    try:
        assert process.stdout is not None
        headers: list[str] = []
        deadline = time.monotonic() + 30
        while len(headers) < 3 and time.monotonic() < deadline:
            line = read_line(process.stdout.fileno(), 30).decode()
            if line.startswith("simhost · up "):
                headers.append(line.split(" · ")[1])
        assert headers == ["up 0:16:41", "up 0:16:42", "up 0:16:43"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert b"Traceback" not in process.stderr.read()  # type: ignore[union-attr]
    finally:
        process.kill()
        process.wait()


def test_a_reader_that_stops_early_ends_top_quietly():
    top = top_in_batch("0.1")
    assert top.stdout is not None
    first = read_line(top.stdout.fileno(), 30)
    top.stdout.close()  # as `sysmon top | head -1` does
    assert top.wait(timeout=30) == 0
    assert first.startswith(b"simhost")
    assert b"Traceback" not in top.stderr.read()  # type: ignore[union-attr]


def test_a_scenario_step_that_is_not_whole_ticks_is_a_clear_error():
    done = run_top("--once", "--interval", "0.5", "--fake-host", str(BUSY))
    assert done.returncode == 1
    assert "not a whole number of 1s ticks" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_fake_host_is_a_clear_error():
    done = run_top("--once", "--fake-host", "no-such-host")
    assert done.returncode == 1
    assert "no shipped host tree is so named" in done.stderr


def test_the_real_host_once():
    done = run_top("--once", "--interval", "0.2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(os.uname().nodename + " · up ")
    assert any(line.startswith("CPU  [") for line in lines)
    assert any(line.startswith("Mount ") for line in lines)


def on_a_terminal(program: str, timeout: float = 30) -> tuple[int, bytes]:
    """Run ``program`` (Python) with stdout on a pseudo-terminal: its status and output."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", program], stdin=subprocess.DEVNULL, stdout=terminal,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    os.close(terminal)
    output = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's other end is closed
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    os.close(controller)
    status = process.wait(timeout=10)
    return status, output + process.stderr.read()  # type: ignore[union-attr]


def test_without_rich_a_terminal_gets_the_install_hint():
    program = textwrap.dedent(f"""
        import sys
        sys.modules["rich"] = None  # as if the [top] extra were not installed
        from sysmon.app.cli import main
        sys.exit(main(["top", "--fake-host", {str(BUSY)!r}]))
    """)
    status, output = on_a_terminal(program)
    assert status == 1
    assert b"pip install 'sysmon-service[top]'" in output


def test_once_on_a_terminal_is_in_colour_and_no_color_makes_it_plain():
    program = textwrap.dedent(f"""
        import os, sys
        os.environ.pop("NO_COLOR", None)
        from sysmon.app.cli import main
        sys.exit(main(["top", "--once", "--fake-host", {str(BUSY)!r}]))
    """)
    status, output = on_a_terminal(program)
    assert status == 0
    assert b"\x1b[" in output and b"65.0%" in output
    plain = program.replace('os.environ.pop("NO_COLOR", None)', 'os.environ["NO_COLOR"] = "1"')
    status, output = on_a_terminal(plain)
    assert status == 0
    assert b"\x1b" not in output
    assert b"CPU  [||||||||||||##!!~       ]  65.0%" in output
