"""serve() in this process over real pipes: end of input, signals, long lines, a closed output."""

import json
import logging
import os
import queue
import signal
import threading

import pytest

from sysmon.adapters.broker_link import BrokerLink
from sysmon.adapters.clock import SystemClock
from sysmon.adapters.stdio import FdWriter
from sysmon.app.runner import fatal_message, serve
from sysmon.app.server import Server
from sysmon.domain.message_stats import MessageStatsService
from sysmon.domain.timers import Timers

# Only a safety net: a loop that does not return by itself is ended by closing its
# input, and the test then fails because the guard had to fire; it never hangs.
GUARD_SECONDS = 20


def request(method, cid):
    return json.dumps(
        {"type": "request", "id": method, "source": "access", "correlation_id": cid}
    ).encode()


class Channel:
    """The broker's side of a pipe pair; output is read by a thread into a queue."""

    def __init__(self):
        self.input_r, self.input_w = os.pipe()
        self.output_r, self.output_w = os.pipe()
        self.messages = queue.Queue()
        self.received = []
        self._input_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.guard_fired = threading.Event()
        self._guard = threading.Timer(GUARD_SECONDS, self._end_a_stuck_loop)
        self._guard.start()

    def _end_a_stuck_loop(self):
        self.guard_fired.set()
        self.close_input()

    def _read(self):
        pending = b""
        while chunk := os.read(self.output_r, 65536):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self.messages.put(json.loads(line))
        self.messages.put(None)

    def send(self, *lines):
        with self._input_lock:
            if self.input_w is not None:
                os.write(self.input_w, b"".join(line + b"\n" for line in lines))

    def close_input(self):
        with self._input_lock:
            if self.input_w is not None:
                os.close(self.input_w)
                self.input_w = None

    def next_message(self):
        message = self.messages.get(timeout=GUARD_SECONDS)
        self.received.append(message)
        return message

    def finish(self):
        """Close our ends after serve() returned; every message it wrote, in order.

        serve() must have returned for the test's own reason, not because the guard
        closed its input."""
        self._guard.cancel()
        assert not self.guard_fired.is_set(), "serve() returned only once the guard fired"
        self.close_input()
        os.close(self.input_r)
        os.close(self.output_w)
        while self.next_message() is not None:
            pass
        self._reader.join(GUARD_SECONDS)
        os.close(self.output_r)
        return self.received[:-1]


@pytest.fixture
def channel():
    return Channel()


class Service:
    """A real server on the small host, writing to the channel, on the real clock."""

    def __init__(self, make_metrics, host, output_fd, *, broker_timeout=0.5, dialect="both"):
        self.clock = SystemClock()
        self.timers = Timers(self.clock)
        writer = FdWriter(output_fd)
        self.link = BrokerLink(writer, "sysmon")
        stats = MessageStatsService(self.link, self.clock, self.timers, broker_timeout, 30.0, 1.0)
        metrics = make_metrics(*host, self.clock)
        self.server = Server(metrics, stats, self.link, writer, dialect=dialect)

    def serve(self, input_fd, **options):
        return serve(self.server, input_fd, self.timers, self.clock, **options)


@pytest.fixture
def service(make_metrics, small_host_on_disk, channel):
    return Service(make_metrics, small_host_on_disk, channel.output_w)


def test_end_of_input_answers_what_is_in_flight_and_returns_0(service, channel):
    channel.send(
        request("RPCGetSysMetrics", "c-1"),  # the broker behind this channel never answers
        request("RPCGetUptime", "c-2"),
        b"\r",
        b"not json\r",
    )
    os.write(channel.input_w, request("RPCGetLoadAverage", "c-3"))  # no final newline
    channel.close_input()
    assert service.serve(channel.input_r) == 0
    messages = channel.finish()
    assert [(m["type"], m["id"], m.get("correlation_id")) for m in messages] == [
        ("event", "subprocess_ready", None),
        ("request", "RPCGetMessageStats", "sysmon-rpc-1"),
        ("response", "RPCGetUptime", "c-2"),
        ("error", "parse-error", None),
        ("response", "RPCGetLoadAverage", "c-3"),
        ("response", "RPCGetSysMetrics", "c-1"),
    ]
    assert "message_stats" not in messages[-1]["payload"]
    assert service.server.waiting == 0


