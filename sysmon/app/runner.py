"""The real loop: poll the input and a signal self-pipe, feed lines to the server, run timers.

Everything runs in the main thread. Signal handlers do nothing but let
``signal.set_wakeup_fd`` write the signal number into a non-blocking pipe, so a
signal wakes ``poll`` and is acted on between messages, never in the middle of a
write. The poll timeout is the next timer deadline on the clock port.
"""

from __future__ import annotations

import logging
import math
import os
import select
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from sysmon.adapters.stdio import LineSplitter, OutputClosed, Oversized
from sysmon.app.envelope import BrokerDialect
from sysmon.app.server import Server
from sysmon.domain.ports import ClockPort
from sysmon.domain.timers import Timers

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_STOP = frozenset(int(number) for number in SHUTDOWN_SIGNALS)


def fatal_message(process_id: str, text: str) -> bytes:
    """The broker's ``fatal`` error line, written before exiting with status 1."""
    return BrokerDialect(process_id).message("error", "fatal", error=text)


def serve(
    server: Server,
    input_fd: int,
    timers: Timers,
    clock: ClockPort,
    *,
    max_message_bytes: int = 1 << 20,
    handle_signals: bool = True,
) -> int:
    """Serve until end of input, SIGTERM/SIGINT, or a closed output; the exit status (0)."""
    try:
        with _signal_pipe(handle_signals) as wakeup_fd:
            server.start()
            return _loop(server, input_fd, wakeup_fd, timers, clock, max_message_bytes)
    except OutputClosed as closed:
        log.info("the reader of our output is gone; exiting")
        if closed.fd == 1:
            _point_stdout_at_devnull()
        return 0


def _loop(
    server: Server,
    input_fd: int,
    wakeup_fd: int | None,
    timers: Timers,
    clock: ClockPort,
    max_message_bytes: int,
) -> int:
    splitter = LineSplitter(max_message_bytes)
    poller = select.poll()
    poller.register(input_fd, select.POLLIN)
    if wakeup_fd is not None:
        poller.register(wakeup_fd, select.POLLIN)
    while True:
        ready = {fd for fd, _ in poller.poll(_timeout_ms(timers, clock))}
        if wakeup_fd in ready and _stop_requested(wakeup_fd):
            log.info("signal received; shutting down")
            server.fail_pending("shutting down")
            server.shutdown_event("signal received")
            return 0
        if input_fd in ready:
            chunk = _read(input_fd)
            if chunk is None:
                continue
            if not chunk:
                _dispatch(server, splitter.finish())
                server.handle_eof()  # answers every request still waiting, right now
                return 0
            _dispatch(server, splitter.feed(chunk))
        _run_timers(timers)


def _dispatch(server: Server, items: list[bytes | Oversized]) -> None:
    """Hand lines over; a bug met on one line is logged and the next line is served."""
    for item in items:
        try:
            if isinstance(item, Oversized):
                server.handle_oversized(item.limit)
            else:
                server.handle_line(item)
        except OutputClosed:
            raise
        except Exception:
            log.exception("a line could not be handled; serving goes on")


def _run_timers(timers: Timers) -> None:
    try:
        timers.run_due()
    except OutputClosed:
        raise
    except Exception:  # the timers still due run on the next turn of the loop
        log.exception("a timer failed; serving goes on")


def _read(fd: int) -> bytes | None:
    """A chunk, b"" at end of input, None when there is nothing after all."""
    try:
        return os.read(fd, READ_SIZE)
    except BlockingIOError:
        return None
    except OSError as error:
        log.warning("input unreadable, taken as its end: %s", error)
        return b""


def _timeout_ms(timers: Timers, clock: ClockPort) -> int:
    deadline = timers.next_deadline()
    if deadline is None:
        return -1
    return max(0, math.ceil((deadline - clock.monotonic()) * 1000))


def _stop_requested(wakeup_fd: int) -> bool:
    """Read the signal numbers waiting in the self-pipe; True if SIGTERM or SIGINT is one."""
    try:
        numbers = os.read(wakeup_fd, 4096)
    except BlockingIOError:  # woken for nothing
        return False
    return not _STOP.isdisjoint(numbers)


def _ignore(signum: int, frame: FrameType | None) -> None:
    """The real work happens in the loop, woken through the self-pipe."""


@contextmanager
def _signal_pipe(enabled: bool) -> Iterator[int | None]:
    """Route SIGTERM/SIGINT to a self-pipe for the duration; restore everything after."""
    if not enabled:
        yield None
        return
    read_fd, write_fd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    previous_handlers = {number: signal.getsignal(number) for number in SHUTDOWN_SIGNALS}
    previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    try:
        for number in SHUTDOWN_SIGNALS:
            signal.signal(number, _ignore)
        yield read_fd
    finally:
        for number, handler in previous_handlers.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        signal.set_wakeup_fd(previous_fd)
        os.close(read_fd)
        os.close(write_fd)


def _point_stdout_at_devnull() -> None:
    """Python flushes sys.stdout at exit; into a broken pipe that would make status 120."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
