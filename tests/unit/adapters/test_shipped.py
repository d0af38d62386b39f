"""Shipped host trees and canned broker replies: found by name, a real path winning."""

import json
from pathlib import Path

import pytest

from sysmon.adapters.fake_broker import FakeBroker
from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.fake_host import FakeHost
from sysmon.adapters.shipped import (
    UnknownShippedError,
    broker_replies,
    host_tree,
    shipped_broker_replies,
    shipped_hosts,
)
from sysmon.domain.timers import Timers

PACKAGE = Path(__file__).resolve().parents[3] / "sysmon"


def test_the_shipped_trees_are_the_package_directories_with_a_proc():
    expected = sorted(p.name for p in (PACKAGE / "hosts").iterdir() if (p / "proc").is_dir())
    assert {"this-vm", "odd-host"} <= set(expected)
    assert shipped_hosts() == expected


def test_a_name_finds_the_shipped_tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert host_tree("odd-host") == PACKAGE / "hosts" / "odd-host"


def test_an_existing_path_wins_over_a_shipped_name(tmp_path, monkeypatch):
    (tmp_path / "odd-host" / "proc").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert host_tree("odd-host") == Path("odd-host")


def test_an_unknown_name_lists_the_shipped_trees(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnknownShippedError) as raised:
        host_tree("no-such-host")
    assert str(raised.value) == (
        "no host tree 'no-such-host': not an existing path, nor a shipped tree "
        f"(shipped: {', '.join(shipped_hosts())})"
    )
    assert "this-vm" in str(raised.value)


def test_canned_replies_by_name_with_or_without_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    total = PACKAGE / "broker_replies" / "message_stats_total.json"
    assert broker_replies("message_stats_total") == total
    assert broker_replies("message_stats_total.json") == total
    assert "message_stats_silent" in shipped_broker_replies()
    with pytest.raises(UnknownShippedError, match=r"shipped: message_stats_flat, "):
        broker_replies("nope")
    with pytest.raises(UnknownShippedError, match="not an existing path"):
        broker_replies("elsewhere/message_stats_total.json")  # a path is never a name


def test_fake_broker_loads_a_shipped_exchange_by_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exchange = json.loads((PACKAGE / "broker_replies" / "message_stats_total.json").read_text())
    clock = FakeClock()
    timers = Timers(clock)
    broker = FakeBroker(timers).load("message_stats_total")
    replies = []
    broker.request("RPCGetMessageStats", replies.append)
    timers.run_due()
    clock.advance(60)
    timers.run_due()
    (reply,) = replies
    assert reply.ok
    assert reply.payload == exchange["exchanges"][0]["reply"]["payload"]


def test_from_tree_takes_a_name_in_a_real_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    host = FakeHost.from_tree("odd-host", str(tmp_path / "host"))
    # odd-host/host.json: aarch64 with 64 KiB pages
    assert (host.facts.machine, host.facts.page_size) == ("aarch64", 65536)


def test_from_tree_takes_a_name_inside_pyfakefs(fs):
    fs.pause()
    expected = (PACKAGE / "hosts" / "this-vm" / "proc" / "loadavg").read_text().split()
    fs.resume()
    host = FakeHost.from_tree("this-vm", "/sim", fs=fs)
    assert Path("/sim/proc/loadavg").read_text().split() == expected  # the fake file system's
    assert host.reader().loadavg().load1 == float(expected[0])
