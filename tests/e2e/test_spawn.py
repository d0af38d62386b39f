"""The installed ``sysmon`` as the broker spawns it: a real child, real pipes, a test broker.

Each test runs the console script on the captured ``this-vm`` host tree, on stdin/stdout
or on fds 3/4 (``RPC_INPUT_FD``/``RPC_OUTPUT_FD``, as the broker passes a dedicated
pipe pair), with a broker thread that answers RPCGetMessageStats or stays silent.
Waits are bounded by ``GUARD`` only so that a broken child fails instead of hanging.
"""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from spawned import read_line

from sysmon.adapters.fake_broker import read_transcript
from sysmon.domain.metrics import METHODS

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
HOST = ROOT / "sysmon" / "hosts" / "this-vm"
STATS_EXCHANGE = read_transcript(ROOT / "sysmon" / "broker_replies" / "message_stats_total.json")[0]
GUARD = 30.0
# Puts the broker's pipe pair at fds 3 and 4, as the broker does, then execs sysmon.
PLACE_FDS = """
import os, sys
given = [int(fd) for fd in sys.argv[1:3]]
copies = [os.dup(fd) for fd in given]
for target, fd in zip((3, 4), copies):
    os.dup2(fd, target)
    os.set_inheritable(target, True)  # dup2 onto itself keeps dup's close-on-exec
for fd in {*given, *copies} - {3, 4}:
    os.close(fd)
os.execv(sys.argv[3], sys.argv[3:])
"""


def sysmon_command():
    beside = Path(sys.executable).with_name("sysmon")
    found = str(beside) if beside.exists() else shutil.which("sysmon")
    if found is None:
        pytest.fail("the sysmon console script is not installed (pip install -e .)")
    return [found, "--procfs", str(HOST / "proc"), "--rootfs", str(HOST / "rootfs")]


def child_environment(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("RPC_INPUT_FD", "RPC_OUTPUT_FD")}
    env.pop("PROCESS_ID", None)
    return env | extra


def request(method, cid):
    message = {"type": "request", "id": method, "source": "access", "target": "sysmon"}
    return json.dumps(message | {"correlation_id": cid}).encode()


class Broker:
    """The parent's side: spawns sysmon, feeds it, and reads it on a thread.

    Requests that sysmon sends to the broker are answered with the canned statistics
    (``answers=True``) or ignored; everything else sysmon writes lands in ``inbox``.
    """

    def __init__(self, tmp_path, channel, *, answers, args=(), reader=True):
        self.answers = answers
        self.queries = []
        self.queried = threading.Event()
        self.inbox = queue.Queue()
        self._lock = threading.Lock()
        command = [*sysmon_command(), *args]
        if channel == "stdio":
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=tmp_path,
                env=child_environment(),
            )
            self.input_fd = self.process.stdin.fileno()
            self.output = self.process.stdout
        else:
            to_child, self.input_fd = os.pipe()
            from_child, child_output = os.pipe()
            self.process = subprocess.Popen(
                [sys.executable, "-c", PLACE_FDS, str(to_child), str(child_output), *command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=tmp_path,
                env=child_environment(RPC_INPUT_FD="3", RPC_OUTPUT_FD="4"),
                pass_fds=(to_child, child_output),
            )
            os.close(to_child)
            os.close(child_output)
            self.output = os.fdopen(from_child, "rb")
        self.stderr = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        if reader:
            self._reader.start()

    def _read(self):
        for line in self.output:
            message = json.loads(line)
            if (
                isinstance(message, dict)
                and message.get("target") == "broker"
                and message.get("type") == "request"
            ):
                self.queries.append(message)
                self.queried.set()
                if self.answers:
                    reply = dict(STATS_EXCHANGE.reply, correlation_id=message["correlation_id"])
                    self.send(json.dumps(reply).encode())
                continue
            self.inbox.put(message)
        self.inbox.put(None)

    def send(self, *lines):
        with self._lock:
            if self.input_fd is not None:
                os.write(self.input_fd, b"".join(line + b"\n" for line in lines))

    def close_input(self):
        with self._lock:
            if self.input_fd is not None:
                if self.process.stdin is not None:
                    self.process.stdin.close()
                else:
                    os.close(self.input_fd)
                self.input_fd = None

    def receive(self, count):
        return [self.inbox.get(timeout=GUARD) for _ in range(count)]

    def wait(self):
        """Exit status, once the child is gone; collects its stderr and stdout."""
        self.close_input()
        status = self.process.wait(timeout=GUARD)
        self._reader.join(GUARD)
        self.stderr = self.process.stderr.read()
        self.process.stderr.close()
        self.stdout_rest = b"" if self.process.stdout is self.output else self.process.stdout.read()
        self.output.close()
        if self.process.stdout is not self.output:
            self.process.stdout.close()
        return status

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=GUARD)


@pytest.fixture
def spawn(tmp_path):
    started = []

    def start(channel, *, answers=True, args=(), reader=True):
        broker = Broker(tmp_path, channel, answers=answers, args=args, reader=reader)
        started.append(broker)
        return broker

    yield start
    for broker in started:
        broker.kill()


def assert_quiet(stderr):
    assert b"Traceback" not in stderr, stderr.decode(errors="replace")


