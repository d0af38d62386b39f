"""The server over in-memory streams: a small fake host, simulated time, a scripted broker."""

import json
from pathlib import Path

import pytest

from sysmon.adapters.broker_link import BrokerLink
from sysmon.adapters.fake_broker import FakeBroker, Reply, Silence, read_transcript
from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.stdio import MemoryWriter, OutputClosed
from sysmon.app.server import Server
from sysmon.domain.message_stats import MessageStatsService
from sysmon.domain.metrics import METHODS
from sysmon.domain.timers import Timers

BROKER_DATA = Path(__file__).resolve().parents[3] / "sysmon" / "broker_replies"
TOTAL_STATS = read_transcript(BROKER_DATA / "message_stats_total.json")[0].reply["payload"]
UPTIME = {"uptime": 12345.67, "idle_time": 23456.78}

PAYLOAD_KEYS = {
    "RPCGetSysMetrics": {"cpu_usage", "memory_usage", "load_avg", "uptime", "disk", "disk_usage",
                         "disk_total", "net_rx", "net_tx", "swap_usage", "network", "timestamp"},
    "RPCGetDiskUsage": {"disk", "timestamp"},
    "RPCGetNetworkStats": {
        "network",
        "total_rx",
        "total_tx",
        "total_rx_bytes_per_s",
        "total_tx_bytes_per_s",
        "total_rx_packets_per_s",
        "total_tx_packets_per_s",
        "window_seconds",
        "timestamp",
    },
    "RPCGetMemoryInfo": {"total", "available", "used", "usage_percent", "free", "buffers",
                         "cached", "shared", "swap_total", "swap_free", "swap_used",
                         "swap_usage_percent", "timestamp"},
    "RPCGetLoadAverage": {"load1", "load5", "load15", "runnable_tasks", "existing_tasks",
                          "last_pid", "timestamp"},
    "RPCGetUptime": {"uptime", "idle_time", "timestamp"},
    "RPCCPUUsage": {"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
                    "guest", "guest_nice", "usage_percent", "window_seconds", "timestamp"},
    "RPCGetProcessStats": {"processes_running", "processes_sleeping", "processes_stopped",
                           "processes_zombie", "processes_total", "threads", "procs_blocked",
                           "timestamp"},
    "RPCGetSystemInfo": {"hostname", "kernel", "os", "platform", "processors", "boot_time",
                         "boot_time_unix", "distribution", "timestamp"},
    # this procfs has no self/cgroup nor pressure/: every part is null and named
    "RPCGetContainerInfo": {"cgroup_version", "path", "memory", "cpu", "pids", "unavailable",
                            "timestamp"},
    "RPCGetPressure": {"cpu", "memory", "io", "irq", "cgroup", "unavailable", "timestamp"},
}  # fmt: skip


def request(method, cid="access-rpc-1", source="access", **extra):
    message = {"type": "request", "id": method, "source": source, "target": "sysmon"}
    message["correlation_id"] = cid
    return json.dumps(message | extra).encode()


def rpc(method, id_=1, **extra):
    return json.dumps({"jsonrpc": "2.0", "id": id_, "method": method} | extra).encode()


class World:
    """One server with everything around it, on simulated time."""

    def __init__(
        self, make_metrics, proc, rootfs, *, dialect="both", process_id="sysmon", link=False
    ):
        self.clock = FakeClock()
        self.timers = Timers(self.clock)
        self.writer = MemoryWriter()
        self.metrics = make_metrics(proc, rootfs, self.clock)
        self.broker = FakeBroker(self.timers)
        self.link = BrokerLink(self.writer, process_id) if link else None
        port = self.link if link else self.broker
        self.stats = MessageStatsService(port, self.clock, self.timers, 0.5, 30.0, 1.0)
        self.server = Server(
            self.metrics, self.stats, self.link, self.writer, process_id=process_id, dialect=dialect
        )

    def started(self):
        self.server.start()
        self.writer.clear()
        return self

    def send(self, *lines):
        for line in lines:
            self.server.handle_line(line)
        return self.take()

    def take(self):
        messages = self.writer.messages()
        self.writer.clear()
        return messages

    def run_for(self, seconds):
        self.clock.advance(seconds)
        self.timers.run_due()
        return self.take()


