"""The protocol under attack: whatever the lines hold, each gets at most one reply.

Lines are random bytes, random JSON of every type, broker envelopes and JSON-RPC calls
with fields of every type, batches, and the inputs that break parsers: invalid UTF-8, a
UTF-8 BOM, CRLF endings, NUL bytes, numbers of 10,000 digits, nesting 100,000 deep,
duplicate keys, lines over the size limit. ``expect`` is the model of docs/protocol.md
that says what each line is owed: nothing (blank lines, replies, JSON-RPC notifications),
or exactly one reply, with the request's own id. Properties checked on every line:

- it gets what it is owed, no more, no less; the reply names the request's id;
- each reply is one line of ASCII JSON that ``json.loads`` takes, with no NaN;
- ``handle_line`` never raises (the service never dies);
- memory stays bounded: no partial line is held past the cap, and at the end nothing
  waits for the broker (``Server.waiting``, the broker's pending list).

The hypothesis tests drive the real ``Server`` in-process on the captured ``this-vm``
host tree, with simulated time (``FakeClock``, ``Timers``) and a scripted ``FakeBroker``;
the line framing is the runner's own ``LineSplitter``, fed in random chunks. A few
examples go through a spawned ``sysmon`` over real pipes; ``scripts/fuzz_long.py``
runs the same spawned driver for as long as wanted.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import queue
import random
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import spawned
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spawned import sysmon_executable

from sysmon.adapters.broker_link import BrokerLink
from sysmon.adapters.deadline import InlineDeadline
from sysmon.adapters.fake_broker import Behaviour, Fail, FakeBroker, Reply, Silence, read_transcript
from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.procfs import ProcfsReader
from sysmon.adapters.stdio import LineSplitter, MemoryWriter, Oversized
from sysmon.app.server import Server
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.message_stats import MessageStatsService
from sysmon.domain.metrics import METHODS, MetricsService
from sysmon.domain.models import HostFacts
from sysmon.domain.timers import Timers

ROOT = Path(__file__).resolve().parents[2]
HOST = ROOT / "sysmon" / "hosts" / "this-vm"
FACTS = HostFacts(user_hz=100, page_size=4096, machine="x86_64")
STATS = read_transcript(ROOT / "sysmon" / "broker_replies" / "message_stats_total.json")[0].reply
SYS_METRICS = "RPCGetSysMetrics"
LIMIT = 1 << 20  # sysmon_max_message_bytes when the config does not say
GUARD = 60.0  # hang guard for spawned children only; no test measures time


# --------------------------------------------------------------------------------------
# Lines: one generator over a Random, driven by hypothesis or by a seed


_ODD_CHARS = "\x00\x01\x1f\x7f\ufeff\u2028\ud800\udfff\U0001f600é€\\\"'\n\r\t /{}[]:,"
_ODD_METHODS = ("RPCGetNothing", "", "rpcgetuptime", "RPCGetUptime\x00", "RPC\ud800X", "jsonrpc")
_FIELDS = ("type", "id", "payload", "error", "source", "target", "correlation_id")
_PATH_PAYLOADS = (
    {"path": "/etc/shadow"},
    {"procfs": "/tmp", "rootfs": "/"},
    {"command": "rm -rf /"},
    ["/etc/passwd", "../../etc/passwd"],
    "/bin/sh -c id",
)


def random_text(rng: random.Random, longest: int = 12) -> str:
    pieces = []
    for _ in range(rng.randint(0, longest)):
        pick = rng.random()
        if pick < 0.5:
            pieces.append(chr(rng.randint(0x20, 0x7E)))
        elif pick < 0.8:
            pieces.append(rng.choice(_ODD_CHARS))
        else:
            pieces.append(chr(rng.randint(0, 0x10FFFF)))
    return "".join(pieces)


def random_number(rng: random.Random) -> int | float:
    pick = rng.randint(0, 7)
    if pick == 0:
        return rng.randint(-(2**63), 2**63)
    if pick == 1:
        return int("9" * rng.randint(20, 4000))  # big, but under the 4300-digit limit
    if pick == 2:
        return rng.choice([0.0, -0.0, 1e308, -1e308, 5e-324, 0.1, 1.5])
    if pick == 3:
        return rng.uniform(-1e6, 1e6)
    return rng.randint(-3, 1000)


def random_json(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randint(0, 9 if depth < 4 else 5)
    if pick == 0:
        return None
    if pick == 1:
        return rng.random() < 0.5
    if pick in (2, 3):
        return random_number(rng)
    if pick in (4, 5):
        return random_text(rng)
    if pick in (6, 7):
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {random_text(rng, 6): random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def encode(value: Any, rng: random.Random) -> str:
    """JSON text, sometimes with non-ASCII left raw (and lone surrogates with it)."""
    separators = rng.choice([(",", ":"), (", ", ": "), (" ,\t", " :\t")])
    return json.dumps(value, ensure_ascii=rng.random() < 0.5, separators=separators)


def to_bytes(text: str) -> bytes:
    """UTF-8; a lone surrogate becomes its three-byte form, which is not valid UTF-8."""
    return text.encode("utf-8", "surrogatepass")


def json_object(pairs: list[tuple[str, Any]], rng: random.Random) -> str:
    """An object written pair by pair, so a key may appear twice."""
    return "{" + ",".join(encode(key, rng) + ":" + encode(v, rng) for key, v in pairs) + "}"


def some_id(rng: random.Random) -> Any:
    """An id of any JSON type: mostly strings and numbers, valid ones most of the time."""
    pick = rng.randint(0, 9)
    if pick < 3:
        return f"f-{rng.getrandbits(32)}"
    if pick < 5:
        return random_number(rng)
    if pick == 5:
        return None
    return random_json(rng)


def envelope_line(rng: random.Random) -> bytes:
    pairs: list[tuple[str, Any]] = []
    roll = rng.random
    if roll() < 0.95:
        kinds = ["request"] * 8 + ["event", "response", "error", "", "REQUEST"]
        pairs.append(("type", rng.choice(kinds) if roll() < 0.97 else random_json(rng)))
    if roll() < 0.97:
        if roll() < 0.85:
            method = rng.choice(METHODS)
        else:
            method = rng.choice([*_ODD_METHODS, random_json(rng)])
        pairs.append(("id", method))
    if roll() < 0.9:
        pairs.append(("source", "access" if roll() < 0.95 else random_json(rng)))
    if roll() < 0.5:
        pairs.append(("target", "sysmon" if roll() < 0.95 else random_json(rng)))
    if roll() < 0.9:
        cid = f"f-{rng.getrandbits(32)}" if roll() < 0.85 else some_id(rng)
        pairs.append(("correlation_id", cid))
    if roll() < 0.3:
        pairs.append(("payload", rng.choice([*_PATH_PAYLOADS, random_json(rng)])))
    if roll() < 0.2:
        pairs.append((random_text(rng, 8), random_json(rng)))
    if roll() < 0.2 and pairs:  # a key twice
        key, _ = rng.choice(pairs)
        pairs.append((key, rng.choice([SYS_METRICS, "RPCGetUptime", random_json(rng)])))
    if roll() < 0.15:  # keys matching the fields only when case is ignored
        pairs = [(rng.choice([k.upper(), k.title(), k]), v) for k, v in pairs]
    if roll() < 0.3:
        rng.shuffle(pairs)
    return to_bytes(json_object(pairs, rng))


def jsonrpc_member(rng: random.Random) -> str:
    pairs: list[tuple[str, Any]] = []
    roll = rng.random
    pairs.append(("jsonrpc", "2.0" if roll() < 0.9 else rng.choice(["1.0", 2.0, None, "2"])))
    if roll() < 0.95:
        method = rng.choice(METHODS) if roll() < 0.85 else rng.choice(_ODD_METHODS)
        pairs.append(("method", method if roll() < 0.95 else random_json(rng)))
    if roll() < 0.8:  # without an id it is a notification
        pairs.append(("id", some_id(rng)))
    if roll() < 0.3:
        params = [None, [], {}, [1], {"path": "/etc/shadow"}, "x", 0, True, random_json(rng)]
        pairs.append(("params", rng.choice(params)))
    if roll() < 0.1 and pairs:
        key, _ = rng.choice(pairs)
        pairs.append((key, some_id(rng)))
    if roll() < 0.3:
        rng.shuffle(pairs)
    return json_object(pairs, rng)


def jsonrpc_line(rng: random.Random) -> bytes:
    if rng.random() < 0.8:
        return to_bytes(jsonrpc_member(rng))
    members = []
    for _ in range(rng.randint(0, 6)):
        members.append(jsonrpc_member(rng) if rng.random() < 0.8 else encode(random_json(rng), rng))
    return to_bytes("[" + ",".join(members) + "]")


def valid_request(rng: random.Random) -> bytes:
    method = rng.choice(METHODS)
    if rng.random() < 0.5:
        message = {"type": "request", "id": method, "source": "access", "target": "sysmon"}
        message["correlation_id"] = f"f-{rng.getrandbits(32)}"
    else:
        message = {"jsonrpc": "2.0", "id": rng.getrandbits(32), "method": method}
    return json.dumps(message).encode()


def deep(rng: random.Random, depth: int = 100_000) -> str:
    """Arrays, objects, or both in turn, ``depth`` levels in all."""
    opener, closer, levels = rng.choice([("[", "]", 1), ('{"":', "}", 1), ('[{"":', "}]", 2)])
    return opener * (depth // levels) + "1" + closer * (depth // levels)


def special_line(rng: random.Random, limit: int) -> bytes:
    """One of the inputs that break parsers."""
    pick = rng.randint(0, 11)
    request = valid_request(rng)
    if pick == 0:  # a UTF-8 BOM before the JSON
        return b"\xef\xbb\xbf" + request
    if pick == 1:  # NUL bytes
        at = rng.randint(0, len(request))
        return request[:at] + b"\x00" * rng.randint(1, 3) + request[at:]
    if pick == 2:  # a number of 10,000 digits, alone or in a field
        number = rng.choice(["", "-"]) + "7" * 10_000 + rng.choice(["", ".5", "e5"])
        return rng.choice(
            [
                number,
                '{"jsonrpc":"2.0","id":' + number + ',"method":"RPCGetUptime"}',
                '{"type":"request","id":"RPCGetUptime","payload":' + number + "}",
            ]
        ).encode()
    if pick == 3:  # nesting 100,000 deep, alone or in a field
        nested = deep(rng)
        return rng.choice(
            [
                nested,
                '{"type":"request","id":"RPCGetUptime","payload":' + nested + "}",
                '{"jsonrpc":"2.0","id":1,"method":"RPCGetUptime","params":' + nested + "}",
            ]
        ).encode()
    if pick == 4:  # over the size limit, by a little or by a lot
        size = limit + rng.choice([1, 2, rng.randint(3, 4096)])
        padded = request[:-1] + b',"pad":"' + b"x" * size + b'"}'
        return padded[: max(size, len(request) + 1)]
    if pick == 5:  # invalid UTF-8 inside a string
        bad = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80"])
        at = request.index(b'"', request.index(b":")) + 1
        return request[:at] + bad + request[at:]
    if pick == 6:  # a stray carriage return inside the line
        at = rng.randint(0, len(request))
        return request[:at] + b"\r" + request[at:]
    if pick == 7:  # blank
        return rng.choice([b"", b" ", b"\t", b"\r", b" \t\r", b"\x0b", b"\x0c"])
    if pick == 8:  # NaN and friends, which JSON does not have
        constant = rng.choice(["NaN", "Infinity", "-Infinity", "1e400", "-1e999"])
        return rng.choice(
            [constant, '{"jsonrpc":"2.0","id":' + constant + ',"method":"RPCGetUptime"}']
        ).encode()
    if pick == 9:  # cut or flipped
        out = bytearray(request[: rng.randint(0, len(request))])
        for _ in range(rng.randint(0, 3)):
            if out:
                out[rng.randrange(len(out))] = rng.getrandbits(8)
        return bytes(out)
    if pick == 10:  # text that is not JSON but names jsonrpc
        return b'{"jsonrpc":"2.0","id":1,"method":' + request[:10]
    return request


def random_bytes(rng: random.Random) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 120)))


def fuzz_line(rng: random.Random, limit: int = LIMIT) -> bytes:
    """One line (without its terminator); random bytes may hold newlines of their own."""
    pick = rng.random()
    if pick < 0.12:
        return random_bytes(rng)
    if pick < 0.27:
        return to_bytes(encode(random_json(rng), rng))
    if pick < 0.55:
        return envelope_line(rng)
    if pick < 0.8:
        return jsonrpc_line(rng)
    return special_line(rng, limit)


def terminator(rng: random.Random) -> bytes:
    return b"\r\n" if rng.random() < 0.3 else b"\n"


# --------------------------------------------------------------------------------------
# The model: what a line is owed, from docs/protocol.md


MISSING = object()
_FOLDED = {name.casefold(): name for name in _FIELDS}


def _reject(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@dataclass
class Expect:
    """What one line is owed: no reply, or one; ``deferred`` replies may come later
    (a broker-dialect RPCGetSysMetrics waiting for message_stats)."""

    replies: int = 0
    deferred: bool = False
    rpc_id: Any = MISSING  # a JSON-RPC reply's id
    batch_ids: list[Any] | None = None  # a batch reply's ids, in order
    correlation_id: str | None = None  # a broker reply's correlation_id (None: no key)
    target: str | None = None


def split_lines(stream: bytes) -> list[bytes]:
    """The lines in a byte stream as the protocol defines them (``\\r`` still on)."""
    lines = stream.split(b"\n")
    last = lines.pop()
    return [*lines, last] if last else lines


def expect(raw: bytes, dialect: str = "both", limit: int = LIMIT) -> Expect:
    """What the protocol owes one line, ``raw`` as cut at ``\\n``."""
    if len(raw) > limit:
        return _parse_error(dialect, False)
    line = raw[:-1] if raw.endswith(b"\r") else raw
    if not line or line.isspace():
        return Expect(0)
    try:
        value = json.loads(line.decode("utf-8", "replace"), parse_constant=_reject)
    except (ValueError, RecursionError):
        return _parse_error(dialect, b'"jsonrpc"' in line)
    if dialect == "jsonrpc":
        return _batch(value) if type(value) is list else _call(value)
    if type(value) is dict:
        return _call(value) if "jsonrpc" in value else _envelope(value)
    if type(value) is list and (
        not value or any(type(m) is dict and "jsonrpc" in m for m in value)
    ):
        return _batch(value)
    return Expect(1)  # null: no handler for the empty id; any other value: a parse error


def _parse_error(dialect: str, names_jsonrpc: bool) -> Expect:
    if dialect == "jsonrpc" or names_jsonrpc:
        return Expect(1, rpc_id=None)
    return Expect(1)


def _rpc_id(value: dict[str, Any]) -> Any:
    """The id a reply echoes: a string, a number or null; anything else reads as null."""
    if "id" not in value:
        return None
    given = value["id"]
    if type(given) in (str, int) or given is None:
        return given
    if type(given) is float and math.isfinite(given):
        return given
    return None


def _call(value: Any) -> Expect:
    if type(value) is not dict:
        return Expect(1, rpc_id=None)
    valid = value.get("jsonrpc") == "2.0" and type(value.get("method")) is str
    if "id" not in value and valid:
        return Expect(0)  # a notification is owed nothing, not even an error
    return Expect(1, rpc_id=_rpc_id(value) if "id" in value else None)


def _batch(members: list[Any]) -> Expect:
    if not members:
        return Expect(1, rpc_id=None)
    owed = [m for m in members if _call(m).replies]
    if not owed:
        return Expect(0)
    ids = [_rpc_id(m) if type(m) is dict else None for m in owed]
    return Expect(1, batch_ids=ids)


def _envelope(value: dict[str, Any]) -> Expect:
    fields: dict[str, Any] = {}
    for key, item in value.items():
        name = key if key in _FIELDS else _FOLDED.get(key.casefold())
        if name is not None:
            fields[name] = item
    strings = {k: v for k, v in fields.items() if k != "payload" and type(v) is str}
    bad = any(v is not None and type(v) is not str for k, v in fields.items() if k != "payload")
    routing = {
        "correlation_id": strings.get("correlation_id") or None,
        "target": strings.get("source") or None,
    }
    if bad:
        return Expect(1, **routing)  # a parse error that keeps the usable routing
    if strings.get("type", "") in ("response", "error"):
        return Expect(0)  # a reply nobody waits for
    return Expect(1, deferred=strings.get("id", "") == SYS_METRICS, **routing)


def reply_value(data: bytes) -> Any:
    """One reply: a single line of ASCII JSON without NaN or infinity."""
    assert data.endswith(b"\n") and data.count(b"\n") == 1, data[:200]
    assert data.isascii(), data[:200]
    return json.loads(data, parse_constant=_reject)


def check_reply(reply: Any, expected: Expect) -> None:
    """The reply names the request's own id (JSON-RPC) or correlation_id (broker)."""
    if expected.batch_ids is not None:
        assert type(reply) is list
        assert [member["id"] for member in reply] == expected.batch_ids
        for member in reply:
            assert member["jsonrpc"] == "2.0"
            assert ("result" in member) != ("error" in member)
        return
    assert type(reply) is dict
    if expected.rpc_id is not MISSING:
        assert reply["jsonrpc"] == "2.0"
        assert reply["id"] == expected.rpc_id
        assert type(reply["id"]) is type(expected.rpc_id)
        assert ("result" in reply) != ("error" in reply)
        return
    assert "jsonrpc" not in reply
    assert reply["type"] in ("response", "error")
    assert reply["source"] == "sysmon"
    assert reply.get("correlation_id") == expected.correlation_id
    assert reply.get("target") == expected.target


