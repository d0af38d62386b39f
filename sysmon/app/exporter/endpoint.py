"""The metrics endpoint: a bound listener, the HTTP server on it, and the exposition.

``MetricsEndpoint`` is the ``LoopSource`` the broker child's loop and the standalone
exporter's loop both poll. Under the broker a port still held (an orphaned sysmon, a
socket in TIME_WAIT) must not become a restart loop: the address is reused, and a bind
that fails is logged and tried again with back-off through the timers while the broker
is served regardless. The standalone exporter binds at once and fails with a message.
"""

from __future__ import annotations

import logging
import socket

from prometheus_client import exposition

from sysmon.adapters.metrics_http import MetricsHttpServer
from sysmon.app.exporter.collectors import ScrapeCollector
from sysmon.app.exporter.encode import OPENMETRICS, encode_openmetrics, encode_text
from sysmon.domain.timers import Timers

log = logging.getLogger(__name__)

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` with SO_REUSEADDR; OSError if it cannot."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


class Exposition:
    """Collect once, then encode for each Accept header (text format or OpenMetrics)."""

    def __init__(self, collector: ScrapeCollector) -> None:
        self._collector = collector

    def render(self, accepts: list[str]) -> dict[str, tuple[str, bytes]]:
        """One collection; for each Accept header, the negotiated format's bytes."""
        families = list(self._collector.collect())
        encoded: dict[str, bytes] = {}
        bodies: dict[str, tuple[str, bytes]] = {}
        for accept in accepts:
            _, content_type = exposition.choose_encoder(accept)
            kind = OPENMETRICS if content_type.startswith(OPENMETRICS) else "text"
            if kind not in encoded:
                encode = encode_openmetrics if kind == OPENMETRICS else encode_text
                encoded[kind] = encode(families)
            bodies[accept] = (content_type, encoded[kind])
        return bodies


class MetricsEndpoint:
    """``LoopSource``: the HTTP server once bound; until then, binding with back-off."""

    def __init__(self, host: str, port: int, exposition_: Exposition, timers: Timers) -> None:
        self._host = host
        self._port = port
        self._exposition = exposition_
        self._timers = timers
        self._server: MetricsHttpServer | None = None
        self._backoff = BACKOFF_FIRST
        self.bind_failures = 0

    @property
    def server(self) -> MetricsHttpServer | None:
        return self._server

    def start(self) -> None:
        """Bind now; on failure log it and try again later (never raises)."""
        try:
            self._server = self.bind_now()
        except OSError as error:
            self.bind_failures += 1
            log.error(
                "metrics endpoint: cannot listen on %s:%d (%s); trying again in %gs",
                self._host, self._port, error.strerror or error, self._backoff,
            )  # fmt: skip
            self._timers.call_later(self._backoff, self.start)
            self._backoff = min(self._backoff * 2, BACKOFF_MAX)
            return
        host, port = self._server.address
        log.info("metrics endpoint: serving http://%s:%d/metrics", host, port)

    def bind_now(self) -> MetricsHttpServer:
        """Bind at once; OSError if the address cannot be had."""
        listener = bind(self._host, self._port)
        return MetricsHttpServer(listener, self._exposition.render, self._timers)

    def use(self, server: MetricsHttpServer) -> None:
        self._server = server

    def close(self) -> None:
        if self._server is not None:
            self._server.close()

    def poll_fds(self) -> dict[int, int]:
        return {} if self._server is None else self._server.poll_fds()

    def on_ready(self, fd: int, events: int) -> None:
        if self._server is not None:
            self._server.on_ready(fd, events)
