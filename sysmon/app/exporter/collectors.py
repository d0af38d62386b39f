"""One collector per subsystem, as node_exporter has them, each timed and reported.

A collector reads through the procfs port (via ``MetricsService.reading``, so the cache
window is the broker's too) and yields prometheus_client metric families with
node_exporter 1.x's names, types, labels and units. One that fails is logged and
reported as ``node_scrape_collector_success{collector} 0``: it never blanks the scrape.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.samples import Sample

from sysmon.app.exporter.containers import cgroup, pressure
from sysmon.domain.disk import measure
from sysmon.domain.errors import SysmonError
from sysmon.domain.message_stats import MessageStatsService
from sysmon.domain.metrics import MetricsService
from sysmon.domain.models import CPU_COLUMNS, CpuStat

log = logging.getLogger(__name__)

Collect = Callable[[MetricsService], Iterable[Metric]]
# node_exporter's cpu modes: the first eight columns (user and nice include guest time)
CPU_MODES = CPU_COLUMNS[:8]
_PARENTHESES = re.compile(r"\((.*)\)")
_OS_RELEASE_LABELS = (
    ("build_id", "BUILD_ID"), ("id", "ID"), ("id_like", "ID_LIKE"), ("image_id", "IMAGE_ID"),
    ("image_version", "IMAGE_VERSION"), ("name", "NAME"), ("pretty_name", "PRETTY_NAME"),
    ("variant", "VARIANT"), ("variant_id", "VARIANT_ID"), ("version", "VERSION"),
    ("version_codename", "VERSION_CODENAME"), ("version_id", "VERSION_ID"),
)  # fmt: skip
_VERSION = re.compile(r"^\d+(\.\d+)?")


class Rows:
    """A family's samples as ``(labels, value)`` rows, turned into prometheus_client
    ``Sample`` records only when something other than sysmon's encoder reads them.

    ``add_metric`` builds a labels dict and a Sample per sample; a host of 1,000
    interfaces has 8,000 of them in netdev alone. Here the labels dict of a device is
    shared by its families, and the encoder escapes it once.
    """

    def __init__(self, family: Metric) -> None:
        self.name = family.name + ("_total" if family.type == "counter" else "")
        self.rows: list[tuple[dict[str, str], float]] = []

    def samples(self) -> list[Sample]:
        return [Sample(self.name, labels, value) for labels, value in self.rows]


def put(family: Metric, labels: dict[str, str], value: float) -> None:
    """One sample of ``family``, its ``labels`` dict shared with the device's other ones."""
    rows: Rows | None = getattr(family, "sysmon_rows", None)
    if rows is None:
        rows = Rows(family)
        family.sysmon_rows = rows  # type: ignore[attr-defined]
    rows.rows.append((labels, value))


def realized(family: Metric) -> Metric:
    """The family with its rows as ordinary samples, for prometheus_client's own encoders."""
    rows: Rows | None = getattr(family, "sysmon_rows", None)
    if rows is not None:
        family.samples.extend(rows.samples())
        del family.sysmon_rows  # type: ignore[attr-defined]
    return family


def _cpu_stat(metrics: MetricsService) -> CpuStat:
    return metrics.reading("cpu_stat", metrics.procfs.cpu_stat)


def cpu(metrics: MetricsService) -> Iterator[Metric]:
    hz = metrics.facts.user_hz
    seconds = CounterMetricFamily(
        "node_cpu_seconds", "Seconds the CPUs spent in each mode.", labels=["cpu", "mode"]
    )
    guest = CounterMetricFamily(
        "node_cpu_guest_seconds",
        "Seconds the CPUs spent in guests (VMs) for each mode.",
        labels=["cpu", "mode"],
    )
    for number, times in _cpu_stat(metrics).per_cpu.items():
        label = str(number)
        ticks = times.as_tuple()
        for mode, value in zip(CPU_MODES, ticks, strict=False):
            put(seconds, {"cpu": label, "mode": mode}, value / hz)
        put(guest, {"cpu": label, "mode": "user"}, times.guest / hz)
        put(guest, {"cpu": label, "mode": "nice"}, times.guest_nice / hz)
    yield seconds
    yield guest


def meminfo(metrics: MetricsService) -> Iterator[Metric]:
    for key, value in metrics.reading("meminfo", metrics.procfs.meminfo).items():
        name = _PARENTHESES.sub(r"_\1", key)
        if not key.startswith("HugePages_"):  # the one kind of line without a unit
            name += "_bytes"
        yield GaugeMetricFamily(
            f"node_memory_{name}", f"Memory information field {name}.", value=value
        )