# --------------------------------------------------------------------------------------
# In-process: the real server, simulated time, a scripted broker


def metrics_service(clock: FakeClock, cache: float = 3600.0) -> MetricsService:
    reader = ProcfsReader(str(HOST / "proc"), str(HOST / "rootfs"))
    return MetricsService(reader, clock, InlineDeadline(), FACTS, DiskPolicy(), cache)


class Harness:
    """A server fed as the runner feeds it: bytes through a LineSplitter, line by line."""

    def __init__(
        self, dialect: str = "both", limit: int = LIMIT, broker: tuple[Behaviour, ...] = ()
    ) -> None:
        self.clock = FakeClock()
        self.timers = Timers(self.clock)
        self.writer = MemoryWriter()
        self.broker = FakeBroker(self.timers)
        self.broker.script("RPCGetMessageStats", *broker)
        self.broker.set_default("RPCGetMessageStats", Reply(STATS["payload"]))
        self.stats = MessageStatsService(self.broker, self.clock, self.timers, 0.5, 30.0, 0.0)
        self.server = Server(
            metrics_service(self.clock), self.stats, self.broker, self.writer, dialect=dialect
        )
        self.splitter = LineSplitter(limit)
        self.limit = limit
        self.server.start()
        self.writer.clear()

    def feed(self, chunk: bytes) -> list[bytes | Oversized]:
        items = self.splitter.feed(chunk)
        assert self.splitter.buffered <= self.limit
        return items

    def handle(self, item: bytes | Oversized) -> None:
        if isinstance(item, Oversized):
            self.server.handle_oversized(item.limit)
        else:
            self.server.handle_line(item)

    def let_time_pass(self, seconds: float = 0.6) -> None:
        self.clock.advance(seconds)
        self.timers.run_due()

    def take(self) -> list[Any]:
        writes = list(self.writer.writes)
        self.writer.clear()
        return [reply_value(data) for data in writes]


