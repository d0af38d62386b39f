"""Per-interface counters from /proc/net/dev and their rates, totals without loopback."""

from __future__ import annotations

from sysmon.domain.models import JSONDict, NetDev
from sysmon.domain.window import Window

LOOPBACK = "lo"
RATE_COUNTERS: tuple[str, ...] = ("rx_bytes", "tx_bytes", "rx_packets", "tx_packets")
NetSample = dict[str, NetDev]


def interface_payload(dev: NetDev) -> JSONDict:
    return {
        "rx_bytes": dev.rx_bytes,
        "tx_bytes": dev.tx_bytes,
        "rx_packets": dev.rx_packets,
        "tx_packets": dev.tx_packets,
        "rx_errors": dev.rx_errors,
        "tx_errors": dev.tx_errors,
        "rx_dropped": dev.rx_dropped,
        "tx_dropped": dev.tx_dropped,
    }


def network_payload(devices: list[NetDev]) -> JSONDict:
    """RPCGetNetworkStats' counters; ``total_rx``/``total_tx`` leave out ``lo``, as the
    original did."""
    network = {dev.name: interface_payload(dev) for dev in devices}
    return {
        "network": network,
        "total_rx": sum(dev.rx_bytes for dev in devices if dev.name != LOOPBACK),
        "total_tx": sum(dev.tx_bytes for dev in devices if dev.name != LOOPBACK),
    }


def by_name(devices: list[NetDev]) -> NetSample:
    return {dev.name: dev for dev in devices}


def interface_rates(
    before: NetDev | None, after: NetDev, seconds: float
) -> dict[str, float | None]:
    """Each counter's step per second over the window.

    None where the step cannot be trusted: the interface was not there at the window's
    start (it appeared, or came back, so its counters may have restarted), or the
    counter went backwards (a wrap or a reset; no modulo guess, since the counter's
    width is unknown).
    """
    rates: dict[str, float | None] = {}
    for counter in RATE_COUNTERS:
        step = None if before is None else getattr(after, counter) - getattr(before, counter)
        ok = step is not None and step >= 0 and seconds > 0
        rates[f"{counter}_per_s"] = round(step / seconds, 2) if ok and step is not None else None
    return rates


def network_rates_payload(window: Window[NetSample]) -> JSONDict:
    """RPCGetNetworkStats: counters of the window's newer sample, with rates over it.

    The ``total_*_per_s`` sums leave out ``lo``, and are None when any interface they
    sum has no rate for the window, rather than a sum that quietly misses one.
    """
    seconds = window.seconds
    devices = list(window.after.value.values())
    payload = network_payload(devices)
    totals: dict[str, float | None] = {f"total_{c}_per_s": 0.0 for c in RATE_COUNTERS}
    for dev in devices:
        rates = interface_rates(window.before.value.get(dev.name), dev, seconds)
        payload["network"][dev.name].update(rates)
        if dev.name == LOOPBACK:
            continue
        for counter in RATE_COUNTERS:
            key, rate = f"total_{counter}_per_s", rates[f"{counter}_per_s"]
            total = totals[key]
            totals[key] = None if total is None or rate is None else round(total + rate, 2)
    payload.update(totals)
    payload["window_seconds"] = round(seconds, 6)
    return payload