@pytest.fixture
def make_world(make_metrics, small_host):
    def build(**options):
        return World(make_metrics, *small_host, **options)

    return build


@pytest.fixture
def world(make_world):
    return make_world().started()


# Lifecycle


def test_the_ready_event_comes_first_exactly_as_the_reference_has_it(make_world):
    world = make_world()
    world.server.start()
    assert world.writer.lines() == [
        '{"type":"event","id":"subprocess_ready","payload":{"id":"sysmon"},"source":"sysmon"}'
    ]


def test_start_takes_the_cpu_baseline(make_world):
    world = make_world().started()
    world.clock.advance(0.5)
    (reply,) = world.send(request("RPCCPUUsage"))
    assert reply["payload"]["window_seconds"] == 0.5
    assert world.clock.slept == 0.0  # no wait for a first window


def test_the_shutdown_event_matches_the_reference(world):
    world.server.shutdown_event("signal received")
    assert world.writer.lines() == [
        '{"type":"event","id":"subprocess_shutdown",'
        '"payload":{"id":"sysmon","reason":"signal received"},"source":"sysmon"}'
    ]


def test_the_process_id_is_our_source_everywhere(make_world):
    world = make_world(process_id="sysmon-2", link=True)
    world.server.start()
    world.server.handle_line(request("RPCGetSysMetrics"))
    world.server.handle_line(b"junk")
    world.server.shutdown_event("signal received")
    messages = world.take()
    assert [m["source"] for m in messages] == ["sysmon-2"] * 4
    assert messages[0]["payload"] == {"id": "sysmon-2"}
    assert messages[1]["correlation_id"] == "sysmon-2-rpc-1"
    assert messages[3]["payload"] == {"id": "sysmon-2", "reason": "signal received"}


def test_an_unknown_dialect_is_refused(make_world):
    world = make_world()
    with pytest.raises(ValueError, match="both, jsonrpc"):
        Server(world.metrics, None, None, world.writer, dialect="broker")


# The broker's dialect


def test_a_reply_copies_id_and_correlation_id_and_targets_the_requester(world):
    (reply,) = world.send(request("RPCGetUptime", cid="access-rpc-7"))
    assert reply == {
        "type": "response",
        "id": "RPCGetUptime",
        "payload": UPTIME | {"timestamp": world.clock.time()},
        "source": "sysmon",
        "target": "access",
        "correlation_id": "access-rpc-7",
    }
    assert list(reply) == ["type", "id", "payload", "source", "target", "correlation_id"]


def test_all_eleven_methods_answer_with_their_fields(world):
    world.broker.set_default("RPCGetMessageStats", Silence())
    replies = world.send(*(request(m, cid=f"c-{n}") for n, m in enumerate(METHODS)))
    replies += world.run_for(0.5)  # RPCGetSysMetrics waits out the silent broker
    by_id = {reply["correlation_id"]: reply for reply in replies}
    assert len(replies) == len(by_id) == 11
    for n, method in enumerate(METHODS):
        reply = by_id[f"c-{n}"]
        assert (reply["type"], reply["id"]) == ("response", method)
        assert set(reply["payload"]) == PAYLOAD_KEYS[method]
    assert by_id["c-3"]["payload"]["total"] == 8_000_000 * 1024
    assert by_id["c-8"]["payload"]["hostname"] == "testhost"


def test_an_unknown_method_gets_the_reference_text_verbatim(world):
    (reply,) = world.send(request("RPCGetNothing", cid="access-rpc-9"))
    assert reply == {
        "type": "error",
        "id": "RPCGetNothing",
        "error": "no handler found for message: RPCGetNothing",
        "source": "sysmon",
        "target": "access",
        "correlation_id": "access-rpc-9",
    }


def test_a_line_that_is_not_json_gets_a_parse_error_and_reading_goes_on(world):
    replies = world.send(b"this is not json", request("RPCGetUptime"))
    assert replies[0] == {
        "type": "error",
        "id": "parse-error",
        "error": "failed to parse message: Expecting value: line 1 column 1 (char 0)",
        "source": "sysmon",
    }
    assert replies[1]["type"] == "response"


