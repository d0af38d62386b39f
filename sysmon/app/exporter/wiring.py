"""Endpoints built from the container: beside the broker, or standalone."""

from __future__ import annotations

from collections.abc import Callable

from sysmon.app.container import Container
from sysmon.app.exporter.address import parse_listen
from sysmon.app.exporter.collectors import ScrapeCollector
from sysmon.app.exporter.endpoint import Exposition, MetricsEndpoint
from sysmon.domain.timers import Timers


def endpoint_for(
    container: Container,
    address: str,
    timers: Timers,
    *,
    with_broker: bool,
    before_scrape: Callable[[], None] | None = None,
) -> MetricsEndpoint:
    """The endpoint on ``address`` over the container's metrics (and broker statistics)."""
    host, port = parse_listen(address)
    stats = container.message_stats() if with_broker else None
    collector = ScrapeCollector(container.metrics(), stats, before_scrape=before_scrape)
    return MetricsEndpoint(host, port, Exposition(collector), timers)


def broker_child_endpoint(container: Container, address: str) -> MetricsEndpoint:
    """``--metrics-listen`` in the broker's child: its loop's timers, bound with back-off.

    Started at once; a bind that fails is retried on the timers, never fatal.
    """
    with_broker = container.config.dialect() == "both"
    endpoint = endpoint_for(container, address, container.timers(), with_broker=with_broker)
    endpoint.start()
    return endpoint
