"""Newline-delimited framing over raw file descriptors, and in-memory twins for tests.

The loop reads with ``os.read`` and writes with ``os.write``: no buffered stream sits
between the service and the channel (a pipe, or the broker's socket), so a reply is
on the wire as soon as the peer takes it, and a closed peer is seen at once, as
``OutputClosed``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
from typing import Any, Protocol

from sysmon.domain.records import record

_CLOSED_ERRNOS = frozenset({errno.EPIPE, errno.EBADF, errno.ECONNRESET})


@record
class Oversized:
    """Stands for a line that grew past ``limit`` bytes; its bytes were dropped unread."""

    limit: int


class LineSplitter:
    """Cuts a byte stream into lines, holding at most ``max_message_bytes`` of a partial one.

    A line that grows past the cap without a newline is reported once as ``Oversized``
    and the rest of it is skipped as it arrives, so an endless line costs no memory.
    The cap counts the line without its ``\\n``; a trailing ``\\r`` is stripped.
    """

    def __init__(self, max_message_bytes: int) -> None:
        if max_message_bytes < 1:
            raise ValueError("max_message_bytes must be at least 1")
        self._max = max_message_bytes
        self._oversized = Oversized(max_message_bytes)
        self._tail = bytearray()
        self._discarding = False

    @property
    def buffered(self) -> int:
        """Bytes of a partial line held right now; never more than the cap."""
        return len(self._tail)

    def feed(self, chunk: bytes) -> list[bytes | Oversized]:
        if self._discarding:
            newline = chunk.find(b"\n")
            if newline < 0:
                return []
            self._discarding = False
            chunk = chunk[newline + 1 :]
        parts = chunk.split(b"\n")
        rest = parts.pop()
        if self._tail and parts:
            self._tail += parts[0]
            parts[0] = bytes(self._tail)
            self._tail = bytearray()
        lines: list[bytes | Oversized] = [self._finish_line(part) for part in parts]
        if rest:
            if len(self._tail) + len(rest) > self._max:
                lines.append(self._oversized)
                self._tail = bytearray()
                self._discarding = True
            else:
                self._tail += rest
        return lines

    def finish(self) -> list[bytes | Oversized]:
        """The last line, when the input ended without a newline."""
        self._discarding = False
        if not self._tail:
            return []
        line, self._tail = bytes(self._tail), bytearray()
        return [self._finish_line(line)]

    def _finish_line(self, line: bytes) -> bytes | Oversized:
        if len(line) > self._max:
            return self._oversized
        return line[:-1] if line.endswith(b"\r") else line


class OutputClosed(Exception):
    """Whoever read our output is gone (the broker died or closed the pipe)."""

    def __init__(self, fd: int | None = None) -> None:
        super().__init__("output closed" if fd is None else f"output fd {fd} closed")
        self.fd = fd


class Writer(Protocol):
    """Where whole messages go; each ``write`` is one or more complete lines."""

    def write(self, data: bytes) -> None: ...


class FdWriter:
    """Writes whole lines to a file descriptor without ever blocking the loop on a slow peer.

    A pipe or socket is put in non-blocking mode (``restore()`` puts the flags back):
    what the peer cannot take yet is kept in ``pending`` bytes, in order, and the loop
    stops reading requests until ``flush()`` has written it all, so what is held stays
    about one reply. A terminal or a regular file is written as before, blocking.
    Partial writes, EAGAIN and EINTR are all absorbed here.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._held = bytearray()
        self._flags: int | None = None
        try:
            mode = os.fstat(fd).st_mode
            if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
                flags = fcntl.fcntl(fd, fcntl.F_GETFL)
                if not flags & os.O_NONBLOCK:
                    fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
                    self._flags = flags
        except OSError:  # a closed fd: the first write says so
            pass

    @property
    def pending(self) -> int:
        """Bytes written by the service that the peer has not taken yet."""
        return len(self._held)

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self._held:
            self._held += data
            return
        written = self._write(data)
        if written < len(data):
            self._held += memoryview(data)[written:]

    def flush(self) -> bool:
        """Write what the peer will take now; True when nothing is held any more."""
        if self._held:
            written = self._write(self._held)
            del self._held[:written]
        return not self._held

    def restore(self) -> None:
        """Give the fd back its blocking mode (it may be shared, as stdout is)."""
        if self._flags is not None:
            with contextlib.suppress(OSError):
                fcntl.fcntl(self.fd, fcntl.F_SETFL, self._flags)
            self._flags = None

    def _write(self, data: bytes | bytearray) -> int:
        try:
            return os.write(self.fd, data)
        except BlockingIOError:
            return 0
        except OSError as error:
            if error.errno in _CLOSED_ERRNOS:
                raise OutputClosed(self.fd) from error
            raise


class MemoryWriter:
    """Records what the service wrote; ``close()`` makes later writes fail like a dead pipe."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        if self.closed:
            raise OutputClosed()
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def clear(self) -> None:
        self.writes.clear()

    def lines(self) -> list[str]:
        """Each line written, decoded; every write must have ended with a newline."""
        text = b"".join(self.writes).decode("utf-8")
        if text and not text.endswith("\n"):
            raise AssertionError(f"output does not end with a newline: {text[-80:]!r}")
        return text.split("\n")[:-1]

    def messages(self) -> list[Any]:
        return [json.loads(line) for line in self.lines()]