def test_empty_and_blank_lines_are_skipped(world):
    assert world.send(b"", b"   ", b"\t \r") == []


def test_an_oversized_line_gets_a_parse_error_in_either_dialect(make_world):
    world = make_world().started()
    world.server.handle_oversized(1024)
    world.server.handle_oversized()
    assert world.take() == [
        {
            "type": "error",
            "id": "parse-error",
            "error": "failed to parse message: message longer than the size limit of 1024 bytes",
            "source": "sysmon",
        },
        {
            "type": "error",
            "id": "parse-error",
            "error": "failed to parse message: message longer than the size limit",
            "source": "sysmon",
        },
    ]
    rpc_world = make_world(dialect="jsonrpc").started()
    rpc_world.server.handle_oversized(1024)
    assert rpc_world.take() == [
        {
            "jsonrpc": "2.0",
            "id": None,
            "error": {
                "code": -32700,
                "message": "Parse error",
                "data": {"detail": "message longer than the size limit of 1024 bytes"},
            },
        }
    ]


def test_a_host_without_proc_answers_service_unavailable_with_a_code(fs, make_metrics):
    world = World(make_metrics, "/nowhere/proc", "/").started()
    (reply,) = world.send(request("RPCGetLoadAverage", cid="a-5"))
    assert reply == {
        "type": "error",
        "id": "RPCGetLoadAverage",
        "payload": {
            "code": "ServiceUnavailable",
            "message": "/nowhere/proc is not readable: missing",
        },
        "error": "ServiceUnavailable: /nowhere/proc is not readable: missing",
        "source": "sysmon",
        "target": "access",
        "correlation_id": "a-5",
    }


def test_a_broken_file_answers_internal_error_naming_it(world, small_host):
    proc, _ = small_host
    Path(proc, "loadavg").write_text("garbage\n")
    (reply,) = world.send(request("RPCGetLoadAverage"))
    assert reply["type"] == "error"
    assert reply["error"].startswith("InternalError: /proc/loadavg: ")
    assert reply["payload"]["code"] == "InternalError"
    assert reply["error"] == "InternalError: " + reply["payload"]["message"]


def test_replies_to_a_pipelined_burst_come_once_each_even_out_of_order(world):
    world.broker.script("RPCGetMessageStats", Reply(TOTAL_STATS, delay=0.2))
    replies = world.send(
        request("RPCGetSysMetrics", cid="c-1"),
        request("RPCGetUptime", cid="c-2"),
        request("RPCGetLoadAverage", cid="c-3"),
    )
    assert [r["correlation_id"] for r in replies] == ["c-2", "c-3"]
    assert world.server.waiting == 1
    replies = world.run_for(0.2)
    assert [r["correlation_id"] for r in replies] == ["c-1"]
    assert world.server.waiting == 0


# message_stats


@pytest.mark.parametrize("canned", ["message_stats_total.json", "message_stats_flat.json"])
def test_sys_metrics_includes_the_brokers_stats_as_opaque_json(world, canned):
    world.broker.load(BROKER_DATA / canned)
    stats = read_transcript(BROKER_DATA / canned)[0].reply["payload"]
    assert world.send(request("RPCGetSysMetrics")) == []
    (reply,) = world.run_for(0.01)
    assert reply["payload"]["message_stats"] == stats
    assert set(reply["payload"]) == PAYLOAD_KEYS["RPCGetSysMetrics"] | {"message_stats"}
    assert world.broker.requests[0].method == "RPCGetMessageStats"


def test_the_cached_metrics_payload_is_not_changed_by_adding_stats(world):
    world.broker.set_default("RPCGetMessageStats", Reply(TOTAL_STATS))
    world.send(request("RPCGetSysMetrics"))
    world.run_for(0.0)
    assert "message_stats" not in world.metrics.collect("RPCGetSysMetrics")


def test_a_broker_lacking_the_method_leaves_stats_out_and_is_not_asked_again(world):
    world.broker.load(BROKER_DATA / "message_stats_unknown.json")
    world.send(request("RPCGetSysMetrics", cid="c-1"))
    (first,) = world.run_for(0.01)
    assert "message_stats" not in first["payload"]
    assert first["type"] == "response"
    world.clock.advance(5.0)
    (second,) = world.send(request("RPCGetSysMetrics", cid="c-2"))  # answered at once
    assert "message_stats" not in second["payload"]
    assert len(world.broker.requests) == 1


