import pytest

from sysmon.domain.models import NetDev
from sysmon.domain.network import interface_rates, network_rates_payload
from sysmon.domain.window import Sample, Window


def dev(name="eth0", rx=0, tx=0, rxp=0, txp=0):
    return NetDev(name, rx, rxp, 0, 0, tx, txp, 0, 0)


@pytest.mark.parametrize(
    ("before", "after", "seconds", "expected"),
    [
        # 1000 bytes and 10 packets in, 250 bytes out, over 0.5 s
        (dev(rx=0, tx=0), dev(rx=1000, tx=250, rxp=10), 0.5, [2000.0, 500.0, 20.0, 0.0]),
        # 1 byte in 3 s, rounded to 2 decimals
        (dev(), dev(rx=1), 3.0, [0.33, 0.0, 0.0, 0.0]),
        # rx stepped back (a wrap or a reset): that counter alone has no rate
        (dev(rx=500, tx=10), dev(rx=20, tx=40), 1.0, [None, 30.0, 0.0, 0.0]),
        # not there at the window's start
        (None, dev(rx=10**9), 1.0, [None, None, None, None]),
        # a window of no length gives no rate
        (dev(), dev(rx=5), 0.0, [None, None, None, None]),
    ],
)
def test_interface_rates(before, after, seconds, expected):
    rates = interface_rates(before, after, seconds)
    assert list(rates) == ["rx_bytes_per_s", "tx_bytes_per_s", "rx_packets_per_s",
                           "tx_packets_per_s"]  # fmt: skip
    assert list(rates.values()) == expected


def window(before, after, seconds):
    return Window(Sample(before, 10.0, 100.0), Sample(after, 10.0 + seconds, 100.0 + seconds))


def test_totals_leave_out_lo_and_are_null_when_a_part_is():
    before = {"lo": dev("lo"), "eth0": dev(), "eth1": dev(tx=100)}
    after = {"lo": dev("lo", rx=900), "eth0": dev(rx=400), "eth1": dev("eth1", rx=200, tx=50)}
    payload = network_rates_payload(window(before, after, 2.0))
    assert payload["total_rx_bytes_per_s"] == 300.0  # (400 + 200) / 2, lo's 900 left out
    assert payload["total_tx_bytes_per_s"] is None  # eth1's tx stepped back
    assert payload["total_rx"] == 600
    assert payload["window_seconds"] == 2.0
    assert payload["network"]["lo"]["rx_bytes_per_s"] == 450.0
