"""The metrics HTTP server on real loopback sockets, driven by a loop run in the test.

Time is a FakeClock behind the server's timers, so deadlines are met by moving it, not
by waiting; every socket read in the test has a timeout.
"""

import contextlib
import select
import socket

import pytest

from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.metrics_http import MAX_HEADER_BYTES, MetricsHttpServer
from sysmon.domain.timers import Timers

BODY = b"node_load1 0.5\n"


class Loop:
    """The serving loop's part: poll what the server asks for, hand it over, run timers."""

    def __init__(self, max_connections=64):
        self.clock = FakeClock()
        self.timers = Timers(self.clock)
        self.accepts = []
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(256)
        self.server = MetricsHttpServer(
            listener, self.render, self.timers, max_connections=max_connections
        )
        self.port = self.server.address[1]
        self.clients = []

    def render(self, accepts):
        self.accepts.append(accepts)
        return {accept: ("text/plain; version=0.0.4", BODY) for accept in accepts}

    def turn(self, timeout_ms=50):
        poller = select.poll()
        for fd, mask in self.server.poll_fds().items():
            poller.register(fd, mask)
        for fd, events in poller.poll(timeout_ms):
            self.server.on_ready(fd, events)
        self.timers.run_due()

    def turns(self, count=20):
        for _ in range(count):
            self.turn(10)

    def connect(self, data=b""):
        client = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        client.settimeout(5)
        self.clients.append(client)
        if data:
            client.sendall(data)
        return client

    def answer(self, client, turns=40):
        """Everything the server sends until it closes the connection."""
        client.setblocking(False)
        received = b""
        for _ in range(turns):
            self.turn(10)
            try:
                chunk = client.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                return received
            if not chunk:
                return received
            received += chunk
        raise AssertionError(f"no end of answer after {turns} turns: {received!r}")

    def close(self):
        for client in self.clients:
            client.close()
        self.server.close()


@pytest.fixture
def loop():
    running = Loop()
    yield running
    running.close()


GET = b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n\r\n"


def test_get_metrics(loop):
    reply = loop.answer(loop.connect(GET))
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Type: text/plain; version=0.0.4" in head
    assert f"Content-Length: {len(BODY)}".encode() in head
    assert b"Connection: close" in head
    assert body == BODY
    assert loop.accepts == [["text/plain"]]


def test_head_has_no_body(loop):
    reply = loop.answer(loop.connect(b"HEAD /metrics HTTP/1.0\r\n\r\n"))
    assert reply.startswith(b"HTTP/1.1 200 OK")
    assert reply.endswith(b"\r\n\r\n")
    assert f"Content-Length: {len(BODY)}".encode() in reply


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        (b"GET / HTTP/1.1\r\n\r\n", b"404 Not Found"),
        (b"GET /metricsx HTTP/1.1\r\n\r\n", b"404 Not Found"),
        (b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", b"405 Method Not Allowed"),
        (b"DELETE /metrics HTTP/1.1\r\n\r\n", b"405 Method Not Allowed"),
        (b"\x00\xff garbage\r\n\r\n", b"400 Bad Request"),
        (b"GET /metrics SPDY/3\r\n\r\n", b"400 Bad Request"),
    ],
)
def test_bad_requests_are_answered_without_a_collection(loop, request_, status):
    reply = loop.answer(loop.connect(request_))
    assert reply.startswith(b"HTTP/1.1 " + status)
    assert loop.accepts == []
    if b"405" in status:
        assert b"Allow: GET, HEAD" in reply


def test_a_query_string_is_ignored(loop):
    assert loop.answer(loop.connect(b"GET /metrics?x=1 HTTP/1.1\r\n\r\n")).endswith(BODY)


def test_a_header_section_over_8_kib_closes_the_connection(loop):
    client = loop.connect(b"GET /metrics HTTP/1.1\r\nX: " + b"a" * MAX_HEADER_BYTES)
    assert loop.answer(client) == b""
    assert loop.server.open_connections == 0
    assert loop.accepts == []