def test_a_silent_broker_delays_the_reply_by_the_timeout_only(world):
    world.broker.load(BROKER_DATA / "message_stats_silent.json")
    assert world.send(request("RPCGetSysMetrics")) == []
    assert world.run_for(0.49) == []
    (reply,) = world.run_for(0.01)
    assert reply["type"] == "response"
    assert "message_stats" not in reply["payload"]


def test_concurrent_sys_metrics_requests_share_one_query(world):
    world.broker.script("RPCGetMessageStats", Reply(TOTAL_STATS, delay=0.1))
    world.send(*(request("RPCGetSysMetrics", cid=f"c-{n}") for n in range(3)))
    assert world.server.waiting == 3
    replies = world.run_for(0.1)
    assert [r["payload"]["message_stats"] for r in replies] == [TOTAL_STATS] * 3
    assert len(world.broker.requests) == 1


def test_jsonrpc_sys_metrics_never_asks_the_broker(world):
    (reply,) = world.send(rpc("RPCGetSysMetrics"))
    assert set(reply["result"]) == PAYLOAD_KEYS["RPCGetSysMetrics"]
    assert world.broker.requests == []


def test_end_of_input_answers_waiting_requests_at_once(world):
    world.broker.script("RPCGetMessageStats", Silence())
    world.send(request("RPCGetSysMetrics", cid="c-1"), request("RPCGetSysMetrics", cid="c-2"))
    world.server.handle_eof()
    replies = world.take()
    assert [r["correlation_id"] for r in replies] == ["c-1", "c-2"]
    assert all("message_stats" not in r["payload"] for r in replies)
    assert world.server.waiting == 0


def test_the_wire_query_and_its_reply_through_the_broker_link(make_world):
    world = make_world(link=True).started()
    exchange = read_transcript(BROKER_DATA / "message_stats_total.json")[0]
    assert world.send(request("RPCGetSysMetrics", cid="access-rpc-4")) == [exchange.request]
    assert world.send(json.dumps(exchange.reply).encode()) == [
        {
            "type": "response",
            "id": "RPCGetSysMetrics",
            "payload": world.metrics.collect("RPCGetSysMetrics") | {"message_stats": TOTAL_STATS},
            "source": "sysmon",
            "target": "access",
            "correlation_id": "access-rpc-4",
        }
    ]


def test_stray_and_late_broker_replies_are_ignored(make_world):
    world = make_world(link=True).started()
    stray = {"type": "response", "id": "RPCGetMessageStats", "correlation_id": "sysmon-rpc-99"}
    assert world.send(json.dumps(stray).encode()) == []
    world.send(request("RPCGetSysMetrics"))
    (reply,) = world.run_for(0.5)  # the broker link's query times out
    assert "message_stats" not in reply["payload"]
    late = {"type": "response", "correlation_id": "sysmon-rpc-1", "payload": TOTAL_STATS}
    assert world.send(json.dumps(late).encode()) == []
    assert world.link.pending == 0


def test_an_error_reply_on_the_wire_leaves_stats_out(make_world):
    world = make_world(link=True).started()
    exchange = read_transcript(BROKER_DATA / "message_stats_unknown.json")[0]
    world.send(request("RPCGetSysMetrics"))
    (reply,) = world.send(json.dumps(exchange.reply).encode())
    assert reply["type"] == "response"
    assert "message_stats" not in reply["payload"]


def test_stats_that_cannot_be_json_are_left_out(make_world):
    world = make_world(link=True).started()
    world.send(request("RPCGetSysMetrics"))
    huge = b'{"type":"response","correlation_id":"sysmon-rpc-1","payload":{"rate":1e400}}'
    (reply,) = world.send(huge)
    assert reply["type"] == "response"
    assert "message_stats" not in reply["payload"]


def test_fail_pending_answers_the_waiting_and_the_broker_link(make_world):
    world = make_world(link=True).started()
    world.send(request("RPCGetSysMetrics", cid="c-1"))
    world.server.fail_pending("shutting down")
    (reply,) = world.take()
    assert reply["correlation_id"] == "c-1"
    assert world.link.pending == 0