def chunks(data: bytes, cuts: list[int]) -> Iterator[bytes]:
    """``data`` in pieces, cut at the given offsets (taken modulo its length)."""
    points = sorted({cut % (len(data) + 1) for cut in cuts} | {0, len(data)})
    for start, end in itertools.pairwise(points):
        yield data[start:end]


lines_strategy = st.lists(
    st.one_of(
        st.randoms(use_true_random=False).map(fuzz_line),
        st.binary(max_size=80),
        st.sampled_from([b"", b" ", b"\t", b"\r", b" \t ", b"\x0b"]),  # blank
        st.builds(valid_request, st.randoms(use_true_random=False)),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner),
            max_leaves=12,
        ).map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass")),
    ),
    min_size=1,
    max_size=12,
)
broker_strategy = st.lists(
    st.sampled_from([Reply(STATS["payload"]), Fail("unknown RPC method"), Silence()]),
    max_size=4,
).map(tuple)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(
    lines=lines_strategy,
    endings=st.randoms(use_true_random=False),
    cuts=st.lists(st.integers(0, 1 << 20), max_size=6),
    dialect=st.sampled_from(["both", "jsonrpc"]),
    broker=broker_strategy,
)
def test_every_line_gets_exactly_what_it_is_owed(lines, endings, cuts, dialect, broker):
    """Line by line, time passing after each: every reply is attributed to its line."""
    stream = b"".join(line + terminator(endings) for line in lines)
    if endings.random() < 0.3:
        stream = stream.rstrip(b"\n")  # the last line without its newline
    model = split_lines(stream)
    harness = Harness(dialect, broker=broker)
    items: list[bytes | Oversized] = []
    for chunk in chunks(stream, cuts):
        items += harness.feed(chunk)
    items += harness.splitter.finish()
    assert len(items) == len(model)
    for raw, item in zip(model, items, strict=True):
        expected = expect(raw, dialect)
        if len(raw) > LIMIT:
            assert item == Oversized(LIMIT)
        else:
            assert item == (raw[:-1] if raw.endswith(b"\r") else raw)
        harness.handle(item)
        harness.let_time_pass()  # a broker that is slow or silent has had its chance
        replies = harness.take()
        assert len(replies) == expected.replies, (raw[:300], replies)
        for reply in replies:
            check_reply(reply, expected)
    harness.server.handle_eof()
    assert harness.take() == []
    assert harness.server.waiting == 0