@pytest.mark.parametrize(("channel", "answers"), [("stdio", True), ("fds", False)])
def test_pipelined_requests_are_each_answered_once(spawn, channel, answers):
    broker = spawn(channel, answers=answers)
    (ready,) = broker.receive(1)
    assert ready == {
        "type": "event",
        "id": "subprocess_ready",
        "payload": {"id": "sysmon"},
        "source": "sysmon",
    }
    requests = [request(METHODS[n % len(METHODS)], f"access-rpc-{n}") for n in range(100)]
    broker.send(
        *requests[:50], b"{this is not json", request("RPCGetNothing", "x-1"), *requests[50:]
    )
    replies = broker.receive(102)

    parse_errors = [r for r in replies if r.get("id") == "parse-error"]
    assert [r["error"].startswith("failed to parse message: ") for r in parse_errors] == [True]
    (unknown,) = [r for r in replies if r.get("correlation_id") == "x-1"]
    assert unknown["error"] == "no handler found for message: RPCGetNothing"
    answered = [r for r in replies if r.get("correlation_id", "").startswith("access-rpc-")]
    assert sorted(r["correlation_id"] for r in answered) == sorted(
        f"access-rpc-{n}" for n in range(100)
    )
    for reply in answered:
        n = int(reply["correlation_id"].rsplit("-", 1)[1])
        assert (reply["type"], reply["id"]) == ("response", METHODS[n % len(METHODS)])
        assert (reply["source"], reply["target"]) == ("sysmon", "access")
    sys_metrics = [r["payload"] for r in answered if r["id"] == "RPCGetSysMetrics"]
    assert len(sys_metrics) == sum(
        METHODS[n % len(METHODS)] == "RPCGetSysMetrics" for n in range(100)
    )
    if answers:
        assert all(p["message_stats"] == STATS_EXCHANGE.reply["payload"] for p in sys_metrics)
    else:
        assert all("message_stats" not in p for p in sys_metrics)
    assert broker.queries[0] == STATS_EXCHANGE.request
    if not answers:  # one timeout, then not asked again for sysmon_broker_retry
        assert len(broker.queries) == 1
    assert [q["correlation_id"] for q in broker.queries] == [
        f"sysmon-rpc-{n}" for n in range(1, len(broker.queries) + 1)
    ]

    assert broker.wait() == 0
    assert broker.inbox.get(timeout=GUARD) is None  # nothing after the replies
    assert broker.stdout_rest == b""
    assert_quiet(broker.stderr)


@pytest.mark.parametrize("channel", ["stdio", "fds"])
def test_sigterm_sends_the_shutdown_event_and_exits_0(spawn, channel):
    broker = spawn(channel)
    broker.receive(1)
    broker.send(request("RPCGetUptime", "c-1"))
    assert broker.receive(1)[0]["correlation_id"] == "c-1"
    broker.process.send_signal(signal.SIGTERM)
    assert broker.receive(1) == [
        {
            "type": "event",
            "id": "subprocess_shutdown",
            "payload": {"id": "sysmon", "reason": "signal received"},
            "source": "sysmon",
        }
    ]
    assert broker.process.wait(timeout=GUARD) == 0
    assert broker.wait() == 0
    assert_quiet(broker.stderr)


@pytest.mark.parametrize("channel", ["stdio", "fds"])
def test_end_of_input_answers_the_waiting_request_and_exits_0(spawn, channel, tmp_path):
    # The broker timeout is longer than the test: only the end of input can answer c-1.
    (tmp_path / "config.json").write_text('{"sysmon_broker_timeout": "10m"}')
    broker = spawn(channel, answers=False)
    broker.receive(1)
    broker.send(request("RPCGetSysMetrics", "c-1"))
    assert broker.queried.wait(GUARD)  # the query is out: the request waits on the broker
    broker.send(request("RPCGetUptime", "c-2"))
    # Replies go out in order: had c-1 been answered, it would have come before c-2.
    (uptime,) = broker.receive(1)
    assert (uptime["id"], uptime["correlation_id"]) == ("RPCGetUptime", "c-2")
    broker.close_input()
    (reply,) = broker.receive(1)
    assert (reply["type"], reply["correlation_id"]) == ("response", "c-1")
    assert "message_stats" not in reply["payload"]
    assert broker.wait() == 0
    assert_quiet(broker.stderr)


def test_stdout_closed_by_the_reader_ends_quietly_with_0(spawn):
    broker = spawn("stdio", reader=False)  # no thread may hold the reading end open
    assert json.loads(read_line(broker.output.fileno(), GUARD))["id"] == "subprocess_ready"
    broker.output.close()  # the broker's reading end is gone
    broker.send(*(request("RPCGetUptime", f"c-{n}") for n in range(20)))
    assert broker.process.wait(timeout=GUARD) == 0
    broker.close_input()
    stderr = broker.process.stderr.read()
    broker.process.stderr.close()
    assert_quiet(stderr)
    assert b"Exception ignored" not in stderr


def test_the_jsonrpc_dialect_serves_plain_jsonrpc(spawn):
    broker = spawn("stdio", args=("--dialect", "jsonrpc"))
    broker.send(
        b'{"jsonrpc":"2.0","id":1,"method":"RPCGetUptime"}',
        b'{"jsonrpc":"2.0","method":"RPCGetUptime"}',
        b'[{"jsonrpc":"2.0","id":2,"method":"RPCGetLoadAverage"},{"jsonrpc":"2.0","id":3,"method":"X"}]',
    )
    single, batch = broker.receive(2)
    assert single["id"] == 1
    assert set(single["result"]) == {"uptime", "idle_time", "timestamp"}
    assert [m["id"] for m in batch] == [2, 3]
    assert batch[1]["error"]["code"] == -32601
    assert broker.wait() == 0
    assert broker.inbox.get(timeout=GUARD) is None
    assert broker.queries == []
