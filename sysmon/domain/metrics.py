"""The eleven methods of the service, computed through the ports and cached briefly."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar, cast

from sysmon.domain.cache import TTLCache
from sysmon.domain.container import ContainerView
from sysmon.domain.cpu import CpuSampler, CpuWindow, cpu_payload
from sysmon.domain.disk import DiskPolicy, disk_payload
from sysmon.domain.errors import InternalError, SysmonError, describe
from sysmon.domain.load import load_payload
from sysmon.domain.memory import read_memory
from sysmon.domain.models import HostFacts, JSONDict
from sysmon.domain.network import NetSample, by_name, network_rates_payload
from sysmon.domain.ports import ClockPort, DeadlinePort, ProcfsPort
from sysmon.domain.pressure import pressure_payload
from sysmon.domain.processes import process_payload
from sysmon.domain.sysinfo import sysinfo_payload
from sysmon.domain.uptime import uptime_payload
from sysmon.domain.window import WindowSampler

log = logging.getLogger(__name__)
T = TypeVar("T")

SYS_METRICS = "RPCGetSysMetrics"
METHODS: tuple[str, ...] = (
    SYS_METRICS,
    "RPCGetDiskUsage",
    "RPCGetNetworkStats",
    "RPCGetMemoryInfo",
    "RPCGetLoadAverage",
    "RPCGetUptime",
    "RPCCPUUsage",
    "RPCGetProcessStats",
    "RPCGetSystemInfo",
    "RPCGetContainerInfo",
    "RPCGetPressure",
)

# Methods whose answer covers a window of time (CPU usage over the last interval): a
# one-shot caller waits for the window, others answer at once. A windowed method added
# later joins here.
WINDOWED_METHODS: frozenset[str] = frozenset({
    SYS_METRICS,
    "RPCCPUUsage",
    "RPCGetNetworkStats",  # its rates are over the network sampler's window
    "RPCGetContainerInfo",  # its cgroup CPU share is over the CPU sampler's window
})  # fmt: skip


class UnknownMethod(SysmonError):
    """A method name the service does not have."""


class MetricsService:
    """Answers each method with a JSON-ready dict that carries its sampling ``timestamp``."""

    def __init__(
        self,
        procfs: ProcfsPort,
        clock: ClockPort,
        deadline: DeadlinePort,
        facts: HostFacts,
        disk_policy: DiskPolicy,
        cache_duration: float,
    ) -> None:
        self._procfs = procfs
        self._clock = clock
        self._deadline = deadline
        self._facts = facts
        self._disk_policy = disk_policy
        self._container = ContainerView(procfs)
        self._cpu = CpuSampler(procfs, clock, cgroup=self._container.cpu_seconds)
        self._net: WindowSampler[NetSample] = WindowSampler(
            lambda: by_name(procfs.net_dev()), clock
        )
        self._cache: TTLCache[JSONDict] = TTLCache(clock, cache_duration)
        self._readings: TTLCache[object] = TTLCache(clock, cache_duration)
        self.served: dict[str, int] = dict.fromkeys(METHODS, 0)  # collect() calls per method
        self._handlers: dict[str, Callable[[], JSONDict]] = {
            SYS_METRICS: self._sys_metrics,
            "RPCGetDiskUsage": self._stamped(self._disk),
            "RPCGetNetworkStats": self._network,
            "RPCGetMemoryInfo": self._stamped(lambda: read_memory(procfs, facts.page_size)),
            "RPCGetLoadAverage": self._stamped(lambda: load_payload(procfs.loadavg())),
            "RPCGetUptime": self._stamped(lambda: uptime_payload(procfs.uptime())),
            "RPCCPUUsage": lambda: cpu_payload(self._cpu.window(), facts.user_hz),
            "RPCGetProcessStats": self._stamped(self._processes),
            "RPCGetSystemInfo": self._stamped(self._sysinfo),
            "RPCGetContainerInfo": self._stamped(self._container_info),
            "RPCGetPressure": self._stamped(
                lambda: pressure_payload(procfs, self._container.relocate())
            ),
        }

    @property
    def methods(self) -> tuple[str, ...]:
        return METHODS

    def start(self) -> None:
        """Take the CPU and network baselines, so the first request already covers a window."""
        self._cpu.start()
        self._net.start()

    def collect(self, method: str) -> JSONDict:
        """The method's payload, from the cache while it is fresh.

        Raises ``UnknownMethod``, ``ServiceUnavailable`` or ``InternalError``; anything
        else that escapes a handler is a bug, logged and reported as ``InternalError``.
        """
        handler = self._handlers.get(method)
        if handler is None:
            raise UnknownMethod(method)
        self.served[method] += 1
        return self._payload(method, handler)

    def payload(self, method: str) -> JSONDict:
        """``collect`` without counting a request served: for the exporter's collectors."""
        handler = self._handlers.get(method)
        if handler is None:
            raise UnknownMethod(method)
        return self._payload(method, handler)

    def _payload(self, method: str, handler: Callable[[], JSONDict]) -> JSONDict:
        cached = self._cache.get(method)
        if cached is not None:
            return cached
        try:
            payload = handler()
        except SysmonError:
            raise
        except Exception as error:
            log.exception("unexpected error in %s", method)
            raise InternalError(f"unexpected {type(error).__name__}: {error}") from error
        return self._cache.put(method, payload)

    def reading(self, key: str, compute: Callable[[], T]) -> T:
        """A raw reading (``cpu_stat``, ``meminfo`` …) under the same cache window as the
        methods, so that an exporter beside the broker reads no file twice in a window.
        """
        cached = self._readings.get(key)
        if cached is not None:
            return cast(T, cached)
        value = compute()
        self._readings.put(key, value)
        return value

    @property
    def cache_hits(self) -> int:
        return self._cache.hits + self._readings.hits

    @property
    def cache_misses(self) -> int:
        return self._cache.misses + self._readings.misses

    @property
    def facts(self) -> HostFacts:
        return self._facts

    @property
    def procfs(self) -> ProcfsPort:
        return self._procfs

    @property
    def deadline(self) -> DeadlinePort:
        return self._deadline

    @property
    def disk_policy(self) -> DiskPolicy:
        return self._disk_policy

    @property
    def clock(self) -> ClockPort:
        return self._clock

    def _stamped(self, compute: Callable[[], JSONDict]) -> Callable[[], JSONDict]:
        def run() -> JSONDict:
            timestamp = self._clock.time()
            payload = compute()
            payload["timestamp"] = timestamp
            return payload

        return run

    def _network(self) -> JSONDict:
        window = self._net.window()
        payload = network_rates_payload(window)
        payload["timestamp"] = window.after.epoch
        return payload

    def _disk(self) -> JSONDict:
        return disk_payload(self._procfs, self._deadline, self._disk_policy)

    def _processes(self) -> JSONDict:
        tally = self._procfs.process_tally()
        return process_payload(tally, self._procfs.kernel_stat().procs_blocked)

    def _sysinfo(self) -> JSONDict:
        return sysinfo_payload(
            self._procfs.kernel_identity(),
            self._procfs.kernel_stat(),
            self._procfs.os_release(),
            self._facts.machine,
        )

    def _container_info(self) -> JSONDict:
        """The cgroup's CPU share is over the CPU sampler's window, the one RPCCPUUsage has."""
        return self._container.payload(self._cgroup_window(), self._host_cpus)

    def _cgroup_window(self) -> tuple[float, float, bytes] | None:
        return self._cgroup_share_window(self._cpu.window())

    @staticmethod
    def _cgroup_share_window(window: CpuWindow) -> tuple[float, float, bytes] | None:
        """The cgroup's CPU seconds, the window's seconds, and where the counter was read."""
        read = window.latest.value.cgroup
        if window.cgroup_seconds is None or read is None:
            return None
        return window.cgroup_seconds, window.seconds, read[0]

    def _host_cpus(self) -> int:
        """RPCGetSystemInfo's ``processors``, where the cgroup's cpuset says nothing."""
        return self._procfs.kernel_stat().online_cpus

    def _sys_metrics(self) -> JSONDict:
        """CPU and memory are required; any other part that fails is named in ``unavailable``."""
        timestamp = self._clock.time()
        cpu = self._cpu.window()
        memory = read_memory(self._procfs, self._facts.page_size)
        payload: JSONDict = {
            "cpu_usage": cpu.usage_percent,
            "memory_usage": memory["usage_percent"],
        }
        unavailable: dict[str, str] = {}

        def part(name: str, fill: Callable[[], None]) -> None:
            try:
                fill()
            except SysmonError as error:
                unavailable[name] = describe(error)

        def fill_load() -> None:
            load = self._procfs.loadavg()
            payload["load_avg"] = [load.load1, load.load5, load.load15]

        def fill_uptime() -> None:
            payload["uptime"] = self._procfs.uptime().uptime

        def fill_disk() -> None:
            disk = self._disk()
            mounts = disk["disk"]
            payload["disk_usage"] = sum(m["used"] for m in mounts.values())
            payload["disk_total"] = sum(m["total"] for m in mounts.values())
            payload["disk"] = mounts
            for mount, reason in disk.get("unavailable", {}).items():
                unavailable[f"disk:{mount}"] = reason

        def fill_network() -> None:
            net = network_rates_payload(self._net.window())
            payload["net_rx"] = net["total_rx"]
            payload["net_tx"] = net["total_tx"]
            payload["network"] = {
                name: {"rx": dev["rx_bytes"], "tx": dev["tx_bytes"], **dev}
                for name, dev in net["network"].items()
            }

        part("load_avg", fill_load)
        part("uptime", fill_uptime)
        part("disk", fill_disk)
        payload["swap_usage"] = memory["swap_usage_percent"]
        part("network", fill_network)

        def fill_container() -> None:
            summary = self._container.summary(self._cgroup_share_window(cpu), self._host_cpus)
            if summary is not None:
                payload["container"] = summary

        part("container", fill_container)
        payload["timestamp"] = timestamp
        if unavailable:
            payload["unavailable"] = unavailable
        return payload
