"""Beside the broker: the real serving loop, the metrics endpoint as one of its sources.

Asserted through the loop's order of work, not through times: in each turn of the
loop the broker's lines are served first, and at most one scrape collection runs, at
the end of the turn, so a broker reply waits behind at most one collection and never
on a scraper's socket, however many scrapers idle, trickle or ask at once.
"""

import json
import os
import select
import socket
import threading

from sysmon.adapters.clock import SystemClock
from sysmon.adapters.deadline import InlineDeadline
from sysmon.adapters.fake_host import FakeHost
from sysmon.app.config import Settings
from sysmon.app.container import build_container
from sysmon.app.exporter.wiring import endpoint_for
from sysmon.app.runner import serve
from sysmon.domain.timers import Timers


class RecordingTimers(Timers):
    """The loop's timers; each poll starts by asking for the next deadline: a turn."""

    def __init__(self, clock, events):
        super().__init__(clock)
        self.events = events

    def next_deadline(self):
        self.events.append("turn")
        return super().next_deadline()


def read_lines(fd, count, timeout=10.0):
    data = b""
    while data.count(b"\n") < count:
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"no reply within {timeout}s: {data!r}"
        data += os.read(fd, 65536)
    return [json.loads(line) for line in data.splitlines()]


def http_answer(client):
    received = b""
    while True:
        chunk = client.recv(65536)  # the socket has a 10 s timeout
        if not chunk:
            return received
        received += chunk


def test_broker_lines_go_first_and_one_collection_at_most_per_turn(tmp_path):
    events = []
    host = FakeHost(str(tmp_path / "host"))
    in_read, in_write = os.pipe()
    out_read, out_write = os.pipe()
    container = build_container(
        Settings(cache_duration=0, dialect="jsonrpc"), input_fd=in_read, output_fd=out_write
    )
    container.procfs.override(host.reader())
    container.host_facts.override(host.facts)
    container.deadline.override(InlineDeadline())
    timers = RecordingTimers(SystemClock(), events)
    container.timers.override(timers)
    server = container.server()
    handle_line = server.handle_line

    def recorded_line(line):
        events.append("line")
        handle_line(line)

    server.handle_line = recorded_line
    endpoint = endpoint_for(container, "127.0.0.1:0", timers, with_broker=False)
    endpoint.start()
    render = endpoint.server._render

    def recorded_render(accepts):
        events.append("collect")
        return render(accepts)

    endpoint.server._render = recorded_render
    port = endpoint.server.address[1]
    loop = threading.Thread(
        target=serve, args=(server, in_read, timers, SystemClock()),
        kwargs={"handle_signals": False, "sources": [endpoint]}, daemon=True,
    )  # fmt: skip
    loop.start()
    clients = []
    try:
        # 150 idle and 50 trickling clients, then broker requests and scrapes at once
        for number in range(200):
            client = socket.create_connection(("127.0.0.1", port), timeout=10)
            if number >= 150:
                client.sendall(b"GET /metr")
            clients.append(client)
        scrapers = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(5)]
        requests = b"".join(
            json.dumps({"jsonrpc": "2.0", "id": n, "method": "RPCGetUptime"}).encode() + b"\n"
            for n in range(3)
        )
        for scraper in scrapers:
            scraper.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")
        os.write(in_write, requests)
        replies = read_lines(out_read, 3)
        assert sorted(r["id"] for r in replies) == [0, 1, 2]
        assert all(r["result"]["uptime"] == 1000.0 for r in replies)
        answers = [http_answer(scraper) for scraper in scrapers]
        assert all(a.startswith(b"HTTP/1.1 200 OK") and b"node_load1" in a for a in answers)
        more = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "RPCGetLoadAverage"}).encode()
        os.write(in_write, more + b"\n")
        assert read_lines(out_read, 1)[0]["id"] == 9
    finally:
        os.close(in_write)
        loop.join(10)
        for client in clients:
            client.close()
        endpoint.close()
        os.close(out_read)
    assert not loop.is_alive()
    turns = []
    for event in events:
        if event == "turn":
            turns.append([])
        elif turns:
            turns[-1].append(event)
    assert sum(turn.count("line") for turn in turns) == 4
    assert 1 <= sum(turn.count("collect") for turn in turns) <= 5
    for turn in turns:
        assert turn.count("collect") <= 1  # never two collections in one turn
        if "collect" in turn:
            assert "line" not in turn[turn.index("collect") :]  # lines of a turn go first