@FUZZ
@given(
    lines=lines_strategy,
    endings=st.randoms(use_true_random=False),
    ticks=st.lists(st.booleans(), max_size=12),
    broker=broker_strategy,
)
def test_pipelined_lines_are_each_answered_once_by_the_end(lines, endings, ticks, broker):
    """No time passes between lines; waiting requests are answered by the timers or at
    end of input. Immediate replies belong to their line; the waiting ones are matched
    by correlation_id at the end."""
    harness = Harness(broker=broker)
    waiting: list[Expect] = []
    late: list[Any] = []
    for number, line in enumerate(lines):
        raw = line + terminator(endings)
        for piece, item in zip(split_lines(raw), harness.feed(raw), strict=True):
            expected = expect(piece)
            harness.handle(item)
            replies = harness.take()
            now = [r for r in replies if not _is_sys_metrics(r)]
            late += [r for r in replies if _is_sys_metrics(r)]
            if expected.deferred:
                waiting.append(expected)
                assert now == []
            else:
                assert len(now) == expected.replies, (piece[:300], now)
                for reply in now:
                    check_reply(reply, expected)
        if number < len(ticks) and ticks[number]:
            harness.let_time_pass()
            late += harness.take()
        assert harness.server.waiting <= len(waiting)
    for item in harness.splitter.finish():
        harness.handle(item)
        assert harness.take() == []  # every line ended with a newline
    harness.server.handle_eof()
    late += harness.take()
    assert all(_is_sys_metrics(reply) for reply in late)
    assert sorted(map(_routing, late)) == sorted(map(_routing, waiting))
    pairs = zip(sorted(late, key=_routing), sorted(waiting, key=_routing), strict=True)
    for reply, expected in pairs:
        check_reply(reply, expected)
        assert reply["type"] == "response"
    assert harness.server.waiting == 0
    assert harness.broker.pending == []
    assert not harness.stats.pending