def test_a_closed_output_propagates_from_a_reply(world):
    world.writer.close()
    with pytest.raises(OutputClosed):
        world.server.handle_line(request("RPCGetUptime"))


# Encoding reuse


def test_a_fresh_cached_payload_is_encoded_once_and_reused(world):
    (first,) = world.send(request("RPCGetUptime"))
    cached = world.metrics.collect("RPCGetUptime")
    cached["uptime"] = -1.0  # the same dict: a reused encoding cannot show this change
    (second,) = world.send(request("RPCGetUptime", cid="c-2"))
    assert second["payload"] == first["payload"]
    (rpc_reply,) = world.send(rpc("RPCGetUptime"))
    assert rpc_reply["result"] == first["payload"]
    world.clock.advance(1.0)  # the cache expired: a new dict, a new encoding
    (third,) = world.send(request("RPCGetUptime", cid="c-3"))
    assert third["payload"]["uptime"] == 12345.67
    assert third["payload"]["timestamp"] == world.clock.time()


class StubMetrics:
    """Payloads the real service never produces, for the server's guards."""

    def __init__(self, payload):
        self.payload = payload

    def start(self):
        pass

    def collect(self, method):
        return self.payload


def test_a_payload_that_is_not_json_becomes_internal_error():
    writer = MemoryWriter()
    server = Server(StubMetrics({"x": float("nan")}), None, None, writer)
    server.handle_line(request("RPCGetUptime"))
    server.handle_line(rpc("RPCGetUptime"))
    broker_reply, rpc_reply = writer.messages()
    assert broker_reply["error"].startswith(
        "InternalError: RPCGetUptime produced a payload that is not JSON: "
        "Out of range float values are not JSON compliant"
    )
    assert rpc_reply["error"]["code"] == -32603
    assert rpc_reply["error"]["data"] == {"name": "InternalError"}


def test_a_payload_that_is_not_json_fails_the_waiting_reply_too():
    clock = FakeClock()
    timers = Timers(clock)
    broker = FakeBroker(timers).set_default("RPCGetMessageStats", Reply(TOTAL_STATS))
    stats = MessageStatsService(broker, clock, timers, 0.5, 30.0, 1.0)
    writer = MemoryWriter()
    server = Server(StubMetrics({"x": float("inf")}), stats, None, writer)
    server.handle_line(request("RPCGetSysMetrics"))
    timers.run_due()
    (reply,) = writer.messages()
    assert reply["payload"]["code"] == "InternalError"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, {"message_stats": TOTAL_STATS}),
        ({"message_stats": "ours", "a": 1}, {"message_stats": TOTAL_STATS, "a": 1}),
    ],
)
def test_stats_are_added_to_any_payload_shape(payload, expected):
    clock = FakeClock()
    timers = Timers(clock)
    broker = FakeBroker(timers).set_default("RPCGetMessageStats", Reply(TOTAL_STATS))
    stats = MessageStatsService(broker, clock, timers, 0.5, 30.0, 1.0)
    writer = MemoryWriter()
    server = Server(StubMetrics(payload), stats, None, writer)
    server.handle_line(request("RPCGetSysMetrics"))
    timers.run_due()
    (reply,) = writer.messages()
    assert reply["payload"] == expected


# JSON-RPC 2.0


def test_a_jsonrpc_call_gets_a_result(world):
    assert world.send(rpc("RPCGetUptime", id_="u-1")) == [
        {"jsonrpc": "2.0", "id": "u-1", "result": UPTIME | {"timestamp": world.clock.time()}}
    ]


@pytest.mark.parametrize("params", [[], {}, None])
def test_empty_params_are_accepted(world, params):
    (reply,) = world.send(rpc("RPCGetUptime", params=params))
    assert "result" in reply


@pytest.mark.parametrize("params", [[1], {"x": 1}, "x", 0, True])
def test_any_other_params_are_invalid(world, params):
    assert world.send(rpc("RPCGetUptime", id_=5, params=params)) == [
        {
            "jsonrpc": "2.0",
            "id": 5,
            "error": {
                "code": -32602,
                "message": "Invalid params",
                "data": {"detail": "RPCGetUptime takes no parameters"},
            },
        }
    ]


