"""Pressure stall information and sysmon's own cgroup, under the names the field uses.

The host's PSI has node_exporter's names: ``some`` is ``waiting``, ``full`` is
``stalled``. The cgroup's figures have cAdvisor's ``container_*`` names with its ``id``
label, the cgroup's path. Both come from the JSON methods' payloads
(RPCGetPressure, RPCGetContainerInfo) under the same cache window, so the scrape and
the broker's replies agree. A figure the kernel does not give (no limit, no swap
accounting, no PSI) is absent, not zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from sysmon.domain.metrics import MetricsService

PSI_RESOURCES = ("cpu", "memory", "io", "irq")
PSI_KINDS = (("some", "waiting"), ("full", "stalled"))
# node_exporter 1.5's host series: cpu's full line and irq came to it later, and their
# figures are in RPCGetPressure and the cgroup's container_pressure_* series
NODE_PSI = frozenset({("cpu", "some"), ("memory", "some"), ("memory", "full"),
                      ("io", "some"), ("io", "full")})  # fmt: skip


def _psi(
    prefix: str,
    resources: dict[str, Any],
    text: str,
    labels: dict[str, str],
    only: frozenset[tuple[str, str]] | None = None,
) -> Iterator[Metric]:
    for resource in PSI_RESOURCES:
        lines = resources.get(resource)
        if not isinstance(lines, dict):
            continue
        for kind, word in PSI_KINDS:
            line = lines.get(kind)
            if line is None or (only is not None and (resource, kind) not in only):
                continue
            family = CounterMetricFamily(
                f"{prefix}_{resource}_{word}_seconds",
                f"Total time in seconds that {text} {word} on {resource} ({kind}).",
                labels=list(labels),
            )
            family.add_metric(list(labels.values()), line["total_seconds"])
            yield family


def pressure(metrics: MetricsService) -> Iterator[Metric]:
    """node_exporter's pressure collector: the host's /proc/pressure totals."""
    payload = metrics.payload("RPCGetPressure")
    yield from _psi("node_pressure", payload, "processes were", {}, NODE_PSI)


def cgroup(metrics: MetricsService) -> Iterator[Metric]:
    """cAdvisor's container series for the cgroup sysmon runs in, and its pressure."""
    info = metrics.payload("RPCGetContainerInfo")
    path = info.get("path")
    if path is None:
        return
    labels = {"id": path}
    memory, cpu, pids = info.get("memory") or {}, info.get("cpu") or {}, info.get("pids") or {}
    gauges = (
        ("container_spec_memory_limit_bytes", "Memory limit of the container.",
         memory.get("limit")),
        ("container_spec_memory_swap_limit_bytes", "Swap limit of the container.",
         memory.get("swap_limit")),
        ("container_memory_usage_bytes", "Current memory usage, page cache included.",
         memory.get("usage")),
        ("container_memory_working_set_bytes", "Current working set (usage less inactive "
         "file pages).", memory.get("working_set")),
        ("container_memory_swap", "Container swap usage in bytes.", memory.get("swap_usage")),
        ("container_spec_cpu_quota_cores", "CPU quota of the container in cores (quota / "
         "period, the smallest along its ancestry).", cpu.get("quota_cores")),
        ("container_cpus", "CPUs in the container's effective cpuset.", cpu.get("cpus")),
        ("container_processes", "Number of processes in the container.", pids.get("current")),
        ("container_spec_processes_limit", "Process limit of the container.", pids.get("limit")),
    )  # fmt: skip
    for name, text, value in gauges:
        if value is not None:
            yield _one(name, text, path, value, GaugeMetricFamily)
    counters = (
        ("container_cpu_usage_seconds", "Cumulative CPU time consumed.", cpu.get("usage_seconds")),
        ("container_cpu_cfs_periods", "Enforcement periods that have elapsed.",
         cpu.get("periods")),
        ("container_cpu_cfs_throttled_periods", "Periods in which the container was throttled.",
         cpu.get("throttled_periods")),
        ("container_cpu_cfs_throttled_seconds", "Total time the container was throttled.",
         cpu.get("throttled_seconds")),
        ("container_oom_events", "Processes of the container killed by the OOM killer.",
         memory.get("oom_kills")),
    )  # fmt: skip
    for name, text, value in counters:
        if value is not None:
            yield _one(name, text, path, value, CounterMetricFamily)
    pressure_payload = metrics.payload("RPCGetPressure").get("cgroup")
    if isinstance(pressure_payload, dict):
        yield from _psi("container_pressure", pressure_payload, "tasks of the container were",
                        labels)  # fmt: skip


def _one(
    name: str,
    text: str,
    path: str,
    value: float,
    kind: type[GaugeMetricFamily] | type[CounterMetricFamily],
) -> Metric:
    family = kind(name, text, labels=["id"])
    family.add_metric([path], value)
    return family
