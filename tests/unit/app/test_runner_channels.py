"""serve() over the broker's socket and over pipes whose reader stops: back-pressure.

One fd both ways (a socketpair stands for the broker's Unix socket), a peer that
closes in the middle of a line, and a peer that stops reading: then sysmon stops
reading requests, holds about one reply, and still acts on SIGTERM. Every wait here
is bounded by a guard that fails the test instead of hanging it.
"""

import contextlib
import json
import os
import signal
import socket
import threading

import pytest

from sysmon.adapters.broker_link import BrokerLink
from sysmon.adapters.clock import SystemClock
from sysmon.adapters.stdio import FdWriter
from sysmon.app.runner import serve
from sysmon.app.server import Server
from sysmon.domain.message_stats import MessageStatsService
from sysmon.domain.timers import Timers

GUARD_SECONDS = 20


def request(method, cid):
    message = {"type": "request", "id": method, "source": "access", "correlation_id": cid}
    return json.dumps(message).encode() + b"\n"


class Served:
    """A real server on the small host, writing to ``output_fd``; counts the lines it took."""

    def __init__(self, make_metrics, host, output_fd):
        self.clock = SystemClock()
        self.timers = Timers(self.clock)
        self.writer = FdWriter(output_fd)
        link = BrokerLink(self.writer, "sysmon")
        stats = MessageStatsService(link, self.clock, self.timers, 0.5, 30.0, 1.0)
        self.server = Server(make_metrics(*host, self.clock), stats, link, self.writer)
        self.lines_taken = 0
        self.most_held = 0
        real = self.server.handle_line

        def counting(line):
            self.lines_taken += 1
            real(line)
            self.most_held = max(self.most_held, self.writer.pending)

        self.server.handle_line = counting

    def serve(self, input_fd):
        return serve(self.server, input_fd, self.timers, self.clock)


def read_lines(sock_or_fd, until_eof=True):
    data = b""
    while True:
        chunk = (
            sock_or_fd.recv(65536)
            if isinstance(sock_or_fd, socket.socket)
            else os.read(sock_or_fd, 65536)
        )
        if not chunk:
            break
        data += chunk
    assert b"\n\n" not in data and not data.startswith(b"\n"), "an empty line was written"
    return [json.loads(line) for line in data.splitlines()]


@pytest.fixture
def guard():
    """Ends a serve() that would hang: SIGTERM to ourselves after the guard."""
    timer = threading.Timer(GUARD_SECONDS, lambda: os.kill(os.getpid(), signal.SIGTERM))
    timer.start()
    yield
    timer.cancel()


def test_one_socket_both_ways_answers_and_ends_at_its_eof(make_metrics, small_host_on_disk, guard):
    ours, broker = socket.socketpair()
    broker.settimeout(GUARD_SECONDS)
    served = Served(make_metrics, small_host_on_disk, ours.fileno())
    broker.sendall(request("RPCGetUptime", "u-1") + request("RPCGetNothing", "n-1"))
    broker.shutdown(socket.SHUT_WR)  # the broker is gone: end of file on the socket
    assert served.serve(ours.fileno()) == 0
    ours.close()
    messages = read_lines(broker)
    broker.close()
    assert [m["id"] for m in messages] == ["subprocess_ready", "RPCGetUptime", "RPCGetNothing"]
    assert messages[1]["correlation_id"] == "u-1"
    assert messages[2]["error"] == "no handler found for message: RPCGetNothing"


def test_a_peer_that_closes_in_the_middle_of_a_line_ends_serving_quietly(
    make_metrics, small_host_on_disk, guard, caplog
):
    ours, broker = socket.socketpair()
    broker.settimeout(GUARD_SECONDS)
    served = Served(make_metrics, small_host_on_disk, ours.fileno())

    def broker_side():
        assert b"subprocess_ready" in broker.recv(4096)
        broker.sendall(request("RPCGetUptime", "u-1") + b'{"type":"request","id":"RPCGetUp')
        broker.close()  # gone in the middle of a line, the reply unread

    peer = threading.Thread(target=broker_side)
    peer.start()
    assert served.serve(ours.fileno()) == 0
    peer.join(GUARD_SECONDS)
    ours.close()
    assert served.lines_taken >= 1  # the whole line was served; then the peer was gone
    assert not [r for r in caplog.records if r.exc_info]  # no traceback


@pytest.mark.parametrize("transport", ["socket", "pipes"])
def test_a_peer_that_stops_reading_stops_the_reading_and_sigterm_still_ends_it(
    make_metrics, small_host_on_disk, guard, transport
):
    if transport == "socket":
        ours, broker = socket.socketpair()
        for end in (ours, broker):  # small buffers, so that the test fills them quickly
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        input_fd = output_fd = ours.fileno()
        send = broker.sendall
    else:
        input_fd, to_sysmon = os.pipe()
        from_sysmon, output_fd = os.pipe()
        os.set_blocking(to_sysmon, False)
        send = None
    served = Served(make_metrics, small_host_on_disk, output_fd)
    requests = b"".join(request("RPCGetSystemInfo", f"s-{i}") for i in range(5000))
    if send is not None:
        sender = threading.Thread(target=lambda: _send_ignoring_close(send, requests))
    else:
        sender = threading.Thread(target=lambda: _write_ignoring_close(to_sysmon, requests))
    sender.daemon = True
    sender.start()
    # nobody reads sysmon's output; once it stops taking requests, SIGTERM it
    stopper = threading.Thread(target=_sigterm_when_stuck, args=(served,), daemon=True)
    stopper.start()
    assert served.serve(input_fd) == 0
    stopper.join(GUARD_SECONDS)
    reply_size = 1500  # an RPCGetSystemInfo reply on the small host is well under this
    assert served.lines_taken < 5000  # it stopped reading
    assert served.most_held <= reply_size  # about one reply held, never the backlog
    if transport == "socket":
        ours.close()
        broker.close()
    else:
        for fd in (input_fd, to_sysmon, from_sysmon, output_fd):
            os.close(fd)


def _sigterm_when_stuck(served):
    """SIGTERM once the count of lines taken has stood still for a while (bounded)."""
    import time

    last, still_since, deadline = -1, time.monotonic(), time.monotonic() + GUARD_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if served.lines_taken != last:
            last, still_since = served.lines_taken, time.monotonic()
        elif time.monotonic() - still_since > 0.5 and served.writer.pending:
            break
    os.kill(os.getpid(), signal.SIGTERM)


def _send_ignoring_close(send, data):
    with contextlib.suppress(OSError):
        send(data)


def _write_ignoring_close(fd, data):
    import select
    import time

    view = memoryview(data)
    deadline = time.monotonic() + GUARD_SECONDS
    while view and time.monotonic() < deadline:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            select.select([], [fd], [], 0.1)
        except OSError:
            return