def test_an_unknown_jsonrpc_method_is_method_not_found(world):
    (reply,) = world.send(rpc("RPCGetNothing", id_=2))
    assert reply["error"] == {
        "code": -32601,
        "message": "Method not found",
        "data": {"detail": "unknown method: RPCGetNothing"},
    }


def test_jsonrpc_method_errors_carry_codes_and_names(fs, make_metrics):
    world = World(make_metrics, "/nowhere/proc", "/").started()
    assert world.send(rpc("RPCGetUptime", id_=3)) == [
        {
            "jsonrpc": "2.0",
            "id": 3,
            "error": {
                "code": -32001,
                "message": "ServiceUnavailable: /nowhere/proc is not readable: missing",
                "data": {"name": "ServiceUnavailable"},
            },
        }
    ]


def test_notifications_get_no_reply_even_when_wrong(world):
    notifications = [
        b'{"jsonrpc":"2.0","method":"RPCGetUptime"}',
        b'{"jsonrpc":"2.0","method":"RPCGetNothing"}',
        b'{"jsonrpc":"2.0","method":"RPCGetUptime","params":[1]}',
    ]
    assert world.send(*notifications) == []


def test_invalid_requests_are_answered_with_a_null_or_their_own_id(world):
    replies = world.send(
        b'{"jsonrpc":"2.0","method":1,"params":"bar"}',
        b'{"jsonrpc":"1.0","id":9,"method":"RPCGetUptime"}',
    )
    assert [(r["id"], r["error"]["code"]) for r in replies] == [(None, -32600), (9, -32600)]


def test_a_batch_is_answered_in_one_line_without_its_notifications(world):
    batch = json.dumps(
        [
            {"jsonrpc": "2.0", "id": 1, "method": "RPCGetUptime"},
            {"jsonrpc": "2.0", "method": "RPCGetUptime"},
            {"jsonrpc": "2.0", "id": 2, "method": "RPCGetNothing"},
            1,
        ]
    ).encode()
    world.server.handle_line(batch)
    (line,) = world.writer.lines()
    replies = json.loads(line)
    assert [(r["id"], "result" in r) for r in replies] == [(1, True), (2, False), (None, False)]
    assert [r["error"]["code"] for r in replies[1:]] == [-32601, -32600]


def test_an_empty_batch_is_one_invalid_request(world):
    assert world.send(b"[]") == [
        {
            "jsonrpc": "2.0",
            "id": None,
            "error": {
                "code": -32600,
                "message": "Invalid Request",
                "data": {"detail": "empty batch"},
            },
        }
    ]


def test_a_batch_of_notifications_gets_nothing(world):
    notes = json.dumps([{"jsonrpc": "2.0", "method": "RPCGetUptime"}] * 3).encode()
    assert world.send(notes) == []


def test_broken_json_that_names_jsonrpc_gets_a_jsonrpc_parse_error(world):
    (reply,) = world.send(b'{"jsonrpc":"2.0","id":1,"method":')
    assert reply["id"] is None
    assert reply["error"]["code"] == -32700
    assert reply["error"]["message"] == "Parse error"


def test_the_jsonrpc_dialect_has_no_events_no_envelope_no_broker(make_world):
    world = make_world(dialect="jsonrpc")
    world.server.start()
    world.server.shutdown_event("signal received")
    assert world.take() == []
    replies = world.send(
        b"not json",
        request("RPCGetUptime"),
        b'"text"',
        b"[1]",
        rpc("RPCGetSysMetrics"),
    )
    invalid = {"code": -32600, "message": "Invalid Request"}
    assert replies[:4] == [
        {
            "jsonrpc": "2.0",
            "id": None,
            "error": {
                "code": -32700,
                "message": "Parse error",
                "data": {"detail": "Expecting value: line 1 column 1 (char 0)"},
            },
        },
        {
            "jsonrpc": "2.0",
            "id": "RPCGetUptime",  # the envelope's id is a valid JSON-RPC id
            "error": invalid | {"data": {"detail": '"jsonrpc" must be exactly "2.0"'}},
        },
        {
            "jsonrpc": "2.0",
            "id": None,
            "error": invalid | {"data": {"detail": "a request is an object, not a JSON string"}},
        },
        [
            {
                "jsonrpc": "2.0",
                "id": None,
                "error": invalid
                | {"data": {"detail": "a request is an object, not a JSON number"}},
            }
        ],
    ]
    assert replies[4]["id"] == 1
    assert "message_stats" not in replies[4]["result"]
    assert world.broker.requests == []
    world.server.handle_eof()
    assert world.take() == []