def filesystem(metrics: MetricsService) -> Iterator[Metric]:
    labels = ["device", "fstype", "mountpoint"]

    def gauge(name: str, text: str) -> GaugeMetricFamily:
        return GaugeMetricFamily(f"node_filesystem_{name}", text, labels=labels)

    size = gauge("size_bytes", "Filesystem size in bytes.")
    free = gauge("free_bytes", "Filesystem free space in bytes.")
    avail = gauge("avail_bytes", "Filesystem space available to non-root users in bytes.")
    files = gauge("files", "Filesystem total file nodes.")
    files_free = gauge("files_free", "Filesystem total free file nodes.")
    readonly = gauge("readonly", "Filesystem read-only status.")
    error = gauge("device_error", "Whether an error occurred while getting filesystem stats.")
    unavailable = GaugeMetricFamily(
        "sysmon_filesystem_unavailable",
        "A mount sysmon could not measure (stale network mount, permission), with the reason.",
        labels=[*labels, "reason"],
    )
    readings = metrics.reading(
        "filesystems", lambda: measure(metrics.procfs, metrics.deadline, metrics.disk_policy)
    )
    for item in readings:
        mount = item.mount
        values = {"device": mount.source, "fstype": mount.fstype, "mountpoint": item.name}
        usage = item.usage
        if usage is None:
            put(error, values, 1)
            put(unavailable, {**values, "reason": item.reason or "unavailable"}, 1)
            continue
        put(error, values, 0)
        put(size, values, usage.total)
        put(free, values, usage.total - usage.used)  # f_bfree: root's reserve included
        put(avail, values, usage.free)  # f_bavail: the JSON's "free"
        if usage.files is not None and usage.files_free is not None:
            put(files, values, usage.files)
            put(files_free, values, usage.files_free)
        put(readonly, values, 1 if usage.readonly else 0)
    yield from (size, free, avail, files, files_free, readonly, error, unavailable)


def netdev(metrics: MetricsService) -> Iterator[Metric]:
    names = (
        ("receive_bytes", "rx_bytes"), ("receive_packets", "rx_packets"),
        ("receive_errs", "rx_errors"), ("receive_drop", "rx_dropped"),
        ("transmit_bytes", "tx_bytes"), ("transmit_packets", "tx_packets"),
        ("transmit_errs", "tx_errors"), ("transmit_drop", "tx_dropped"),
    )  # fmt: skip
    families = [
        (
            CounterMetricFamily(
                f"node_network_{name}", f"Network device statistic {name}.", labels=["device"]
            ),
            attrgetter(field),
        )
        for name, field in names
    ]
    for dev in metrics.reading("net_dev", metrics.procfs.net_dev):
        labels = {"device": dev.name}
        for family, value in families:
            put(family, labels, value(dev))
    for family, _ in families:
        yield family


def loadavg(metrics: MetricsService) -> Iterator[Metric]:
    load = metrics.reading("loadavg", metrics.procfs.loadavg)
    yield GaugeMetricFamily("node_load1", "1m load average.", value=load.load1)
    yield GaugeMetricFamily("node_load5", "5m load average.", value=load.load5)
    yield GaugeMetricFamily("node_load15", "15m load average.", value=load.load15)


def stat(metrics: MetricsService) -> Iterator[Metric]:
    full = _cpu_stat(metrics)
    kernel = full.stat
    if kernel.boot_time is not None:
        yield GaugeMetricFamily(
            "node_boot_time_seconds", "Node boot time, in unixtime.", value=kernel.boot_time
        )
    counters = (
        ("node_context_switches", "Total number of context switches.", full.context_switches),
        ("node_forks", "Total number of forks.", full.forks),
        ("node_intr", "Total number of interrupts serviced.", full.interrupts),
    )
    for name, text, value in counters:
        if value is not None:
            yield CounterMetricFamily(name, text, value=value)
    gauges = (
        ("node_procs_running", "Number of processes in runnable state.", kernel.procs_running),
        ("node_procs_blocked", "Number of processes blocked waiting for I/O to complete.",
         kernel.procs_blocked),
    )  # fmt: skip
    for name, text, value in gauges:
        if value is not None:
            yield GaugeMetricFamily(name, text, value=value)


def time_(metrics: MetricsService) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "node_time_seconds", "System time in seconds since epoch (1970).",
        value=metrics.clock.time(),
    )  # fmt: skip


def processes(metrics: MetricsService) -> Iterator[Metric]:
    tally = metrics.reading("process_tally", metrics.procfs.process_tally)
    state = GaugeMetricFamily(
        "node_processes_state", "Number of processes in each state.", labels=["state"]
    )
    for letter, count in sorted(tally.states.items()):
        state.add_metric([letter], count)
    yield state
    yield GaugeMetricFamily(
        "node_processes_threads", "Allocated threads in system", value=tally.threads
    )


