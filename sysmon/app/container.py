"""The composition root: the one place that knows which adapter fills which port.

Tests and simulations build the same container and swap collaborators with
``container.procfs.override(...)``, ``container.clock.override(...)`` and friends.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from dependency_injector import containers, providers

from sysmon.adapters.broker_link import BrokerLink
from sysmon.adapters.clock import SystemClock
from sysmon.adapters.deadline import ThreadDeadline
from sysmon.adapters.host_facts import detect_host_facts
from sysmon.adapters.procfs import ProcfsReader
from sysmon.adapters.stdio import FdWriter
from sysmon.app.config import Settings
from sysmon.app.server import Server
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.message_stats import MessageStatsService
from sysmon.domain.metrics import MetricsService
from sysmon.domain.timers import Timers


def disk_policy(
    exclude_fstypes: tuple[str, ...], exclude_mounts: tuple[str, ...], timeout: float
) -> DiskPolicy:
    return DiskPolicy(
        exclude_fstypes=frozenset(exclude_fstypes),
        exclude_mounts=tuple(m.encode("utf-8", "surrogateescape") for m in exclude_mounts),
        timeout=timeout,
    )


class Container(containers.DeclarativeContainer):
    """Every collaborator of a running sysmon, as a singleton per container."""

    config = providers.Configuration(strict=True)

    clock = providers.Singleton(SystemClock)
    timers = providers.Singleton(Timers, clock=clock)
    host_facts = providers.Singleton(detect_host_facts)
    procfs = providers.Singleton(
        ProcfsReader, procfs_root=config.procfs_path, rootfs_root=config.rootfs_path
    )
    deadline = providers.Singleton(ThreadDeadline)
    disk_policy = providers.Singleton(
        disk_policy,
        exclude_fstypes=config.disk_exclude_fstypes,
        exclude_mounts=config.disk_exclude_mounts,
        timeout=config.disk_timeout,
    )
    metrics = providers.Singleton(
        MetricsService,
        procfs=procfs,
        clock=clock,
        deadline=deadline,
        facts=host_facts,
        disk_policy=disk_policy,
        cache_duration=config.cache_duration,
    )

    writer = providers.Singleton(FdWriter, fd=config.output_fd)
    broker = providers.Singleton(BrokerLink, writer=writer, process_id=config.process_id)
    message_stats = providers.Singleton(
        MessageStatsService,
        broker=broker,
        clock=clock,
        timers=timers,
        timeout=config.broker_timeout,
        retry=config.broker_retry,
        cache_duration=config.cache_duration,
    )
    server = providers.Singleton(
        Server,
        metrics=metrics,
        message_stats=providers.Selector(
            config.dialect, both=message_stats, jsonrpc=providers.Object(None)
        ),
        broker_link=providers.Selector(config.dialect, both=broker, jsonrpc=providers.Object(None)),
        writer=writer,
        process_id=config.process_id,
        dialect=config.dialect,
    )


def build_container(settings: Settings, *, input_fd: int = 0, output_fd: int = 1) -> Container:
    """A container configured from ``settings``; nothing is built until first asked for."""
    container = Container()
    values: dict[str, Any] = asdict(settings)
    values.pop("warnings")
    values.update(input_fd=input_fd, output_fd=output_fd)
    container.config.from_dict(values)
    return container
