"""Real /proc files from the host trees, mutated at random, read through the real adapter.

Every method must return a sane value or an ``InternalError`` naming the file it
could not use: never another exception, never NaN in the JSON, never a hang.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sysmon.adapters.deadline import InlineDeadline
from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.procfs import ProcfsReader
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.errors import InternalError, SysmonError
from sysmon.domain.metrics import MetricsService
from sysmon.domain.models import HostFacts

HOSTS = Path(__file__).resolve().parents[2] / "sysmon" / "hosts"
TREES = ("this-vm", "legacy-2.6.18", "debian6-2.6.32", "odd-host", "container")

# kernel file (relative to the procfs root) -> the methods that read it
READERS: dict[str, tuple[str, ...]] = {
    "stat": ("RPCCPUUsage", "RPCGetProcessStats", "RPCGetSystemInfo", "RPCGetSysMetrics"),
    "meminfo": ("RPCGetMemoryInfo", "RPCGetSysMetrics"),
    "zoneinfo": ("RPCGetMemoryInfo",),
    "loadavg": ("RPCGetLoadAverage", "RPCGetSysMetrics"),
    "uptime": ("RPCGetUptime", "RPCGetSysMetrics"),
    "1/mountinfo": ("RPCGetDiskUsage", "RPCGetSysMetrics"),
    "self/mountinfo": ("RPCGetDiskUsage",),
    "mounts": ("RPCGetDiskUsage",),
    "net/dev": ("RPCGetNetworkStats", "RPCGetSysMetrics"),
    "sys/kernel/hostname": ("RPCGetSystemInfo",),
    "sys/kernel/osrelease": ("RPCGetSystemInfo",),
    "1/stat": ("RPCGetProcessStats",),
}
CASES = [
    (tree, name) for tree in TREES for name in READERS if (HOSTS / tree / "proc" / name).is_file()
]


def mutate(data: bytes, draw: st.DrawFn) -> bytes:
    """One of: cut, duplicate a span, flip bytes, add or remove a column, blank a line."""
    op = draw(st.sampled_from(["cut", "duplicate", "flip", "add_column", "drop_column", "empty"]))
    if op == "empty" or not data:
        return b""
    at = draw(st.integers(0, len(data)))
    if op == "cut":
        return data[:at]
    if op == "duplicate":
        end = draw(st.integers(at, len(data)))
        return data[:end] + data[at:end] + data[end:]
    if op == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(out) - 1))
            out[i] = draw(st.integers(0, 255))
        return bytes(out)
    lines = data.split(b"\n")
    i = draw(st.integers(0, len(lines) - 1))
    columns = lines[i].split(b" ")
    if op == "add_column":
        columns.insert(draw(st.integers(0, len(columns))), draw(st.binary(max_size=12)))
    elif len(columns) > 1:
        del columns[draw(st.integers(0, len(columns) - 1))]
    lines[i] = b" ".join(columns)
    return b"\n".join(lines)


def sane(value: object) -> None:
    """JSON the broker can decode: no NaN or infinity anywhere, percentages in range."""
    json.dumps(value, allow_nan=False)
    if isinstance(value, dict):
        for key, item in value.items():
            is_percent = "percent" in key or key in {"cpu_usage", "memory_usage", "swap_usage"}
            if is_percent and isinstance(item, float):
                assert 0.0 <= item <= 100.0, (key, item)
            sane(item)
    elif isinstance(value, list):
        for item in value:
            sane(item)
    elif isinstance(value, float):
        assert math.isfinite(value)


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hosts")
    return {tree: Path(shutil.copytree(HOSTS / tree, root / tree, symlinks=True)) for tree in TREES}


@pytest.mark.parametrize(("tree", "name"), CASES)
@settings(
    max_examples=25, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mutated_file_gives_a_value_or_an_internal_error_naming_it(copies, tree, name, data):
    host = copies[tree]
    target = host / "proc" / name
    original = (HOSTS / tree / "proc" / name).read_bytes()
    target.write_bytes(mutate(original, data.draw))
    try:
        for method in READERS[name]:
            service = MetricsService(
                ProcfsReader(str(host / "proc"), str(host / "rootfs")),
                FakeClock(),
                InlineDeadline(),
                HostFacts(user_hz=100, page_size=4096, machine="x86_64"),
                DiskPolicy(),
                cache_duration=0,
            )
            service.start()
            try:
                payload = service.collect(method)
            except InternalError as error:
                assert type(error) is not SysmonError
                assert str(error).startswith("/proc/"), str(error)
                assert "unexpected" not in str(error), str(error)
            else:
                sane(payload)
    finally:
        target.write_bytes(original)
