"""The real loop: poll the channel and a signal self-pipe, feed lines to the server, run timers.

Everything runs in the main thread. Signal handlers do nothing but let
``signal.set_wakeup_fd`` write the signal number into a non-blocking pipe, so a
signal wakes ``poll`` and is acted on between messages, never in the middle of a
write. The poll timeout is the next timer deadline on the clock port.

Back-pressure: while the writer holds a reply the peer has not taken, no further
request is read or served (the lines already read wait in their queue), so memory
stays about one reply and one read, however slowly the peer reads. Signals and
timers are still served meanwhile. The input and the output may be one fd (the
broker's socket) or two (a pipe pair, stdin and stdout).
"""

from __future__ import annotations

import logging
import math
import os
import select
import signal
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sysmon.adapters.stdio import FdWriter, LineSplitter, OutputClosed, Oversized
from sysmon.app.envelope import BrokerDialect
from sysmon.app.loop_source import LoopSource
from sysmon.app.server import Server
from sysmon.app.signal_pipe import signal_pipe
from sysmon.domain.ports import ClockPort
from sysmon.domain.timers import Timers

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)
SHUTDOWN_DRAIN_SECONDS = 0.5  # on a signal, how long the last lines may wait for the peer
_STOP = frozenset(int(number) for number in SHUTDOWN_SIGNALS)
_IN = select.POLLIN | select.POLLPRI
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


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
    sources: Sequence[LoopSource] = (),
) -> int:
    """Serve until end of input, SIGTERM/SIGINT, or a closed output; the exit status (0).

    When the server writes to an fd (an ``FdWriter``), the bytes it holds are what
    back-pressure watches; any other writer is taken to write at once.
    """
    writer = server.writer if isinstance(server.writer, FdWriter) else None
    try:
        with _signal_pipe(handle_signals) as wakeup_fd:
            server.start()
            loop = _Loop(server, input_fd, writer, wakeup_fd, timers, clock, sources)
            return loop.run(LineSplitter(max_message_bytes))
    except OutputClosed as closed:
        log.info("the reader of our output is gone; exiting")
        if closed.fd == 1:
            _point_stdout_at_devnull()
        return 0
    finally:
        if writer is not None:
            writer.restore()


class _Loop:
    """One serving loop's state: what to poll for, and the lines read but not yet served."""

    def __init__(
        self,
        server: Server,
        input_fd: int,
        writer: FdWriter | None,
        wakeup_fd: int | None,
        timers: Timers,
        clock: ClockPort,
        sources: Sequence[LoopSource],
    ) -> None:
        self.server = server
        self.input_fd = input_fd
        self.writer = writer
        self.output_fd = writer.fd if writer is not None else None
        self.wakeup_fd = wakeup_fd
        self.timers = timers
        self.clock = clock
        self.sources = tuple(sources)
        self.queue: deque[bytes | Oversized] = deque()
        self.poller = select.poll()
        self.registered: dict[int, int] = {}
        self._plain: dict[tuple[bool, bool], dict[int, int]] = {}  # registrations, no sources
        if wakeup_fd is not None:
            self._want({wakeup_fd: select.POLLIN})

    def run(self, splitter: LineSplitter) -> int:
        ended = False
        queue, writer, input_fd = self.queue, self.writer, self.input_fd
        while True:
            held = writer.pending if writer is not None else 0
            ready = self._poll(reading=not ended and not queue and not held, held=bool(held))
            if self.wakeup_fd in ready and _stop_requested(self.wakeup_fd):
                log.info("signal received; shutting down")
                self.server.fail_pending("shutting down")
                self.server.shutdown_event("signal received")
                self._drain(SHUTDOWN_DRAIN_SECONDS)
                return 0
            if held and writer is not None and self.output_fd in ready:
                writer.flush()
                held = writer.pending
            events = ready.get(input_fd, 0)
            if events & (_IN | _GONE) and not ended and not queue and not held:
                chunk = _read(input_fd)
                if chunk == b"":
                    queue.extend(splitter.finish())
                    ended = True
                elif chunk is not None:
                    queue.extend(splitter.feed(chunk))
            while queue and not self._held():
                _dispatch(self.server, queue.popleft())
            if ended and not queue:
                self.server.handle_eof()  # answers every request still waiting, right now
                self._drain(None)
                return 0
            for source in self.sources:
                for fd, mask in source.poll_fds().items():
                    if fd in ready and ready[fd] & (mask | _GONE):
                        source.on_ready(fd, ready[fd])
            if self.timers.next_deadline() is not None:
                _run_timers(self.timers)

    def _held(self) -> int:
        return self.writer.pending if self.writer is not None else 0

    def _poll(self, *, reading: bool, held: bool) -> dict[int, int]:
        if self.sources:
            wanted = self._wanted(reading=reading, held=held)
        else:  # the usual case: one of four registrations, each made once
            key = (reading, held)
            if key not in self._plain:
                self._plain[key] = self._wanted(reading=reading, held=held)
            wanted = self._plain[key]
        self._want(wanted)
        return dict(self.poller.poll(_timeout_ms(self.timers, self.clock)))

    def _wanted(self, *, reading: bool, held: bool) -> dict[int, int]:
        wanted: dict[int, int] = {}
        if self.wakeup_fd is not None:
            wanted[self.wakeup_fd] = select.POLLIN
        if reading:
            wanted[self.input_fd] = _IN
        if held and self.output_fd is not None:
            wanted[self.output_fd] = wanted.get(self.output_fd, 0) | select.POLLOUT
        for source in self.sources:
            for fd, mask in source.poll_fds().items():
                wanted[fd] = wanted.get(fd, 0) | mask
        return wanted

    def _want(self, wanted: dict[int, int]) -> None:
        """Change the poller's registrations only where they differ from the last turn."""
        if wanted is self.registered or wanted == self.registered:
            return
        for fd in self.registered.keys() - wanted.keys():
            self.poller.unregister(fd)
        for fd, mask in wanted.items():
            if self.registered.get(fd) != mask:
                self.poller.register(fd, mask)
        self.registered = wanted

    def _drain(self, seconds: float | None) -> None:
        """Write out what the peer has not taken: until done, a signal, or ``seconds``."""
        writer = self.writer
        if writer is None or writer.flush():
            return
        deadline = None if seconds is None else self.clock.monotonic() + seconds
        wanted = {writer.fd: select.POLLOUT}
        if self.wakeup_fd is not None and seconds is None:
            wanted[self.wakeup_fd] = select.POLLIN
        self._want(wanted)
        while not writer.flush():
            timeout = -1 if deadline is None else deadline - self.clock.monotonic()
            if deadline is not None and timeout <= 0:
                log.warning("exiting with %d bytes the peer did not take", writer.pending)
                return
            ready = dict(self.poller.poll(-1 if timeout == -1 else math.ceil(timeout * 1000)))
            if self.wakeup_fd in ready and _stop_requested(self.wakeup_fd):
                log.info("signal received while the peer was not reading; exiting")
                return


def _dispatch(server: Server, item: bytes | Oversized) -> None:
    """Hand a line over; a bug met on one line is logged and the next line is served."""
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


@contextmanager
def _signal_pipe(enabled: bool) -> Iterator[int | None]:
    """Route SIGTERM/SIGINT to a self-pipe for the duration; restore everything after."""
    if not enabled:
        yield None
        return
    with signal_pipe(SHUTDOWN_SIGNALS) as read_fd:
        yield read_fd


def _point_stdout_at_devnull() -> None:
    """Python flushes sys.stdout at exit; into a broken pipe that would make status 120."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
