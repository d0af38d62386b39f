"""A small non-blocking HTTP/1.x server for ``GET /metrics``, run by the serving loop.

It never blocks and never runs on a thread of its own: the loop polls its sockets
(``poll_fds``) and hands it what is ready (``on_ready``). A connection is accepted,
its request read up to ``MAX_HEADER_BYTES`` within ``REQUEST_SECONDS``, answered from a
buffer written as the socket takes it, then closed (``Connection: close``). Requests
for ``/metrics`` that complete in one turn of the loop are answered together, from one
collection, run by a timer at the end of that turn: the loop serves the broker between
two collections, so a broker reply waits behind at most one, and never on a scraper's
socket. At ``MAX_CONNECTIONS``, the oldest connection still sending its request is
dropped to make room, so idle clients cannot lock a scraper out.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import select
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from sysmon.domain.timers import TimerHandle, Timers

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 8 * 1024
MAX_CONNECTIONS = 64
REQUEST_SECONDS = 5.0  # for the whole request to arrive
WRITE_SECONDS = 10.0  # for the answer to be taken
ACCEPTS_PER_TURN = 64
READ_SIZE = 16 * 1024
PATH = "/metrics"

# the distinct Accept headers of the scrapes waiting -> {accept: (content type, body)}
Render = Callable[[list[str]], dict[str, tuple[str, bytes]]]
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


@dataclass(eq=False)
class _Connection:
    sock: socket.socket
    order: int
    received: bytearray = field(default_factory=bytearray)
    output: bytes = b""
    sent: int = 0
    complete: bool = False  # a whole request arrived (answered or waiting for one)
    timer: TimerHandle | None = None


@dataclass(frozen=True)
class _Scrape:
    connection: _Connection
    accept: str
    head: bool


def response(status: str, content_type: str, body: bytes, *, head: bool = False) -> bytes:
    headers = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return headers.encode("latin-1") + (b"" if head else body)


class MetricsHttpServer:
    """``LoopSource`` serving ``GET /metrics`` on an already bound, listening socket.

    ``render(accepts)`` collects once and returns, for each distinct Accept header of
    the scrapes waiting, the content type and body to send.
    """

    def __init__(
        self,
        listener: socket.socket,
        render: Render,
        timers: Timers,
        *,
        max_connections: int = MAX_CONNECTIONS,
        request_seconds: float = REQUEST_SECONDS,
        write_seconds: float = WRITE_SECONDS,
    ) -> None:
        listener.setblocking(False)
        self._listener = listener
        self._render = render
        self._timers = timers
        self._max = max_connections
        self._request_seconds = request_seconds
        self._write_seconds = write_seconds
        self._connections: dict[int, _Connection] = {}
        self._waiting: list[_Scrape] = []
        self._flush: TimerHandle | None = None
        self._order = 0
        self.collections = 0  # how many times render ran: one per answered batch

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._listener.getsockname()[:2]
        return str(host), int(port)

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    def close(self) -> None:
        for connection in list(self._connections.values()):
            self._drop(connection)
        self._listener.close()

    # -- LoopSource -----------------------------------------------------------------------

    def poll_fds(self) -> dict[int, int]:
        wanted = {self._listener.fileno(): select.POLLIN}
        for fd, connection in self._connections.items():
            if connection.output:
                wanted[fd] = select.POLLOUT
            elif not connection.complete:
                wanted[fd] = select.POLLIN
        return wanted

    def on_ready(self, fd: int, events: int) -> None:
        if fd == self._listener.fileno():
            self._accept()
            return
        connection = self._connections.get(fd)
        if connection is None:
            return
        if connection.output and events & (select.POLLOUT | _GONE):
            self._write(connection)
        elif not connection.complete and events & (select.POLLIN | _GONE):
            self._read(connection)

    # -- connections ----------------------------------------------------------------------

    def _accept(self) -> None:
        for _ in range(ACCEPTS_PER_TURN):
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:  # EMFILE and the like: try again on the next turn
                log.warning("metrics endpoint: cannot accept: %s", error)
                return
            sock.setblocking(False)
            if len(self._connections) >= self._max and not self._make_room():
                sock.close()
                continue
            self._order += 1
            connection = _Connection(sock, self._order)
            self._connections[sock.fileno()] = connection
            self._arm(connection, self._request_seconds)

    def _make_room(self) -> bool:
        """Drop the oldest connection still sending its request; False if there is none."""
        idle = [c for c in self._connections.values() if not c.complete]
        if not idle:
            return False
        self._drop(min(idle, key=lambda c: c.order))
        return True

    def _arm(self, connection: _Connection, seconds: float) -> None:
        if connection.timer is not None:
            Timers.cancel(connection.timer)
        connection.timer = self._timers.call_later(seconds, lambda: self._drop(connection))

    def _drop(self, connection: _Connection) -> None:
        if connection.timer is not None:
            Timers.cancel(connection.timer)
        fd = connection.sock.fileno()
        if self._connections.get(fd) is connection:
            del self._connections[fd]
        self._waiting = [s for s in self._waiting if s.connection is not connection]
        connection.sock.close()

    def _read(self, connection: _Connection) -> None:
        try:
            chunk = connection.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(connection)
            return
        if not chunk:
            self._drop(connection)
            return
        connection.received += chunk
        end = connection.received.find(b"\r\n\r\n")
        if end < 0:
            end = connection.received.find(b"\n\n")
        if end < 0:
            if len(connection.received) > MAX_HEADER_BYTES:
                self._drop(connection)
            return
        if end > MAX_HEADER_BYTES:
            self._drop(connection)
            return
        connection.complete = True
        self._request(connection, bytes(connection.received[:end]))

    def _request(self, connection: _Connection, head: bytes) -> None:
        lines = head.decode("latin-1").splitlines()
        parts = lines[0].split() if lines else []
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self._answer(connection, response("400 Bad Request", "text/plain", b"bad request\n"))
            return
        method, target, _ = parts
        path = target.split("?", 1)[0]
        if path != PATH:
            self._answer(connection, response("404 Not Found", "text/plain", b"not found\n"))
            return
        if method not in ("GET", "HEAD"):
            allowed = response("405 Method Not Allowed", "text/plain", b"GET or HEAD\n")
            allowed = allowed.replace(b"\r\n\r\n", b"\r\nAllow: GET, HEAD\r\n\r\n", 1)
            self._answer(connection, allowed)
            return
        accept = ""
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "accept":
                accept = value.strip()
        self._waiting.append(_Scrape(connection, accept, method == "HEAD"))
        if self._flush is None:
            self._flush = self._timers.call_later(0, self._collect)

    def _collect(self) -> None:
        """One collection for every scrape waiting; each then gets its format's bytes."""
        self._flush = None
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        self.collections += 1
        try:
            bodies = self._render(sorted({s.accept for s in waiting}))
        except Exception:
            log.exception("metrics endpoint: the collection failed")
            failed = response("500 Internal Server Error", "text/plain", b"collection failed\n")
            for scrape in waiting:
                self._answer(scrape.connection, failed)
            return
        for scrape in waiting:
            content_type, body = bodies[scrape.accept]
            self._answer(
                scrape.connection, response("200 OK", content_type, body, head=scrape.head)
            )

    def _answer(self, connection: _Connection, data: bytes) -> None:
        connection.output = data
        connection.sent = 0
        self._arm(connection, self._write_seconds)
        self._write(connection)  # most answers fit the socket buffer at once

    def _write(self, connection: _Connection) -> None:
        view = memoryview(connection.output)[connection.sent :]
        try:
            connection.sent += connection.sock.send(view)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as error:
            if error.errno not in (errno.EPIPE, errno.ECONNRESET):
                log.debug("metrics endpoint: send failed: %s", error)
            self._drop(connection)
            return
        if connection.sent >= len(connection.output):
            self._finish(connection)

    def _finish(self, connection: _Connection) -> None:
        with contextlib.suppress(OSError):
            connection.sock.shutdown(socket.SHUT_WR)
        self._drop(connection)