# Odd inputs in the mixed dialect: the table in docs/protocol.md.

NO_HANDLER_EMPTY = {"type": "error", "error": "no handler found for message: ", "source": "sysmon"}


def parse_error(reason, **routing):
    return {
        "type": "error",
        "id": "parse-error",
        "error": f"failed to parse message: {reason}",
        "source": "sysmon",
    } | routing


ODD_INPUTS = [
    (b"[1,2]", [parse_error("cannot decode a JSON array into a message")]),
    (b'"RPCGetUptime"', [parse_error("cannot decode a JSON string into a message")]),
    (b"42", [parse_error("cannot decode a JSON number into a message")]),
    (b"true", [parse_error("cannot decode a JSON boolean into a message")]),
    (b"null", [NO_HANDLER_EMPTY]),
    (b"{}", [NO_HANDLER_EMPTY]),
    (b'{"type":"request"}', [NO_HANDLER_EMPTY]),
    (
        b'{"type":"event","id":"broker_ping","source":"broker"}',
        [{"type": "error", "id": "broker_ping", "error": "no handler found for message: "
          "broker_ping", "source": "sysmon", "target": "broker"}],
    ),
    (b'{"type":"request","id":5}', [parse_error('field "id" must be a string, not a JSON number')]),
    (
        b'{"type":"request","id":"RPCGetUptime","source":"access","correlation_id":7}',
        [parse_error('field "correlation_id" must be a string, not a JSON number',
                     target="access")],
    ),
    (
        b'{"type":"response","correlation_id":5}',
        [parse_error('field "correlation_id" must be a string, not a JSON number')],
    ),
    (b'{"type":"response","correlation_id":"nobody-rpc-1","payload":{}}', []),
    (b'{"type":"error","correlation_id":"nobody-rpc-1","error":"x"}', []),
    (b'{"type":"response"}', []),
    (b'{"type":"request","id":"RPCGetUptime","payload":NaN}', [parse_error(
        "NaN is not a JSON value")]),
    (b"\xef\xbb\xbf{}", [parse_error("Expecting value: line 1 column 1 (char 0)")]),
    (b"[" * 100_000, [parse_error("nesting too deep")]),
    (b'{"type":"request","id":"RPCGetUptime","payload":' + b"1" * 5000 + b"}", [parse_error(
        "Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; "
        "use sys.set_int_max_str_digits() to increase the limit")]),
    (b'{"type":"request","id":"RPC\xffX"}', [{"type": "error", "id": "RPC\ufffdX",
                                             "error": "no handler found for message: RPC\ufffdX",
                                             "source": "sysmon"}]),
]  # fmt: skip


@pytest.mark.parametrize(("line", "replies"), ODD_INPUTS)
def test_odd_inputs_get_what_the_table_says(world, line, replies):
    assert world.send(line) == replies


ANSWERED_AS_UPTIME = [
    b'{"id":"RPCGetUptime"}',
    b'{"type":"event","id":"RPCGetUptime"}',
    b'{"Type":"request","ID":"RPCGetUptime"}',
    b'{"type":"request","id":"RPCGetUptime","payload":{"x":1},"extra":[1]}',
    b'{"type":"request","id":"RPCGetNothing","id":"RPCGetUptime"}',
    b'{"type":"request","id":"RPCGetUptime","source":null,"correlation_id":null}',
]


@pytest.mark.parametrize("line", ANSWERED_AS_UPTIME)
def test_messages_the_framework_would_dispatch_by_id_are_answered(world, line):
    (reply,) = world.send(line)
    assert (reply["type"], reply["id"], reply["payload"]["uptime"]) == (
        "response",
        "RPCGetUptime",
        12345.67,
    )
    assert "target" not in reply
    assert "correlation_id" not in reply
