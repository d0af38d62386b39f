"""Per-interface counters from /proc/net/dev, totals without loopback."""

from __future__ import annotations

from sysmon.domain.models import JSONDict, NetDev

LOOPBACK = "lo"


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
    """RPCGetNetworkStats; ``total_rx``/``total_tx`` leave out ``lo``, as the original did."""
    network = {dev.name: interface_payload(dev) for dev in devices}
    return {
        "network": network,
        "total_rx": sum(dev.rx_bytes for dev in devices if dev.name != LOOPBACK),
        "total_tx": sum(dev.tx_bytes for dev in devices if dev.name != LOOPBACK),
    }