def test_a_broker_reply_read_by_the_loop_completes_the_waiting_request(service, channel):
    def broker():
        assert channel.next_message()["id"] == "subprocess_ready"
        query = channel.next_message()
        channel.send(
            json.dumps(
                {
                    "type": "response",
                    "id": "RPCGetMessageStats",
                    "payload": {"total_messages": 12},
                    "source": "broker",
                    "target": "sysmon",
                    "correlation_id": query["correlation_id"],
                }
            ).encode()
        )
        assert channel.next_message()["correlation_id"] == "c-1"
        channel.close_input()

    channel.send(request("RPCGetSysMetrics", "c-1"))
    thread = threading.Thread(target=broker)
    thread.start()
    assert service.serve(channel.input_r) == 0
    thread.join(GUARD_SECONDS)
    channel.finish()
    assert channel.received[2]["payload"]["message_stats"] == {"total_messages": 12}


def test_the_broker_timeout_fires_inside_the_loop(make_metrics, small_host_on_disk, channel):
    service = Service(make_metrics, small_host_on_disk, channel.output_w, broker_timeout=0.05)

    def broker():  # reads, never answers; closes the input only once the reply came
        while channel.next_message()["type"] != "response":
            pass
        channel.close_input()

    channel.send(request("RPCGetSysMetrics", "c-1"))
    thread = threading.Thread(target=broker)
    thread.start()
    assert service.serve(channel.input_r) == 0
    thread.join(GUARD_SECONDS)
    channel.finish()
    reply = channel.received[-2]
    assert (reply["type"], reply["correlation_id"]) == ("response", "c-1")
    assert "message_stats" not in reply["payload"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_answers_the_waiting_then_announces_shutdown(service, channel, signum):
    before = signal.getsignal(signum)
    channel.send(request("RPCGetSysMetrics", "c-1"))
    service.timers.call_later(0.0, lambda: os.kill(os.getpid(), signum))
    assert service.serve(channel.input_r) == 0
    messages = channel.finish()
    assert [(m["type"], m["id"]) for m in messages] == [
        ("event", "subprocess_ready"),
        ("request", "RPCGetMessageStats"),
        ("response", "RPCGetSysMetrics"),
        ("event", "subprocess_shutdown"),
    ]
    assert messages[-1] == {
        "type": "event",
        "id": "subprocess_shutdown",
        "payload": {"id": "sysmon", "reason": "signal received"},
        "source": "sysmon",
    }
    assert signal.getsignal(signum) is before
    assert signal.set_wakeup_fd(-1) == -1  # and no wakeup fd was left behind


def test_other_signals_do_not_stop_serving(service, channel):
    def on_usr1(signum, frame):
        channel.close_input()  # ends the run by end of input, not by the signal

    before = signal.signal(signal.SIGUSR1, on_usr1)
    try:
        service.timers.call_later(0.0, lambda: os.kill(os.getpid(), signal.SIGUSR1))
        assert service.serve(channel.input_r) == 0
    finally:
        signal.signal(signal.SIGUSR1, before)
    assert [m["id"] for m in channel.finish()] == ["subprocess_ready"]


def test_a_line_over_the_limit_is_refused_and_serving_goes_on(service, channel):
    channel.send(b'{"type":"request","id":"' + b"x" * 300 + b'"}', request("RPCGetUptime", "c-1"))
    channel.close_input()
    assert service.serve(channel.input_r, max_message_bytes=128) == 0
    messages = channel.finish()
    assert messages[1] == {
        "type": "error",
        "id": "parse-error",
        "error": "failed to parse message: message longer than the size limit of 128 bytes",
        "source": "sysmon",
    }
    assert messages[2]["correlation_id"] == "c-1"


def test_a_closed_output_ends_serving_quietly(make_metrics, small_host_on_disk, caplog):
    """The input stays open: only the closed output may end serve(). A guard closes
    the input if it does not, and the test then fails instead of hanging."""
    input_r, input_w = os.pipe()
    output_r, output_w = os.pipe()
    os.close(output_r)  # the reader is gone before the ready event
    guard_fired = threading.Event()

    def end_a_stuck_loop():
        guard_fired.set()
        os.close(input_w)

    guard = threading.Timer(GUARD_SECONDS, end_a_stuck_loop)
    guard.start()
    try:
        service = Service(make_metrics, small_host_on_disk, output_w)
        with caplog.at_level(logging.INFO, logger="sysmon.app.runner"):
            assert service.serve(input_r) == 0
    finally:
        guard.cancel()
        guard.join(GUARD_SECONDS)
        for fd in (input_r, output_w) if guard_fired.is_set() else (input_r, input_w, output_w):
            os.close(fd)
    assert not guard_fired.is_set(), "serve() went on polling its input after the output closed"
    assert [r.getMessage() for r in caplog.records if r.name == "sysmon.app.runner"] == [
        "the reader of our output is gone; exiting"
    ]


def test_a_closed_stdout_is_pointed_at_devnull_so_the_exit_flush_cannot_fail(
    make_metrics, small_host_on_disk, channel
):
    saved_stdout = os.dup(1)
    dead_r, dead_w = os.pipe()
    os.close(dead_r)
    os.dup2(dead_w, 1)
    os.close(dead_w)
    try:
        service = Service(make_metrics, small_host_on_disk, 1)
        assert service.serve(channel.input_r) == 0
        stdout, devnull = os.fstat(1), os.stat(os.devnull)
        assert (stdout.st_dev, stdout.st_ino) == (devnull.st_dev, devnull.st_ino)
    finally:
        os.dup2(saved_stdout, 1)
        os.close(saved_stdout)
    channel.finish()


def test_serving_without_signal_handling_runs_off_the_main_thread(service, channel):
    channel.send(request("RPCGetUptime", "c-1"))
    channel.close_input()
    status = []
    worker = threading.Thread(
        target=lambda: status.append(service.serve(channel.input_r, handle_signals=False))
    )
    worker.start()
    worker.join(GUARD_SECONDS)
    assert status == [0]
    assert [m["id"] for m in channel.finish()] == ["subprocess_ready", "RPCGetUptime"]


def test_an_unreadable_input_is_taken_as_its_end(service, channel):
    not_open = 4000
    with pytest.raises(OSError):
        os.fstat(not_open)
    assert service.serve(not_open) == 0
    assert [m["id"] for m in channel.finish()] == ["subprocess_ready"]


def test_a_bug_met_on_one_line_or_timer_is_logged_and_serving_goes_on(service, channel, caplog):
    real_handle_line = service.server.handle_line

    def handle_line(line):
        if line == b"boom":
            raise RuntimeError("a bug")
        real_handle_line(line)

    service.server.handle_line = handle_line
    service.timers.call_later(0.0, lambda: 1 / 0)
    channel.send(b"boom", request("RPCGetUptime", "c-1"))
    channel.close_input()
    assert service.serve(channel.input_r) == 0
    assert [m["id"] for m in channel.finish()] == ["subprocess_ready", "RPCGetUptime"]
    assert [(r.getMessage(), r.exc_info[0]) for r in caplog.records if r.exc_info] == [
        ("a line could not be handled; serving goes on", RuntimeError),
        ("a timer failed; serving goes on", ZeroDivisionError),
    ]


def test_the_fatal_message_is_the_brokers_shape():
    assert fatal_message("sysmon", "config.json: sysmon_broker_timeout: bad value 'x'") == (
        b'{"type":"error","id":"fatal",'
        b'"error":"config.json: sysmon_broker_timeout: bad value \'x\'","source":"sysmon"}\n'
    )
