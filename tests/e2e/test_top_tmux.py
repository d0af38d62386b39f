"""``sysmon top`` full screen, in a real terminal: tmux, read back with ``capture-pane``.

Each test starts its own tmux server (a private socket in the test's directory), runs
a shell in a 100×40 window, and types into it as a person would. tmux is installed by
``.ci/run`` when missing; elsewhere the tests skip without it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from needs import need_tool
from spawned import sysmon_executable
from top_frames import BUSY

pytestmark = pytest.mark.e2e

WAIT = 30.0  # seconds: a hang guard for each wait on the screen


class Tmux:
    def __init__(self, tmux: str, socket: Path) -> None:
        self._base = [tmux, "-S", str(socket)]

    def run(self, *args: str) -> str:
        done = subprocess.run([*self._base, *args], capture_output=True, text=True,
                              timeout=10, check=True)  # fmt: skip
        return done.stdout

    def screen(self) -> list[str]:
        """The visible screen, trailing blanks stripped."""
        return [line.rstrip() for line in self.run("capture-pane", "-p", "-t", "t").splitlines()]

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "t", "-l", text)

    def key(self, name: str) -> None:
        self.run("send-keys", "-t", "t", name)

    def wait_for(self, check: Callable[[list[str]], bool], what: str) -> list[str]:
        deadline = time.monotonic() + WAIT
        while True:
            screen = self.screen()
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"the screen never showed {what}:\n" + "\n".join(screen))
            time.sleep(0.1)


@contextmanager
def tmux_shell(tmp_path: Path) -> Iterator[Tmux]:
    tmux = Tmux(need_tool("tmux"), tmp_path / "tmux.sock")
    environ = {**os.environ, "TERM": "xterm-256color"}
    environ.pop("NO_COLOR", None)
    environ.pop("TMUX", None)
    subprocess.run(
        [*tmux._base, "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "100", "-y", "40",
         "sh"],
        env=environ, check=True, timeout=10,
    )  # fmt: skip
    try:
        tmux.run("set-option", "-t", "t", "remain-on-exit", "on")
        yield tmux
    finally:
        subprocess.run([*tmux._base, "kill-server"], capture_output=True, timeout=10, check=False)


def start_top(tmux: Tmux, *args: str) -> list[str]:
    """Type a marker, then the command; the screen as it was just before top drew."""
    tmux.type("clear; echo before-top")
    tmux.key("Enter")
    tmux.wait_for(lambda s: s[0] == "before-top" and s[1] in ("$", "#"), "a marker, a prompt")
    command = " ".join(shlex.quote(a) for a in [sysmon_executable(), "top", *args])
    tmux.type(f"{command}; echo top-exited-with-$?")
    before = tmux.screen()
    tmux.key("Enter")
    return before


def exited(screen: list[str]) -> bool:
    """The shell has printed top's exit status (the typed command holds ``-$?``)."""
    return any(re.fullmatch(r"top-exited-with-\d+", line) for line in screen)


def cpu_line(screen: list[str]) -> str | None:
    return next((line for line in screen if line.startswith("CPU  [")), None)


def test_top_draws_the_scenario_quits_on_q_and_gives_the_screen_back(tmp_path):
    with tmux_shell(tmp_path) as tmux:
        before = start_top(tmux, "--fake-host", str(BUSY), "--interval", "0.5", "--sim-step", "1")
        screen = tmux.wait_for(lambda s: cpu_line(s) is not None, "the CPU bar")
        # 100 columns: 100 − 5 − 2 − 7 − 42 = 44 cells; the scenario's tick is user 50 %,
        # system 10 %, steal 5 %, iowait 5 %: edges 22, 26.4 → 26, 28.6 → 29, 30.8 → 31
        expected_bar = "[" + "|" * 22 + "#" * 4 + "!" * 3 + "~" * 2 + " " * 13 + "]"
        assert (
            cpu_line(screen)
            == f"CPU  {expected_bar}  65.0%  user 50.0  sys 10.0  steal 5.0  wait 5.0"
        )
        # eth0 moves 1 MiB in and 256 KiB out each 1 s tick
        eth0 = next(line for line in screen if line.startswith("eth0 "))
        assert eth0.split()[1:5] == ["1.00", "MiB/s", "256", "KiB/s"]
        assert screen[-1].startswith("q quits · every 0.5s, simulated")
        tmux.type("q")
        after = tmux.wait_for(exited, "the exit")
        assert "top-exited-with-0" in after
        # the alternate screen is gone: what was there before, then the exit line
        assert after[: len([x for x in before if x])] == [x for x in before if x]
        assert not [line for line in after if line.startswith(("CPU  [", "Mount", "q quits"))]


def test_ctrl_c_quits_cleanly_too(tmp_path):
    with tmux_shell(tmp_path) as tmux:
        start_top(tmux, "--fake-host", str(BUSY), "--sim-step", "1")
        tmux.wait_for(lambda s: cpu_line(s) is not None, "the CPU bar")
        tmux.key("C-c")
        after = tmux.wait_for(exited, "the exit")
        assert "top-exited-with-0" in after
        assert not [line for line in after if "Traceback" in line or line.startswith("CPU  [")]
        # the terminal's modes are back: what is typed now is echoed again
        tmux.type("echo typed-and-echoed")
        tmux.wait_for(lambda s: any(line.endswith("echo typed-and-echoed") for line in s),
                      "the typed command echoed")  # fmt: skip


def test_a_resized_terminal_is_laid_out_again(tmp_path):
    with tmux_shell(tmp_path) as tmux:
        # a minute between frames: only the resize itself can lay the screen out again
        start_top(tmux, "--fake-host", str(BUSY), "--interval", "60", "--sim-step", "1")
        screen = tmux.wait_for(lambda s: cpu_line(s) is not None, "the CPU bar")
        assert len(cpu_line(screen) or "") == 100
        tmux.run("resize-window", "-t", "t", "-x", "60", "-y", "30")
        # laid out for 60 columns at once, not at the next frame:
        # 60 − 5 − 2 − 7 − 42 = 4 cells, under 10: the detail goes, 60 − 14 = 46 cells
        narrow = tmux.wait_for(lambda s: len(cpu_line(s) or "x" * 100) <= 60, "a 60-column frame")
        assert (
            cpu_line(narrow)
            == "CPU  [" + "|" * 23 + "#" * 5 + "!" * 2 + "~" * 2 + " " * 14 + "]  65.0%"
        )
        assert narrow[29].startswith("q quits")  # the footer on the new last line
        # narrower than the layout's 40 columns: every line cut, none wrapped
        tmux.run("resize-window", "-t", "t", "-x", "30", "-y", "20")
        # (tmux itself keeps the old screen's bottom rows when it shrinks one: only a
        # redraw puts the header back on the first row)
        tiny = tmux.wait_for(lambda s: s[0].startswith("simhost · up 0:16:41"), "a 30x20 frame")
        assert len(tiny) == 20 and tiny[19].startswith("q quits")
        assert all(len(line) <= 30 for line in tiny)
        assert "  … 1 more CPU rows" in tiny  # 19 rows for a 20-line frame: cut to fit
        tmux.type("q")
        tmux.wait_for(exited, "the exit")
