"""The protocol under attack: whatever the lines hold, each gets at most one reply.

Driven in-process: the real ``Server`` on the captured ``this-vm`` host tree,
simulated time and a scripted broker.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sysmon.adapters.broker_link import BrokerLink
from sysmon.adapters.deadline import InlineDeadline
from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.procfs import ProcfsReader
from sysmon.adapters.stdio import MemoryWriter
from sysmon.app.server import Server
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.message_stats import MessageStatsService
from sysmon.domain.metrics import MetricsService
from sysmon.domain.models import HostFacts
from sysmon.domain.timers import Timers

ROOT = Path(__file__).resolve().parents[2]
HOST = ROOT / "testdata" / "hosts" / "this-vm"
FACTS = HostFacts(user_hz=100, page_size=4096, machine="x86_64")


def metrics_service(clock: FakeClock, cache: float = 3600.0) -> MetricsService:
    reader = ProcfsReader(str(HOST / "proc"), str(HOST / "rootfs"))
    return MetricsService(reader, clock, InlineDeadline(), FACTS, DiskPolicy(), cache)


def sys_metrics(cid: str) -> bytes:
    message = {"type": "request", "id": "RPCGetSysMetrics", "source": "access"}
    return json.dumps(message | {"correlation_id": cid}).encode()


def test_a_broker_reply_nested_near_the_recursion_limit_loses_no_waiting_request():
    """Decoded at one stack depth, re-encoded some frames deeper: the payloads nested just
    too deep to encode once made every waiting RPCGetSysMetrics vanish without a reply."""
    clock = FakeClock()
    timers = Timers(clock)
    writer = MemoryWriter()
    link = BrokerLink(writer, "sysmon")
    stats = MessageStatsService(link, clock, timers, 0.5, 30.0, 0.0)
    server = Server(metrics_service(clock), stats, link, writer)
    server.start()
    limit = sys.getrecursionlimit()
    with_stats = without_stats = 0
    for depth in range(limit - 200, limit + 2):
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
        clock.advance(30.0)  # and past the pause after a failure, for the next depth
        answers = [m for m in writer.messages() if m.get("id") == "RPCGetSysMetrics"]
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
