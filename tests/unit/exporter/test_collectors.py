"""The collectors on a minimal FakeHost: node_exporter's names with values worked out by hand."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sysmon.adapters.deadline import InlineDeadline
from sysmon.adapters.fake_clock import DEFAULT_EPOCH, FakeClock
from sysmon.adapters.fake_host import FakeHost
from sysmon.app.exporter.collectors import NODE_COLLECTORS, ScrapeCollector
from sysmon.app.exporter.endpoint import Exposition
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.metrics import MetricsService

GIB = 1 << 30


class Stats:
    """The broker statistics service as the collector sees it: the last answer and its age."""

    def __init__(self, latest):
        self._latest = latest

    def latest(self):
        return self._latest


def world(tmp_path, cache=0.0, **host_options):
    clock = FakeClock()
    host = FakeHost(str(tmp_path / "host"), clock=clock, **host_options)
    deadline = InlineDeadline()
    metrics = MetricsService(host.reader(), clock, deadline, host.facts, DiskPolicy(), cache)
    return host, deadline, metrics


def scrape(metrics, stats=None, collectors=None):
    """The text exposition, parsed back: {sample name: {labels tuple: value}}."""
    collector = ScrapeCollector(metrics, stats, collectors)
    content_type, body = Exposition(collector).render([""])[""]
    assert content_type.startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[key] = sample.value
    return samples


def one(samples, metric, **labels):
    return samples[metric][tuple(sorted(labels.items()))]


def test_cpu_seconds_per_cpu_and_mode(tmp_path):
    host, _, metrics = world(tmp_path, cpus=2)
    host.advance(1, busy=100, guest=20)  # guest counts inside user, as the kernel does
    samples = scrape(metrics)
    # each CPU: 5 % of 1000 s user = 50 s, plus 60 of the 120 user ticks = 0.6 s
    assert one(samples, "node_cpu_seconds_total", cpu="0", mode="user") == 50.6
    assert one(samples, "node_cpu_seconds_total", cpu="1", mode="idle") == 900.4
    assert one(samples, "node_cpu_seconds_total", cpu="0", mode="steal") == 5.0
    assert one(samples, "node_cpu_guest_seconds_total", cpu="1", mode="user") == 0.1
    assert one(samples, "node_cpu_guest_seconds_total", cpu="1", mode="nice") == 0.0
    modes = {dict(k)["mode"] for k in samples["node_cpu_seconds_total"]}
    assert modes == {"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"}
    assert len(samples["node_cpu_seconds_total"]) == 16


def test_every_meminfo_line_in_node_exporters_names(tmp_path):
    _, _, metrics = world(tmp_path)
    samples = scrape(metrics)
    assert one(samples, "node_memory_MemTotal_bytes") == 8 * GIB
    assert one(samples, "node_memory_MemAvailable_bytes") == 6 * GIB
    assert one(samples, "node_memory_Active_anon_bytes") == GIB
    assert one(samples, "node_memory_Inactive_file_bytes") == GIB
    assert one(samples, "node_memory_HugePages_Total") == 0  # a count, no unit
    assert one(samples, "node_memory_Hugepagesize_bytes") == 2 * 1024 * 1024
    assert "node_memory_HugePages_Total_bytes" not in samples
    # the minimal host has 33 meminfo lines: one family each
    assert len([n for n in samples if n.startswith("node_memory_")]) == 33


def test_filesystems_and_the_mapping_of_free(tmp_path):
    host, _, metrics = world(tmp_path)
    host.mount("/data", "xfs", total=100 * GIB, used=40 * GIB, free=55 * GIB, files=1000,
               files_free=900, readonly=True, source="/dev/sdb1")  # fmt: skip
    samples = scrape(metrics)
    data = {"device": "/dev/sdb1", "fstype": "xfs", "mountpoint": "/data"}
    assert one(samples, "node_filesystem_size_bytes", **data) == 100 * GIB
    assert one(samples, "node_filesystem_free_bytes", **data) == 60 * GIB  # f_bfree
    assert one(samples, "node_filesystem_avail_bytes", **data) == 55 * GIB  # JSON's free
    assert one(samples, "node_filesystem_files", **data) == 1000
    assert one(samples, "node_filesystem_files_free", **data) == 900
    assert one(samples, "node_filesystem_readonly", **data) == 1
    assert one(samples, "node_filesystem_device_error", **data) == 0
    root = {"device": "/dev/vda1", "fstype": "ext4", "mountpoint": "/"}
    assert one(samples, "node_filesystem_avail_bytes", **root) == 48 * GIB
    assert one(samples, "node_filesystem_readonly", **root) == 0
    # the minimal root says nothing of inodes: absent, not zero
    assert tuple(sorted(root.items())) not in samples["node_filesystem_files"]
    # the pseudo filesystems are left out, as in the JSON
    assert {dict(k)["mountpoint"] for k in samples["node_filesystem_size_bytes"]} == {
        "/",
        "/data",
    }


def test_a_hung_mount_has_device_error_and_no_other_series(tmp_path):
    host, deadline, metrics = world(tmp_path)
    host.mount("/mnt/nfs", "nfs4", total=GIB, source="server:/export")
    deadline.hang("/mnt/nfs")
    samples = scrape(metrics)
    nfs = {"device": "server:/export", "fstype": "nfs4", "mountpoint": "/mnt/nfs"}
    assert one(samples, "node_filesystem_device_error", **nfs) == 1
    key = tuple(sorted(nfs.items()))
    for name in ("size_bytes", "free_bytes", "avail_bytes", "readonly"):
        assert key not in samples[f"node_filesystem_{name}"]
    assert one(samples, "sysmon_filesystem_unavailable", **nfs, reason="timed out after 1s") == 1


def test_network_load_time_stat_processes(tmp_path):
    host, _, metrics = world(tmp_path)
    host.move("eth0", rx_bytes=1500, tx_packets=3)
    host.move("lo", rx_bytes=7)
    host.set_load(0.5, 0.25, 0.125)
    host.spawn("worker", "R", threads=4)
    host.spawn("disk", "D")
    samples = scrape(metrics)
    assert one(samples, "node_network_receive_bytes_total", device="eth0") == 1500
    assert one(samples, "node_network_transmit_packets_total", device="eth0") == 3
    assert one(samples, "node_network_receive_bytes_total", device="lo") == 7  # lo too
    assert one(samples, "node_network_receive_drop_total", device="lo") == 0
    assert (one(samples, "node_load1"), one(samples, "node_load15")) == (0.5, 0.12)
    assert one(samples, "node_time_seconds") == DEFAULT_EPOCH
    assert one(samples, "node_boot_time_seconds") == DEFAULT_EPOCH - 1000
    assert one(samples, "node_forks_total") == 3  # pid 1 and two spawns
    assert one(samples, "node_context_switches_total") == 0
    assert one(samples, "node_intr_total") == 0
    assert one(samples, "node_procs_running") == 1
    assert one(samples, "node_procs_blocked") == 1
    assert one(samples, "node_processes_state", state="S") == 1
    assert one(samples, "node_processes_state", state="R") == 1
    assert one(samples, "node_processes_threads") == 6  # 1 + 4 + 1


def test_identity(tmp_path):
    host, _, metrics = world(tmp_path)
    host.set_identity(domainname="corp.example")
    samples = scrape(metrics)
    (labels,) = samples["node_uname_info"]
    assert dict(labels) == {
        "domainname": "corp.example",
        "machine": "x86_64",
        "nodename": "simhost",
        "release": "6.8.0-sim",
        "sysname": "Linux",
        "version": "#1 SMP PREEMPT_DYNAMIC Fri Nov 27 08:00:00 UTC 2026",
    }
    (os_labels,) = samples["node_os_info"]
    assert dict(os_labels)["pretty_name"] == "Sim Linux 1.0"
    assert dict(os_labels)["id"] == "simlinux"
    assert "node_os_version" not in samples  # the minimal os-release has no VERSION_ID
    host.set_os_release('NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n')
    assert one(scrape(metrics), "node_os_version", id="debian", id_like="",
               name="Debian GNU/Linux") == 12  # fmt: skip


def test_each_collector_reports_success_and_one_failing_never_blanks_the_scrape(tmp_path):
    host, _, metrics = world(tmp_path)
    host.break_file("/proc/meminfo", "garbage")
    samples = scrape(metrics)
    assert one(samples, "node_scrape_collector_success", collector="meminfo") == 0
    assert one(samples, "node_scrape_collector_success", collector="cpu") == 1
    assert set(dict(k)["collector"] for k in samples["node_scrape_collector_success"]) == set(
        NODE_COLLECTORS
    )
    assert all(v >= 0 for v in samples["node_scrape_collector_duration_seconds"].values())
    assert "node_memory_MemTotal_bytes" not in samples
    assert "node_load1" in samples

    def broken(metrics):
        raise RuntimeError("a bug")
        yield  # pragma: no cover - a generator that fails

    samples = scrape(metrics, collectors={"bug": broken, "loadavg": NODE_COLLECTORS["loadavg"]})
    assert one(samples, "node_scrape_collector_success", collector="bug") == 0
    assert one(samples, "node_scrape_collector_success", collector="loadavg") == 1


def test_sysmons_own_figures(tmp_path):
    _, _, metrics = world(tmp_path, cache=1.0)
    metrics.start()
    metrics.collect("RPCGetMemoryInfo")
    metrics.collect("RPCGetMemoryInfo")  # from the cache
    stats = Stats(({"total": {"total_received": 4, "total_sent": 3}, "ok": True, "x": "y"}, 2.5))
    samples = scrape(metrics, stats)
    assert one(samples, "sysmon_requests_total", method="RPCGetMemoryInfo") == 2
    assert one(samples, "sysmon_requests_total", method="RPCGetUptime") == 0
    assert one(samples, "sysmon_cache_hits_total") >= 1
    assert one(samples, "sysmon_cache_misses_total") >= 1
    assert one(samples, "sysmon_message_stats_age_seconds") == 2.5
    assert one(samples, "sysmon_broker_message_stat", field="total.total_received") == 4
    assert one(samples, "sysmon_broker_message_stat", field="total.total_sent") == 3
    assert len(samples["sysmon_broker_message_stat"]) == 2  # booleans and text left out
    assert "sysmon_message_stats_age_seconds" not in scrape(metrics, Stats(None))


def test_the_cache_window_is_shared_with_the_methods(tmp_path):
    host, _, metrics = world(tmp_path, cache=1.0)
    first = one(scrape(metrics), "node_memory_MemFree_bytes")
    host.set_memory(free=GIB)
    assert one(scrape(metrics), "node_memory_MemFree_bytes") == first  # within the window
    host.advance(1)  # the clock moves past the window
    assert one(scrape(metrics), "node_memory_MemFree_bytes") == GIB


def test_openmetrics_when_asked(tmp_path):
    _, _, metrics = world(tmp_path)
    accept = "application/openmetrics-text; version=1.0.0,text/plain;q=0.5"
    bodies = Exposition(ScrapeCollector(metrics)).render([accept, ""])
    content_type, body = bodies[accept]
    assert content_type.startswith("application/openmetrics-text")
    assert body.endswith(b"# EOF\n")
    assert b"node_load1 " in body
    assert not bodies[""][1].endswith(b"# EOF\n")


def test_a_format_error_is_logged_with_its_collector(tmp_path, caplog):
    host, _, metrics = world(tmp_path)
    host.break_file("/proc/loadavg", "empty")
    with caplog.at_level("WARNING"):
        scrape(metrics)
    assert "collector loadavg failed" in caplog.text
    with pytest.raises(ProcfsFormatError):
        metrics.procfs.loadavg()
