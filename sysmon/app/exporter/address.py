"""Listen addresses: ``PORT``, ``:PORT``, ``HOST:PORT`` or ``[IPv6]:PORT``.

An address without a host means loopback; listening on every interface must be
written out (``0.0.0.0:PORT`` or ``[::]:PORT``).
"""

from __future__ import annotations

DEFAULT_PORT = 9847  # not node_exporter's 9100, so both can run on one host
LOOPBACK = "127.0.0.1"


class AddressError(ValueError):
    """An address that cannot be listened on; the message says what is wrong."""


def parse_listen(text: str) -> tuple[str, int]:
    """``(host, port)``; a missing host is loopback. AddressError naming the problem."""
    value = text.strip()
    if not value:
        raise AddressError("empty listen address")
    if value.startswith("["):
        host, bracket, rest = value[1:].partition("]")
        if not bracket or not host or (rest and not rest.startswith(":")):
            raise AddressError(f"{text!r}: expected [IPv6]:PORT")
        port_text = rest[1:] if rest else ""
    elif value.count(":") > 1:
        raise AddressError(f"{text!r}: an IPv6 address goes in brackets, [::1]:PORT")
    elif ":" in value:
        host, _, port_text = value.partition(":")
    else:
        host, port_text = "", value
    host = host or LOOPBACK
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise AddressError(f"{text!r}: the port is a number from 0 to 65535")
    return host, int(port_text)


def default_listen() -> str:
    return f"{LOOPBACK}:{DEFAULT_PORT}"