def uname(metrics: MetricsService) -> Iterator[Metric]:
    identity = metrics.reading("kernel_identity", metrics.procfs.kernel_identity)
    info = GaugeMetricFamily(
        "node_uname_info",
        "Labeled system information as provided by the uname system call.",
        labels=["domainname", "machine", "nodename", "release", "sysname", "version"],
    )
    info.add_metric(
        [
            identity.domainname or "(none)",
            metrics.facts.machine or identity.arch or "",
            identity.hostname,
            identity.osrelease,
            identity.ostype,
            identity.version or "",
        ],
        1,
    )
    yield info


def os_(metrics: MetricsService) -> Iterator[Metric]:
    release = metrics.reading("os_release", metrics.procfs.os_release)
    if release is None:
        return
    info = GaugeMetricFamily(
        "node_os_info",
        "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, "
        "image_version, name, pretty_name, variant, variant_id, version, version_codename, "
        "version_id.",
        labels=[label for label, _ in _OS_RELEASE_LABELS],
    )
    info.add_metric([release.get(key, "") for _, key in _OS_RELEASE_LABELS], 1)
    yield info
    version = _VERSION.match(release.get("VERSION_ID", ""))
    if version is not None:
        family = GaugeMetricFamily(
            "node_os_version",
            "Metric containing the major.minor part of the OS version.",
            labels=["id", "id_like", "name"],
        )
        family.add_metric(
            [release.get("ID", ""), release.get("ID_LIKE", ""), release.get("NAME", "")],
            float(version.group(0)),
        )
        yield family


# node_exporter's collector names, in its order; container and pressure series come as
# further entries here (one collector per subsystem), not inside these.
NODE_COLLECTORS: dict[str, Collect] = {
    "cpu": cpu,
    "filesystem": filesystem,
    "loadavg": loadavg,
    "meminfo": meminfo,
    "netdev": netdev,
    "os": os_,
    "processes": processes,
    "stat": stat,
    "time": time_,
    "uname": uname,
    "pressure": pressure,
    "cgroup": cgroup,
}


def sysmon_families(
    metrics: MetricsService, message_stats: MessageStatsService | None
) -> Iterator[Metric]:
    """sysmon's own figures: requests served, cache use, the broker's statistics."""
    served = CounterMetricFamily(
        "sysmon_requests", "Requests for each method answered.", labels=["method"]
    )
    for method, count in metrics.served.items():
        served.add_metric([method], count)
    yield served
    yield CounterMetricFamily(
        "sysmon_cache_hits", "Readings answered from the cache.", value=metrics.cache_hits
    )
    yield CounterMetricFamily(
        "sysmon_cache_misses", "Readings the cache had no fresh value for.",
        value=metrics.cache_misses,
    )  # fmt: skip
    latest = message_stats.latest() if message_stats is not None else None
    if latest is not None:
        stats, age = latest
        yield GaugeMetricFamily(
            "sysmon_message_stats_age_seconds",
            "Age of the broker's last message statistics, as in the JSON's message_stats.",
            value=age,
        )
        family = GaugeMetricFamily(
            "sysmon_broker_message_stat",
            "A number in the broker's last message statistics, by its dotted path.",
            labels=["field"],
        )
        for path, value in _numbers(stats, ""):
            family.add_metric([path], value)
        yield family


def _numbers(value: Any, path: str) -> Iterator[tuple[str, float]]:
    """The numeric leaves of a JSON value, with their dotted paths (booleans left out)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield path, float(value)


class ScrapeCollector:
    """The registry's one collector: every subsystem, timed, then sysmon's own figures.

    ``before_scrape`` runs first on each scrape (simulated time steps there).
    """

    def __init__(
        self,
        metrics: MetricsService,
        message_stats: MessageStatsService | None = None,
        collectors: dict[str, Collect] | None = None,
        before_scrape: Callable[[], None] | None = None,
    ) -> None:
        self._metrics = metrics
        self._message_stats = message_stats
        self._collectors = dict(NODE_COLLECTORS if collectors is None else collectors)
        self._before = before_scrape

    def collect(self) -> Iterator[Metric]:
        if self._before is not None:
            try:
                self._before()
            except Exception:
                log.exception("stepping simulated time failed; scraping as it is")
        success = GaugeMetricFamily(
            "node_scrape_collector_success", "Whether a collector succeeded.",
            labels=["collector"],
        )  # fmt: skip
        duration = GaugeMetricFamily(
            "node_scrape_collector_duration_seconds", "Duration of a collector scrape.",
            labels=["collector"],
        )  # fmt: skip
        for name, collect in self._collectors.items():
            started = time.perf_counter()
            try:
                families = list(collect(self._metrics))
            except SysmonError as error:
                log.warning("collector %s failed: %s", name, error)
                families, ok = [], 0
            except Exception:
                log.exception("collector %s failed unexpectedly", name)
                families, ok = [], 0
            else:
                ok = 1
            duration.add_metric([name], time.perf_counter() - started)
            success.add_metric([name], ok)
            yield from families
        yield duration
        yield success
        yield from sysmon_families(self._metrics, self._message_stats)