def _is_sys_metrics(reply: Any) -> bool:
    return type(reply) is dict and "jsonrpc" not in reply and reply.get("id") == SYS_METRICS


def _routing(item: Any) -> tuple[str, str]:
    """The (correlation_id, target) of a reply, or of what one is owed."""
    if isinstance(item, Expect):
        return item.correlation_id or "", item.target or ""
    return item.get("correlation_id", ""), item.get("target", "")


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from(["both", "jsonrpc"]))
def test_the_odd_inputs_one_by_one(rng, dialect):
    """Each special input alone, as a whole line: never an exception, its reply owed."""
    harness = Harness(dialect)
    for _ in range(12):
        raw = special_line(rng, LIMIT)
        for piece in split_lines(raw + b"\n"):
            expected = expect(piece, dialect)
            for item in harness.feed(piece + b"\n"):
                harness.handle(item)
            harness.let_time_pass()
            replies = harness.take()
            assert len(replies) == expected.replies, piece[:300]
            for reply in replies:
                check_reply(reply, expected)


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        (
            b"\xef\xbb\xbf" + b'{"type":"request","id":"RPCGetUptime"}',
            "failed to parse message: Expecting value: line 1 column 1 (char 0)",
        ),
        (b'{"type":"request","id":"RPCGetUptime"}\x00', "failed to parse message: Extra data"),
        (b"7" * 10_000, "failed to parse message: Exceeds the limit (4300 digits)"),
        (b"[" * 100_000 + b"]" * 100_000, "failed to parse message: nesting too deep"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "failed to parse message: nesting too deep"),
        (b"x" * (LIMIT + 1), "failed to parse message: message longer than the size limit"),
    ],
    ids=["bom", "nul", "10000-digits", "deep-arrays", "deep-objects", "over-the-limit"],
)
def test_each_breaking_input_is_one_parse_error(line, reply):
    harness = Harness()
    for item in harness.feed(line + b"\r\n") + harness.splitter.finish():
        harness.handle(item)
    (message,) = harness.take()
    assert message["type"] == "error" and message["id"] == "parse-error"
    assert message["error"].startswith(reply)


@pytest.mark.parametrize(
    "given_id",
    ["", "x", "\ud800", 0, -1, 2**70, int("9" * 4300), 1.5, -0.0, 1e308, None],
    ids=lambda v: type(v).__name__ + ":" + repr(v)[:12],
)
def test_a_jsonrpc_id_of_every_valid_type_comes_back_as_it_was(given_id):
    harness = Harness()
    line = json.dumps({"jsonrpc": "2.0", "id": given_id, "method": "RPCGetUptime"}).encode()
    harness.server.handle_line(line)
    (reply,) = harness.take()
    assert reply["id"] == given_id and type(reply["id"]) is type(given_id)
    assert set(reply["result"]) == {"uptime", "idle_time", "timestamp"}


