"""Canned broker replies inside the plugin's fixtures, as the simulation docs use them.

pyfakefs hides the real file system from the test, so ``fake_broker.load`` reads a
shipped exchange's name or a real file's path around it; ``sim_service.call`` waits in
simulated time for a reply that waits on the broker.
"""

import os

import pytest

from sysmon.adapters.fake_broker import FakeBroker
from sysmon.adapters.fake_clock import FakeClock
from sysmon.domain.timers import Timers

# a real file beside this module, named while the real file system is still in view
CANNED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "canned_stats_after_200ms.json")


def test_a_shipped_exchange_with_its_delay_is_waited_for_by_call(sim_service, fake_broker):
    fake_broker.load("message_stats_flat")  # answered after 0.001 s
    sim_service.advance(1.0)  # past the CPU window's first 100 ms
    before = sim_service.now
    metrics = sim_service.call("RPCGetSysMetrics")
    assert metrics["message_stats"]["total_messages"] == 3038
    assert "message_stats_age_seconds" not in metrics  # fetched for this reply
    assert round(sim_service.now - before, 9) == 0.001  # the broker's delay, no more


def test_a_real_file_hidden_by_the_fake_file_system_is_loaded(sim_service, fake_broker):
    # this test module is a real file, invisible inside pyfakefs; next to it, a canned
    # exchange written before the fake file system started would be read the same way
    assert not os.path.exists(CANNED)  # hidden: the fake file system is active
    fake_broker.load(CANNED)
    sim_service.advance(1.0)
    before = sim_service.now
    metrics = sim_service.call("RPCGetSysMetrics")
    assert metrics["message_stats"] == {"total_messages": 5}
    assert round(sim_service.now - before, 9) == 0.2


def test_a_silent_canned_broker_costs_call_the_timeout(sim_service, fake_broker):
    fake_broker.load("message_stats_silent")
    sim_service.advance(1.0)
    before = sim_service.now
    metrics = sim_service.call("RPCGetSysMetrics")
    assert "message_stats" not in metrics
    assert round(sim_service.now - before, 9) == 0.5  # sysmon_broker_timeout


def test_outside_the_fixtures_a_hidden_file_says_what_to_do(fs):
    broker = FakeBroker(Timers(FakeClock()))
    with pytest.raises(ValueError, match="use the sim fixtures' fake_broker"):
        broker.load("/nowhere/canned.json")
