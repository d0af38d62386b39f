"""Pressure and cgroup series on the shipped container trees, worked out from their files.

k8s-v2 (cgroup v2): /proc/pressure/cpu ``some … total=30000000``, ``full … total=0``;
memory 5000000 / 2500000; io 1000000 / 500000; irq only ``full … total=100000`` (µs).
The cgroup ``/kubepods/burstable/pod-1/app`` has ``memory.max`` 512 MiB under a parent
with 384 MiB (the smaller binds), usage 256 MiB with 64 MiB ``inactive_file``,
``cpu.max`` 150000/100000, 1000 periods, 250 throttled for 5 s, 123.456789 s of CPU,
``oom_kill`` 2, 12 tasks of ``pids.max`` 50, and its own ``cpu.pressure`` totals
15000000 / 12000000 µs. docker-v1 has no PSI at all.
"""

from test_collectors import one, scrape

from sysmon.adapters.deadline import InlineDeadline
from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.fake_host import FakeHost
from sysmon.app.exporter.containers import cgroup, pressure
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.metrics import MetricsService

MIB = 1 << 20
APP = "/kubepods/burstable/pod-1/app"


def metrics_on(tree, tmp_path):
    clock = FakeClock()
    host = FakeHost.from_tree(tree, str(tmp_path / "host"), clock=clock)
    return MetricsService(host.reader(), clock, InlineDeadline(), host.facts, DiskPolicy(), 0.0)


def test_host_pressure_in_node_exporters_names(tmp_path):
    samples = scrape(metrics_on("k8s-v2", tmp_path), collectors={"pressure": pressure})
    assert one(samples, "node_pressure_cpu_waiting_seconds_total") == 30.0
    assert one(samples, "node_pressure_memory_waiting_seconds_total") == 5.0
    assert one(samples, "node_pressure_memory_stalled_seconds_total") == 2.5
    assert one(samples, "node_pressure_io_waiting_seconds_total") == 1.0
    assert one(samples, "node_pressure_io_stalled_seconds_total") == 0.5
    # node_exporter 1.5 has no series for cpu's full line nor for irq
    assert "node_pressure_cpu_stalled_seconds_total" not in samples
    assert not [name for name in samples if name.startswith("node_pressure_irq")]
    assert one(samples, "node_scrape_collector_success", collector="pressure") == 1.0


def test_the_cgroup_in_cadvisors_names_with_its_id(tmp_path):
    samples = scrape(metrics_on("k8s-v2", tmp_path), collectors={"cgroup": cgroup})
    expected = {
        "container_spec_memory_limit_bytes": 384 * MIB,
        "container_memory_usage_bytes": 256 * MIB,
        "container_memory_working_set_bytes": 192 * MIB,
        "container_spec_memory_swap_limit_bytes": 0.0,
        "container_spec_cpu_quota_cores": 1.5,
        "container_cpu_usage_seconds_total": 123.456789,
        "container_cpu_cfs_periods_total": 1000.0,
        "container_cpu_cfs_throttled_periods_total": 250.0,
        "container_cpu_cfs_throttled_seconds_total": 5.0,
        "container_oom_events_total": 2.0,
        "container_processes": 12.0,
        "container_spec_processes_limit": 50.0,
        "container_pressure_cpu_waiting_seconds_total": 15.0,
        "container_pressure_cpu_stalled_seconds_total": 12.0,
    }
    for name, value in expected.items():
        assert one(samples, name, id=APP) == value, name


def test_a_kernel_without_psi_has_no_pressure_series_and_no_failure(tmp_path):
    metrics = metrics_on("docker-v1", tmp_path)
    samples = scrape(metrics, collectors={"pressure": pressure, "cgroup": cgroup})
    assert not [
        name for name in samples if name.startswith(("node_pressure", "container_pressure"))
    ]
    assert one(samples, "node_scrape_collector_success", collector="pressure") == 1.0
    assert one(samples, "container_spec_memory_limit_bytes", id="/docker/0123abcd") == 1024 * MIB


def test_scraping_counts_no_request_served(tmp_path):
    metrics = metrics_on("k8s-v2", tmp_path)
    scrape(metrics, collectors={"pressure": pressure, "cgroup": cgroup})
    assert metrics.served.get("RPCGetPressure", 0) == 0
    assert metrics.served.get("RPCGetContainerInfo", 0) == 0
