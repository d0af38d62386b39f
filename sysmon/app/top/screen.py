"""The full-screen view on a terminal, drawn with rich; imported only by ``sysmon top``.

The terminal is put in cbreak mode (keys arrive one at a time, Ctrl-C still signals)
and rich's alternate screen holds the view (``Console.screen``), so that on ``q``,
Ctrl-C or an error the screen and the terminal's modes are what they were before. A
resize (SIGWINCH) wakes the loop through a self-pipe, and the frame is laid out again
at the new size.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import termios
import time
import tty
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from sysmon.app.signal_pipe import signal_pipe
from sysmon.app.top.frames import FrameClock
from sysmon.app.top.layout import Layout, Line, fit
from sysmon.app.top.snapshot import Snapshot

if TYPE_CHECKING:
    from rich.console import Console
    from rich.style import Style
    from rich.text import Text

QUIT_KEYS = frozenset(b"qQ")
STYLES = {
    "title": "bold",
    "label": "bold cyan",
    "header": "bold reverse",
    "frame": "bold",
    "figure": "bold",
    "dim": "dim",
    "warn": "bold red",
    "user": "green",
    "system": "red",
    "steal": "cyan",
    "iowait": "bright_black",
    "used": "green",
    "cache": "yellow",
}
FOOTER = "q quits · every {interval:g}s{simulated}"
HOME, CLEAR_TO_END_OF_LINE, CLEAR_BELOW = "\x1b[H", "\x1b[K", "\x1b[J"


def to_text(lines: list[Line]) -> Text:
    """The lines as one rich ``Text``, for printing a frame (``--once`` on a terminal)."""
    from rich.text import Text

    text = Text(no_wrap=True, overflow="crop", end="")
    for number, line in enumerate(lines):
        if number:
            text.append("\n")
        for part, style in line:
            text.append(part, STYLES.get(style, ""))
    return text


def parsed_styles() -> dict[str, Style]:
    from rich.style import Style

    return {name: Style.parse(spec) for name, spec in STYLES.items()}


@contextlib.contextmanager
def cbreak(stdin: IO[str]) -> Iterator[int | None]:
    """Keys one at a time, no echo, for the block; the modes restored after. None when
    stdin is not a terminal (keys are then not read)."""
    try:
        fd = stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (OSError, ValueError, termios.error):
        yield None
        return
    try:
        tty.setcbreak(fd)
        yield fd
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class HeldLogs(logging.Handler):
    """Holds the ``sysmon`` logger's stderr lines while the screen is up (they would be
    drawn over), shows the newest in the footer, and writes them all out after."""

    def __init__(self, limit: int = 200) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self._limit = limit

    def emit(self, record: logging.LogRecord) -> None:
        self.records = [*self.records[-(self._limit - 1) :], record]

    @contextlib.contextmanager
    def holding(self) -> Iterator[HeldLogs]:
        logger = logging.getLogger("sysmon")
        streams = [
            h
            for h in logger.handlers
            if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
        ]
        for handler in streams:
            logger.removeHandler(handler)
        logger.addHandler(self)
        try:
            yield self
        finally:
            logger.removeHandler(self)
            for handler in streams:
                logger.addHandler(handler)
                for record in self.records:
                    if record.levelno >= handler.level:
                        handler.handle(record)


def run_screen(frames: FrameClock, stdin: IO[str]) -> int:
    """The live view until ``q`` or Ctrl-C; the exit status (0)."""
    from rich.console import Console

    console = Console(highlight=False)
    held = HeldLogs()
    styles = parsed_styles()
    with (
        held.holding(),
        cbreak(stdin) as keys,
        signal_pipe((signal.SIGWINCH,)) as resized,
        console.screen(),
        contextlib.suppress(KeyboardInterrupt),
    ):
        _loop(frames, Painter(console, held, styles), keys, resized)
    return 0


def _loop(frames: FrameClock, painter: Painter, keys: int | None, resized: int) -> None:
    frames.start()
    if frames.simulated:
        frames.tick()
    snapshot = frames.next()
    painter.draw(snapshot, frames)
    due = time.monotonic() + frames.interval
    watched = [resized] if keys is None else [keys, resized]
    while True:
        timeout = max(due - time.monotonic(), 0.0)
        ready, _, _ = select.select(watched, [], [], timeout)
        if keys is not None and keys in ready:
            typed = os.read(keys, 64)
            if not typed or QUIT_KEYS.intersection(typed):
                return
        if resized in ready:
            with contextlib.suppress(BlockingIOError):
                os.read(resized, 64)
            painter.draw(snapshot, frames)
        if time.monotonic() >= due:
            frames.tick()
            snapshot = frames.next()
            painter.draw(snapshot, frames)
            due += frames.interval
            if due <= time.monotonic():  # a slow frame: the next one a whole interval on
                due = time.monotonic() + frames.interval


class Painter:
    """Lays a snapshot out for the terminal's size of the moment and draws it.

    Inside rich's alternate screen (``Console.screen``: the screen and the cursor come
    back as they were), each frame is written whole from the top, every line cleared to
    its end: rich's styles give the escape codes for the terminal's colour system. This
    costs a fiftieth of a ``Live`` refresh, which re-measures every cell each second.
    """

    def __init__(self, console: Console, held: HeldLogs, styles: dict[str, Style]) -> None:
        from rich.console import COLOR_SYSTEMS

        self._console = console
        self._held = held
        self._styles = styles
        self._colours = COLOR_SYSTEMS.get(console.color_system or "")

    def draw(self, snapshot: Snapshot, frames: FrameClock) -> None:
        width, height = self._console.size
        body = max(height - 1, 1)
        lines = Layout(snapshot, width).lines(body)
        simulated = ", simulated" if frames.simulated else ""
        footer: Line = [(FOOTER.format(interval=frames.interval, simulated=simulated), "dim")]
        if self._held.records:
            footer.append((f" · {self._held.records[-1].getMessage()}", "warn"))
        lines += [[]] * (body - len(lines))
        out = [HOME]
        # the layout is never narrower than MIN_WIDTH; a narrower terminal cuts each line,
        # so that none wraps and pushes the screen up
        for number, line in enumerate(fit(each, width) for each in [*lines, footer]):
            if number:
                out.append("\r\n")
            for part, name in line:
                style = self._styles.get(name)
                out.append(
                    part if style is None else style.render(part, color_system=self._colours)
                )
            out.append(CLEAR_TO_END_OF_LINE)
        out.append(CLEAR_BELOW)
        self._console.file.write("".join(out))
        self._console.file.flush()
