"""The cache: inside ``sysmon_cache_duration`` (1 s by default) a request reads no file.

Proof by removal: once the first answer is out, the whole procfs root goes (as if
unmounted) and the memory figures change; any read would then fail. Inside the window
the same payload still comes back, byte for byte; at the window's end the service
reads again and says so.
"""

from sysmon.domain.metrics import METHODS

GIB = 1 << 30
EPOCH = 1_795_766_400.0


def payload_line(sim, method):
    """The reply's payload exactly as it went out (its JSON text)."""
    sim.request(method)
    line = sim.transcript.entries[-1].text
    return line[line.index('"payload":') : line.index(',"source":"sysmon"')]


def test_inside_the_window_nothing_is_read_and_payloads_are_identical(sim_service, fake_host):
    sim = sim_service
    sim.advance(0.5, busy=40)
    first = {method: payload_line(sim, method) for method in METHODS}
    fake_host.set_memory(available=4 * GIB)
    fake_host.hide_procfs()
    sim.advance(0.4, busy=100)
    again = {method: payload_line(sim, method) for method in METHODS}
    assert again == first
    assert sim.call("RPCGetMemoryInfo")["timestamp"] == EPOCH + 0.5  # sampled then, not now


def test_at_the_end_of_the_window_the_files_are_read_again(sim_service, fake_host):
    sim = sim_service
    sim.advance(0.5)
    memory = sim.call("RPCGetMemoryInfo")
    assert (memory["available"], memory["usage_percent"]) == (6 * GIB, 25.0)
    fake_host.set_memory(available=4 * GIB)
    sim.wait(0.9)
    assert sim.call("RPCGetMemoryInfo") == memory  # at 1.4 s: still the answer of 0.5 s
    sim.wait(0.1)  # 1.5 s: the entry is 1 s old and no longer fresh
    memory = sim.call("RPCGetMemoryInfo")
    assert (memory["available"], memory["used"], memory["usage_percent"]) == (
        4 * GIB,
        4 * GIB,  # of 8 GiB
        50.0,
    )
    assert memory["timestamp"] == EPOCH + 1.5
    fake_host.hide_procfs()
    sim.wait(1.0)
    reply = sim.request("RPCGetMemoryInfo")
    assert reply["type"] == "error"
    assert reply["error"] == "ServiceUnavailable: /sim/proc is not readable: empty"
