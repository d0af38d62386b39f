"""RPCGetContainerInfo: the limits and usage of sysmon's own cgroup, v1 or v2.

Sources per field are in docs/metrics.md. A limit is the smallest one from the cgroup
up to its mount point, as a parent's limit binds its children; a field is None where
the kernel says there is no limit or the file is absent. A file that cannot be read
or parsed leaves its field None and is named in ``unavailable``, under the field's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sysmon.domain.cgroups import V2, Hierarchy, Placement, locate, shown
from sysmon.domain.errors import ServiceUnavailable, SysmonError, describe
from sysmon.domain.models import CgroupLine, JSONDict
from sysmon.domain.percent import percent
from sysmon.domain.ports import ProcfsPort

V1_UNLIMITED = 1 << 62  # v1 writes "no limit" as PAGE_COUNTER_MAX pages: 9223372036854771712
USEC = 1e6
NSEC = 1e9


def _smallest(values: list[int | None]) -> int | None:
    present = [value for value in values if value is not None]
    return min(present) if present else None


def _v1_limit(value: int | None) -> int | None:
    return None if value is None or value >= V1_UNLIMITED else value


# (cgroup CPU seconds, wall seconds, the directory the counter was read in) of the CPU
# sampler's last window
Window = tuple[float, float, bytes] | None


def _share(window: Window, placement: Placement, capacity: float) -> float | None:
    """CPU seconds over the window's seconds, in percent of ``capacity`` cores; not capped.

    None when the window read another cgroup's counter than the one found now (moved).
    """
    accounting = placement.get("cpuacct") or placement.get("cpu")
    if window is None or accounting is None or window[2] != accounting.directory:
        return None
    if window[1] <= 0 or capacity <= 0:
        return None
    return round(max(window[0] / window[1] / capacity * 100.0, 0.0), 2)


class ContainerView:
    """Finds sysmon's cgroups, and reads their figures; the placement is kept between
    requests and found again at each RPCGetContainerInfo (a process can be moved).
    """

    def __init__(self, procfs: ProcfsPort) -> None:
        self._procfs = procfs
        self._placement: Placement | None = None
        self._lines: list[CgroupLine] | None = None

    def placement(self) -> Placement:
        """The placement found last (the CPU sampler's: it adds no read to a sample)."""
        if self._placement is None:
            return self.relocate()
        return self._placement

    def checked(self) -> Placement:
        """The placement, found again only if /proc/self/cgroup changed (for the summary of
        RPCGetSysMetrics: one small read, not the mount table, on the common path).
        """
        if self._placement is not None:
            try:
                lines = self._procfs.self_cgroup()
            except ServiceUnavailable:
                raise
            except SysmonError:
                lines = None
            if lines is not None and lines == self._lines:
                return self._placement
        return self.relocate()

    def relocate(self) -> Placement:
        """Find the cgroups afresh; without /proc/self/cgroup there is nothing to look for."""
        self._lines = None
        try:
            lines = self._procfs.self_cgroup()
            mounts = [] if lines is None else self._procfs.mounts()
        except ServiceUnavailable:
            raise
        except SysmonError as error:
            placement = Placement()
            placement.unavailable["cgroup"] = describe(error)
        else:
            placement = locate(lines, mounts)
            self._lines = lines
        self._placement = placement
        return placement

    # -- the CPU counter, sampled with /proc/stat ----------------------------------------

    def cpu_seconds(self) -> tuple[bytes, float] | None:
        """The cgroup's CPU time and the directory it came from; None when it cannot be read.

        Called by the CPU sampler at each of its samples, so it never raises.
        """
        try:
            placement = self.placement()
            cpu = placement.get("cpuacct") or placement.get("cpu")
            if cpu is None:
                return None
            seconds = self._usage_seconds(cpu)
        except (SysmonError, OSError):
            return None
        return None if seconds is None else (cpu.directory, seconds)

    def _usage_seconds(self, cpu: Hierarchy) -> float | None:
        if cpu.version == 2:
            stat = self._procfs.cgroup_keyed(cpu.directory, "cpu.stat") or {}
            usec = stat.get("usage_usec")
            return None if usec is None else usec / USEC
        nsec = self._procfs.cgroup_limit(cpu.directory, "cpuacct.usage")
        return None if nsec is None else nsec / NSEC

    # -- the payload ------------------------------------------------------------------------

    def summary(self, cpu_window: Window, host_cpus: Callable[[], int]) -> JSONDict | None:
        """RPCGetSysMetrics's ``container``: memory and CPU use in percent of the limits,
        None without a memory limit or a CPU quota. Raises what a read raises.
        """
        placement = self.checked()
        memory, cpu = placement.get("memory"), placement.get("cpu")
        limit = None if memory is None else self._memory_limit(memory)
        quota = None if cpu is None else self._quota(cpu)
        if limit is None and quota is None:
            return None
        memory_usage = None
        if memory is not None and limit is not None:
            working_set = self._working_set(memory)[1]
            memory_usage = None if working_set is None else percent(working_set, limit)
        capacity = quota or self._cpus(placement.get("cpuset")) or host_cpus()
        return {"memory_usage": memory_usage, "cpu_usage": _share(cpu_window, placement, capacity)}

    def payload(self, cpu_window: Window, host_cpus: Callable[[], int]) -> JSONDict:
        """The method's figures; ``cpu_window`` is the CPU sampler's last window (``Window``),
        None when the cgroup's counter could not be read at both of its ends.
        """
        placement = self.relocate()
        # the v2 hierarchy's own absence matters here only for a controller that needed it
        unavailable = {k: v for k, v in placement.unavailable.items() if k != V2}
        fields = _Fields(unavailable)
        memory = placement.get("memory")
        cpu = placement.get("cpu")
        chosen = memory or cpu
        payload: JSONDict = {
            "cgroup_version": None if chosen is None else chosen.version,
            "path": None if chosen is None else shown(chosen.path),
            "memory": self._memory(memory, fields),
            "cpu": self._cpu(placement, cpu_window, host_cpus, fields),
            "pids": self._pids(placement.get("pids"), fields),
        }
        if unavailable:
            payload["unavailable"] = unavailable
        return payload

    def _memory(self, memory: Hierarchy | None, fields: _Fields) -> JSONDict:
        read = self._procfs
        out: JSONDict = dict.fromkeys(
            ("limit", "usage", "working_set", "usage_percent", "swap_limit", "swap_usage",
             "oom_kills"),
        )  # fmt: skip
        if memory is None:
            return out
        here = memory.directory
        limit = fields.get("memory.limit", lambda: self._memory_limit(memory))
        usage, working_set = fields.get("memory.usage", lambda: self._working_set(memory)) or (
            (None, None)
        )
        if memory.version == 2:
            out["swap_limit"] = fields.get(
                "memory.swap_limit", lambda: self._smallest(memory, "memory.swap.max")
            )
            out["swap_usage"] = fields.get(
                "memory.swap_usage", lambda: read.cgroup_limit(here, "memory.swap.current")
            )
            out["oom_kills"] = fields.get(
                "memory.oom_kills", lambda: self._stat(here, "memory.events", "oom_kill")
            )
        else:
            memsw = fields.get(
                "memory.swap_limit",
                lambda: _v1_limit(self._smallest(memory, "memory.memsw.limit_in_bytes")),
            )
            if memsw is not None and limit is not None:
                out["swap_limit"] = max(memsw - limit, 0)
            memsw_usage = fields.get(
                "memory.swap_usage", lambda: read.cgroup_limit(here, "memory.memsw.usage_in_bytes")
            )
            if memsw_usage is not None and usage is not None:
                out["swap_usage"] = max(memsw_usage - usage, 0)  # fuzzy counters
            out["oom_kills"] = fields.get(
                "memory.oom_kills", lambda: self._stat(here, "memory.oom_control", "oom_kill")
            )
        out["limit"], out["usage"], out["working_set"] = limit, usage, working_set
        if working_set is not None and limit is not None:
            out["usage_percent"] = percent(working_set, limit)
        return out

    def _memory_limit(self, memory: Hierarchy) -> int | None:
        if memory.version == 2:
            return self._smallest(memory, "memory.max")
        return _v1_limit(self._smallest(memory, "memory.limit_in_bytes"))

    def _working_set(self, memory: Hierarchy) -> tuple[int | None, int | None]:
        """Usage, and usage less the inactive file cache (cAdvisor's working set)."""
        here = memory.directory
        v2 = memory.version == 2
        usage = self._procfs.cgroup_limit(here, "memory.current" if v2 else "memory.usage_in_bytes")
        if usage is None:
            return None, None
        inactive = self._stat(here, "memory.stat", "inactive_file" if v2 else "total_inactive_file")
        return usage, max(usage - (inactive or 0), 0)

    def _cpus(self, cpuset: Hierarchy | None) -> int | None:
        if cpuset is None:
            return None
        name = "cpuset.cpus.effective" if cpuset.version == 2 else "cpuset.effective_cpus"
        return self._procfs.cgroup_cpu_count(cpuset.directory, name)

    def _cpu(
        self,
        placement: Placement,
        window: Window,
        host_cpus: Callable[[], int],
        fields: _Fields,
    ) -> JSONDict:
        read = self._procfs
        out: JSONDict = dict.fromkeys(
            ("quota_cores", "usage_seconds", "usage_percent", "throttled_periods", "periods",
             "throttled_seconds", "cpus"),
        )  # fmt: skip
        cpu = placement.get("cpu")
        accounting = placement.get("cpuacct") or cpu
        if cpu is not None:
            out["quota_cores"] = fields.get("cpu.quota_cores", lambda: self._quota(cpu))
            stat = fields.get("cpu.throttled", lambda: read.cgroup_keyed(cpu.directory, "cpu.stat"))
            if stat is not None:
                out["throttled_periods"] = stat.get("nr_throttled")
                out["periods"] = stat.get("nr_periods")
                if cpu.version == 2:
                    throttled = stat.get("throttled_usec")
                    scale = USEC
                else:
                    throttled = stat.get("throttled_time")
                    scale = NSEC
                out["throttled_seconds"] = None if throttled is None else throttled / scale
        if accounting is not None:
            out["usage_seconds"] = fields.get(
                "cpu.usage_seconds", lambda: self._usage_seconds(accounting)
            )
        count = fields.get("cpu.cpus", lambda: self._cpus(placement.get("cpuset")))
        out["cpus"] = host_cpus() if count is None else count
        out["usage_percent"] = _share(window, placement, out["quota_cores"] or out["cpus"])
        return out

    def _pids(self, pids: Hierarchy | None, fields: _Fields) -> JSONDict:
        if pids is None:
            return {"current": None, "limit": None}
        return {
            "current": fields.get(
                "pids.current", lambda: self._procfs.cgroup_limit(pids.directory, "pids.current")
            ),
            "limit": fields.get("pids.limit", lambda: self._smallest(pids, "pids.max")),
        }

    def _smallest(self, hierarchy: Hierarchy, name: str) -> int | None:
        return _smallest([self._procfs.cgroup_limit(d, name) for d in hierarchy.directories])

    def _stat(self, directory: bytes, name: str, key: str) -> int | None:
        return (self._procfs.cgroup_keyed(directory, name) or {}).get(key)

    def _quota(self, cpu: Hierarchy) -> float | None:
        shares: list[float] = []
        for directory in cpu.directories:
            if cpu.version == 2:
                found = self._procfs.cgroup_cpu_max(directory)
                quota, period = found if found is not None else (None, 0)
            else:
                quota = self._procfs.cgroup_limit(directory, "cpu.cfs_quota_us")
                period = self._procfs.cgroup_limit(directory, "cpu.cfs_period_us") or 0
            if quota is not None and period > 0:
                shares.append(quota / period)
        return round(min(shares), 6) if shares else None


class _Fields:
    """Runs one field's reads; a failure leaves the field None and is named under its key."""

    def __init__(self, unavailable: dict[str, str]) -> None:
        self._unavailable = unavailable

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        try:
            return compute()
        except ServiceUnavailable:
            raise
        except SysmonError as error:
            self._unavailable[key] = describe(error)
            return None