def test_a_request_that_does_not_arrive_in_time_is_closed(loop):
    client = loop.connect(b"GET /metrics HTTP/1.1\r\n")  # never finished
    loop.turns(5)
    assert loop.server.open_connections == 1
    loop.clock.advance(4.9)
    loop.turns(2)
    assert loop.server.open_connections == 1
    loop.clock.advance(0.2)  # past the 5 s allowed for a request
    assert loop.answer(client) == b""
    assert loop.server.open_connections == 0


def test_a_reader_that_never_reads_is_cut_off(loop):
    client = loop.connect(GET)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    loop.turns(5)
    loop.clock.advance(10.1)  # the answer is not taken within 10 s
    loop.turns(2)
    assert loop.server.open_connections == 0


def test_scrapes_waiting_together_share_one_collection(loop):
    clients = [loop.connect() for _ in range(5)]
    loop.turns(5)  # all accepted
    for client in clients:
        client.sendall(GET)
    # loopback delivers at once: one poll sees all five requests, and the collection
    # runs once, at the end of that turn, for all of them
    loop.turn(50)
    assert loop.server.collections == 1
    assert loop.accepts == [["text/plain"]]
    replies = [loop.answer(client) for client in clients]
    assert all(reply.endswith(BODY) for reply in replies)
    assert loop.server.collections == 1


def test_each_accept_header_gets_its_own_encoding_from_one_collection():
    loop = Loop()
    try:
        first = loop.connect()
        second = loop.connect()
        loop.turns(3)
        first.sendall(b"GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text\r\n\r\n")
        second.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")
        for _ in range(10):
            if loop.server.collections:
                break
            loop.turn(50)
        assert loop.answer(first).endswith(BODY)
        assert loop.answer(second).endswith(BODY)
        assert sorted(a for batch in loop.accepts for a in batch) == [
            "",
            "application/openmetrics-text",
        ]
    finally:
        loop.close()


def test_at_the_cap_the_oldest_idle_connection_makes_room():
    loop = Loop(max_connections=3)
    try:
        idle = [loop.connect() for _ in range(3)]
        loop.turns(5)
        assert loop.server.open_connections == 3
        scraper = loop.connect(GET)
        reply = loop.answer(scraper)
        assert reply.endswith(BODY)
        idle[0].settimeout(5)
        assert idle[0].recv(10) == b""  # the oldest idle one was dropped for it
        assert loop.server.open_connections == 2
    finally:
        loop.close()


def test_while_200_clients_idle_or_trickle_a_scrape_is_still_answered(loop):
    idle = [loop.connect() for _ in range(150)]
    slow = [loop.connect(b"GET /met") for _ in range(50)]
    loop.turns(20)
    assert loop.server.open_connections <= 64
    for client in slow:
        with contextlib.suppress(OSError):  # dropped to make room: what the cap is for
            client.sendall(b"r")  # a byte now and then
    reply = loop.answer(loop.connect(GET))
    assert reply.endswith(BODY)
    assert loop.server.collections == 1
    assert len(idle) + len(slow) == 200


def test_a_client_that_leaves_mid_request_is_forgotten(loop):
    client = loop.connect(b"GET /metr")
    loop.turns(3)
    assert loop.server.open_connections == 1
    client.close()
    loop.turns(5)
    assert loop.server.open_connections == 0
    assert loop.accepts == []


def test_a_collection_that_fails_answers_500_and_the_server_goes_on(loop):
    def broken(accepts):
        raise RuntimeError("a bug")

    loop.server._render = broken
    reply = loop.answer(loop.connect(GET))
    assert reply.startswith(b"HTTP/1.1 500 Internal Server Error")
    loop.server._render = loop.render
    assert loop.answer(loop.connect(GET)).endswith(BODY)


def test_at_the_cap_with_every_request_whole_a_newcomer_is_refused():
    loop = Loop(max_connections=2)
    big = b"x" * (16 << 20)  # more than the sockets hold: both answers stay unsent
    loop.server._render = lambda accepts: {a: ("text/plain", big) for a in accepts}
    try:
        loop.connect(GET)
        loop.connect(GET)
        loop.turns(5)
        assert loop.server.collections == 1
        assert loop.server.open_connections == 2  # both still being answered
        newcomer = loop.connect()
        loop.turns(3)
        newcomer.settimeout(5)
        assert newcomer.recv(10) == b""  # closed at once: no idle connection to drop
        assert loop.server.open_connections == 2
    finally:
        loop.close()