@pytest.mark.parametrize("given_id", [True, False, [], [1], {}, {"id": 1}])
def test_a_jsonrpc_id_of_another_type_is_an_invalid_request_with_a_null_id(given_id):
    harness = Harness()
    harness.server.handle_line(
        json.dumps({"jsonrpc": "2.0", "id": given_id, "method": "RPCGetUptime"}).encode()
    )
    (reply,) = harness.take()
    assert reply["id"] is None
    assert reply["error"]["code"] == -32600


def test_duplicate_keys_the_last_one_counts():
    harness = Harness()
    harness.server.handle_line(
        b'{"type":"request","id":"RPCGetNothing","correlation_id":"c-1","id":"RPCGetUptime"}'
    )
    harness.server.handle_line(
        b'{"jsonrpc":"2.0","id":1,"method":"RPCGetUptime","id":2,"method":"RPCGetNope"}'
    )
    envelope, rpc = harness.take()
    assert (envelope["type"], envelope["id"], envelope["correlation_id"]) == (
        "response",
        "RPCGetUptime",
        "c-1",
    )
    assert (rpc["id"], rpc["error"]["code"]) == (2, -32601)


def test_a_flood_of_sys_metrics_waiting_for_a_silent_broker_stays_bounded():
    """Thousands of requests waiting at once: the waiting count is capped, each request
    is answered exactly once, and nothing is left waiting at the end."""
    harness = Harness(broker=(Silence(),))
    total = 10_000
    for number in range(total):
        harness.server.handle_line(
            b'{"type":"request","id":"RPCGetSysMetrics","source":"a","correlation_id":"c-%d"}'
            % number
        )
    assert harness.server.waiting == 4096  # MessageStatsService's max_waiters
    early = harness.take()
    assert len(early) == total - 4096  # the rest were answered at once, without stats
    harness.let_time_pass()  # the broker's timeout
    late = harness.take()
    replies = early + late
    assert sorted(int(r["correlation_id"][2:]) for r in replies) == list(range(total))
    assert all("message_stats" not in r["payload"] for r in replies)
    assert harness.server.waiting == 0


def test_a_broker_reply_nested_near_the_recursion_limit_loses_no_waiting_request():
    """Decoded at one stack depth, re-encoded some frames deeper: the payloads nested just
    too deep to encode once made every waiting RPCGetSysMetrics vanish without a reply."""
    limit = sys.getrecursionlimit()
    with_stats = without_stats = 0
    for depth in range(limit - 200, limit + 2):
        # a fresh service for each depth: no figures from the depth before are carried
        clock = FakeClock()
        timers = Timers(clock)
        writer = MemoryWriter()
        link = BrokerLink(writer, "sysmon")
        stats = MessageStatsService(link, clock, timers, 0.5, 30.0, 0.0)
        server = Server(metrics_service(clock), stats, link, writer)
        server.start()
        writer.clear()
        cids = [f"c-{depth}-a", f"c-{depth}-b"]
        for cid in cids:
            server.handle_line(sys_metrics(cid))
        (query,) = writer.messages()
        payload = "[" * depth + "]" * depth
        reply = (
            '{"type":"response","id":"RPCGetMessageStats","source":"broker","correlation_id":'
            + json.dumps(query["correlation_id"])
            + ',"payload":'
            + payload
            + "}"
        )
        server.handle_line(reply.encode())
        clock.advance(0.6)  # past the broker timeout
        timers.run_due()
        answers = [m for m in writer.messages() if m.get("id") == SYS_METRICS]
        assert sorted(m["correlation_id"] for m in answers) == cids, depth
        assert server.waiting == 0
        for answer in answers:
            assert answer["type"] == "response"
            if "message_stats" in answer["payload"]:
                with_stats += 1
                assert answer["payload"]["message_stats"] == json.loads(payload)
            else:
                without_stats += 1
    assert with_stats > 0
    assert without_stats > 0


def sys_metrics(cid: str) -> bytes:
    message = {"type": "request", "id": SYS_METRICS, "source": "access"}
    return json.dumps(message | {"correlation_id": cid}).encode()


# --------------------------------------------------------------------------------------
# A spawned sysmon over real pipes


