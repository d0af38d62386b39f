"""Signals as bytes on a self-pipe, so that a poll loop is woken by them.

``signal.set_wakeup_fd`` writes each signal's number into a non-blocking pipe; the
handler itself does nothing, and the loop that polls the pipe's read end acts on it.
The serving loop (SIGTERM, SIGINT), the standalone exporter (the same) and the
terminal view (SIGWINCH) share this one piece.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import FrameType


def _ignore(signum: int, frame: FrameType | None) -> None:
    """The real work happens in the loop, woken through the self-pipe."""


@contextmanager
def signal_pipe(numbers: Iterable[int]) -> Iterator[int]:
    """Route the signals ``numbers`` to a self-pipe for the block; yields its read end.

    The previous handlers and wakeup fd come back after, and the pipe is closed.
    """
    numbers = tuple(numbers)
    read_fd, write_fd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    previous_handlers = {number: signal.getsignal(number) for number in numbers}
    previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    try:
        for number in numbers:
            signal.signal(number, _ignore)
        yield read_fd
    finally:
        for number, handler in previous_handlers.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        signal.set_wakeup_fd(previous_fd)
        os.close(read_fd)
        os.close(write_fd)