def vm_rss_kib(pid: int, key: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as status:
        for row in status:
            if row.startswith(key + ":"):
                return int(row.split()[1])
    raise LookupError(key)


@dataclass
class FuzzReport:
    lines: int = 0  # lines as the protocol cuts them
    owed: int = 0
    replies: int = 0
    lost: int = 0
    extra: int = 0
    mismatched: int = 0  # replies that did not name their request's id
    invalid: int = 0  # output lines that are not one line of ASCII JSON
    broker_queries: int = 0
    broker_ignored: int = 0
    exit_status: int | None = None
    tracebacks: int = 0
    rss_start_kib: int = 0
    rss_peak_kib: int = 0
    owed_nothing: int = 0  # blank lines, stray replies, notifications
    waited: int = 0  # RPCGetSysMetrics lines that may wait for the broker
    problems: list[str] = field(default_factory=list)


def marker(number: int) -> bytes:
    return b'{"jsonrpc":"2.0","id":"fuzz-marker-%d","method":"RPCGetUptime"}\n' % number


def run_spawned_fuzz(
    count: int,
    seed: int,
    workdir: Path,
    *,
    limit: int = 512 * 1024,
    ignore_broker: float = 0.3,
    guard: float = GUARD,
    progress: Callable[[int], None] | None = None,
) -> FuzzReport:
    """``count`` fuzzed lines, each followed by a marker request, into a spawned sysmon.

    sysmon answers in order except a broker-dialect RPCGetSysMetrics, which may wait for
    the broker: so the replies read before marker N's are line N's, and the
    RPCGetSysMetrics replies are matched, by correlation_id and target, against the
    lines owed one, wherever they come. The broker's queries are answered, or ignored
    with probability ``ignore_broker``. Lines are made as they are written, so a long
    run holds only what each line is owed.
    """
    (workdir / "config.json").write_text(
        json.dumps({"sysmon_max_message_bytes": limit, "sysmon_broker_timeout": "50ms",
                    "sysmon_broker_retry": "200ms", "sysmon_cache_duration": "100ms"})
    )  # fmt: skip
    stderr_path = workdir / "stderr.log"
    report = FuzzReport()
    expected: list[list[Expect]] = []
    deferred_owed: list[tuple[str, str]] = []
    broker_rng = random.Random(seed + 1)

    def next_line(rng: random.Random) -> bytes:
        line = fuzz_line(rng, limit) + terminator(rng)
        pieces = [expect(piece, "both", limit) for piece in split_lines(line)]
        report.lines += len(pieces)
        report.owed += sum(e.replies for e in pieces)
        report.owed_nothing += sum(not e.replies for e in pieces)
        deferred_owed.extend(_routing(e) for e in pieces if e.deferred)
        expected.append([e for e in pieces if e.replies and not e.deferred])
        return line

    answers: queue.Queue[bytes | None] = queue.Queue()
    child, watchdog = spawned.spawn_guarded(HOST, workdir, stderr_path, guard)
    assert child.stdin is not None and child.stdout is not None
    stdin_fd = child.stdin.fileno()

    def write_all(data: bytes) -> None:
        spawned.write_all(stdin_fd, data)

    def writer() -> None:
        rng = random.Random(seed)
        with contextlib.suppress(BrokenPipeError):
            for number in range(count):
                while not answers.empty():
                    answer = answers.get_nowait()
                    if answer is not None:
                        write_all(answer)
                write_all(next_line(rng) + marker(number))
            while (answer := answers.get()) is not None:
                write_all(answer)
        child.stdin.close()

    thread = threading.Thread(target=writer, daemon=True)
    try:
        ready = json.loads(child.stdout.readline())
        assert ready["id"] == "subprocess_ready", ready
        report.rss_start_kib = vm_rss_kib(child.pid)
        thread.start()
        late: list[tuple[str, str]] = []
        segment: list[Any] = []
        number = 0
        for data in child.stdout:
            try:
                reply = reply_value(data)
            except (AssertionError, ValueError) as error:
                report.invalid += 1
                report.problems.append(f"not one line of JSON: {data[:200]!r}: {error}")
                continue
            if _is_query(reply):
                report.broker_queries += 1
                if broker_rng.random() < ignore_broker:
                    report.broker_ignored += 1
                else:
                    answer = dict(STATS, correlation_id=reply["correlation_id"])
                    answers.put(json.dumps(answer).encode() + b"\n")
                continue
            if _is_sys_metrics(reply):
                late.append(_routing(reply))
                continue
            if type(reply) is dict and reply.get("id") == f"fuzz-marker-{number}":
                _close_segment(report, expected[number], segment)
                segment = []
                number += 1
                if progress is not None:
                    progress(number)
                if number == count:
                    report.rss_peak_kib = vm_rss_kib(child.pid, "VmHWM")
                    answers.put(None)  # the writer closes sysmon's input
                continue
            segment.append(reply)
        report.waited = len(deferred_owed)
        report.replies += len(late) + len(segment)
        report.extra += len(segment)
        if sorted(late) != sorted(deferred_owed):
            report.mismatched += 1
            report.problems.append("the waiting requests' replies do not match them")
        report.lost += max(len(deferred_owed) - len(late), 0)
        report.extra += max(len(late) - len(deferred_owed), 0)
        if number < count:
            report.lost += sum(len(owed) for owed in expected[number:])
            report.problems.append(f"output ended after marker {number} of {count}")
        report.exit_status = child.wait(timeout=guard)
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
            child.wait()
        answers.put(None)
        thread.join(guard)
        child.stdout.close()
    report.tracebacks = stderr_path.read_bytes().count(b"Traceback")
    return report


def _is_query(reply: Any) -> bool:
    return (
        type(reply) is dict
        and reply.get("type") == "request"
        and reply.get("target") == "broker"
        and reply.get("id") == "RPCGetMessageStats"
    )


def _close_segment(report: FuzzReport, owed: list[Expect], replies: list[Any]) -> None:
    """Line N's replies (those read before marker N's reply) against what it is owed."""
    report.replies += len(replies) + 1  # and the marker's own
    report.owed += 1
    report.lost += max(len(owed) - len(replies), 0)
    report.extra += max(len(replies) - len(owed), 0)
    if len(owed) == len(replies):
        for reply, expectation in zip(replies, owed, strict=True):
            try:
                check_reply(reply, expectation)
            except (AssertionError, KeyError, TypeError) as error:
                report.mismatched += 1
                report.problems.append(f"{reply!r:.200}: {error!r:.200}")


@pytest.mark.e2e
def test_a_spawned_sysmon_answers_fuzzed_lines_over_real_pipes(tmp_path):
    report = run_spawned_fuzz(400, seed=6, workdir=tmp_path)
    assert report.problems == []
    assert (report.lost, report.extra, report.mismatched, report.invalid) == (0, 0, 0, 0)
    assert report.replies == report.owed
    assert report.broker_queries > 0
    assert report.exit_status == 0
    assert report.tracebacks == 0


def spawn_sysmon(workdir: Path, *args: str) -> subprocess.Popen[bytes]:
    command = [
        sysmon_executable(),
        "--procfs",
        str(HOST / "proc"),
        "--rootfs",
        str(HOST / "rootfs"),
    ]
    return subprocess.Popen(
        [*command, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=workdir,
    )


@pytest.mark.e2e
def test_the_odd_inputs_through_a_spawned_sysmon(tmp_path):
    """Each odd input over a real pipe, at the default 1 MiB cap; the last line has no
    newline. All in one go: the child reads them as they come, in whatever chunks."""
    over = b'{"type":"request","id":"RPCGetUptime","payload":"' + b"x" * LIMIT + b'"}'
    sent = [
        b"\xef\xbb\xbf" + b'{"type":"request","id":"RPCGetUptime","correlation_id":"bom"}',
        b'{"type":"request","id":"RPCGetUptime","correlation_id":"crlf"}\r',
        b'{"type":"request","id":"RPCGetUptime","correlation_id":"n\x00ul"}',  # raw control
        b'{"type":"request","id":"RPCGetUptime","correlation_id":"nul"}\x00',
        b'{"type":"request","id":"RPCGetUptime","correlation_id":"\xff\xfe"}',
        b'{"jsonrpc":"2.0","id":' + b"9" * 10_000 + b',"method":"RPCGetUptime"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"type":"request","id":"RPCGetNothing","correlation_id":"dup","id":"RPCGetUptime"}',
        over,
        b'{"jsonrpc":"2.0","id":[1],"method":"RPCGetUptime"}',
        b'{"jsonrpc":"2.0","id":1.5,"method":"RPCGetUptime"}',
        b'{"jsonrpc":"2.0","method":"RPCGetUptime"}',  # a notification: no reply
        b'{"type":"response","correlation_id":"nobody-rpc-1"}',  # a stray reply: none
        b'{"jsonrpc":"2.0","id":"last","method":"RPCGetUptime"}',  # no newline after it
    ]
    child = spawn_sysmon(tmp_path)
    stdout, stderr = child.communicate(b"\n".join(sent), timeout=GUARD)
    assert child.returncode == 0
    assert b"Traceback" not in stderr
    replies = [reply_value(line + b"\n") for line in stdout.splitlines()]
    assert replies[0]["id"] == "subprocess_ready"
    summary = [
        (
            r.get("type"),
            r["id"],
            r.get("correlation_id"),
            r.get("error", "").removeprefix("failed to parse message: ")[:20],
        )
        if "jsonrpc" not in r
        else ("jsonrpc", r["id"], "result" in r, r.get("error", {}).get("code"))
        for r in replies[1:]
    ]
    assert summary == [
        ("error", "parse-error", None, "Expecting value: lin"),
        ("response", "RPCGetUptime", "crlf", ""),
        ("error", "parse-error", None, "Invalid control char"),
        ("error", "parse-error", None, "Extra data: line 1 c"),
        ("response", "RPCGetUptime", "\ufffd\ufffd", ""),
        ("jsonrpc", None, False, -32700),
        ("error", "parse-error", None, "nesting too deep"),
        ("response", "RPCGetUptime", "dup", ""),
        ("error", "parse-error", None, "message longer than "),
        ("jsonrpc", None, False, -32600),
        ("jsonrpc", 1.5, True, None),
        ("jsonrpc", "last", True, None),
    ]


@pytest.mark.e2e
def test_a_flood_of_bad_lines_logs_a_few_lines_and_a_summary(tmp_path):
    """20,100 bad lines of two kinds: stderr and the log file each hold the first five
    warnings of each kind and one summary counting exactly the lines held back, while
    every bad line still gets its reply."""
    (tmp_path / "config.json").write_text(json.dumps({"logging": {"dir": str(tmp_path / "logs")}}))
    flood = b"hello\n" * 15_000 + b'{"type":"request","id":5}\n' * 5_000 + b"[\n" * 100
    child = spawn_sysmon(tmp_path)
    stdout, stderr = child.communicate(flood, timeout=GUARD)
    assert child.returncode == 0
    replies = stdout.splitlines()[1:]
    assert len(replies) == 20_100
    assert all(json.loads(reply)["id"] == "parse-error" for reply in replies)
    log_file = (tmp_path / "logs" / "sysmon.log").read_bytes()
    for log in (stderr.decode(), log_file.decode()):
        messages = [line.split(": ", 1)[1] for line in log.splitlines()]
        assert messages == [
            "serving on stdin and stdout (stdin is open and no RPC_* fds are set)",
            *["unparseable line: Expecting value: line 1 column 1 (char 0)"] * 5,
            *['undecodable message: field "id" must be a string, not a JSON number'] * 5,
            "… 4,995 more like this from sysmon.app.server: undecodable message: %s",
            "… 15,095 more like this from sysmon.app.server: unparseable line: %s",
        ]
