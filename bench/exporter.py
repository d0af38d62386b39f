"""8. The /metrics endpoint beside node_exporter 1.5, and a scrape of a very large host.

Both exporters run on 127.0.0.1, limited to the same metric families (node_exporter's
``--collector.disable-defaults`` plus the ten collectors sysmon covers), sysmon with its
cache off (``sysmon_cache_duration`` 0) so that each scrape is a fresh collection, as
node_exporter's are. They are scraped in turn, each scrape timed from connect to the
last byte; CPU is the exporter's time on the CPU over all scrapes (schedstat, summed
over its threads), RSS its
VmRSS after them. The large host (1,000 interfaces, 500 mounts, built with FakeHost
verbs in a real temporary directory) is collected in-process: CPU time per scrape.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from pathlib import Path

from bench.common import (
    SYSMON,
    BenchError,
    Context,
    Row,
    Section,
    median,
    percentile,
    rss_kib,
    say,
    task_cpu_ns,
)

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("SYSMON_PROMETHEUS_CACHE", ROOT / ".cache" / "prometheus"))
NODE_EXPORTER = CACHE / "prometheus-node-exporter" / "usr" / "bin" / "prometheus-node-exporter"
COLLECTORS = ("cpu", "meminfo", "filesystem", "netdev", "loadavg", "stat", "time", "uname",
              "os", "processes")  # fmt: skip
SERVING = re.compile(rb"serving http://127\.0\.0\.1:(\d+)/metrics")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scrape(port: int) -> tuple[float, int]:
    """One GET /metrics: seconds from connect to the last byte, and the body's size."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
        client.sendall(b"GET /metrics HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        received = bytearray()
        while chunk := client.recv(1 << 16):
            received += chunk
    elapsed = time.perf_counter() - started
    if not received.startswith(b"HTTP/1.1 200"):
        raise BenchError(f"scrape of port {port}: {bytes(received[:200])!r}")
    return elapsed, len(received) - received.find(b"\r\n\r\n") - 4


def _wait_ready(port: int, child: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise BenchError(f"{what} exited with {child.returncode}")
        try:
            scrape(port)
            return
        except OSError:
            time.sleep(0.05)
    raise BenchError(f"{what} did not serve within 30 s")


def _sysmon(ctx: Context) -> tuple[subprocess.Popen[bytes], int]:
    config = ctx.config_file("exporter", {"sysmon_cache_duration": 0})
    log = ctx.workdir / "exporter.log"
    with open(log, "wb") as out:
        child = subprocess.Popen(
            [SYSMON, "exporter", "--listen", "127.0.0.1:0", "--config", config],
            stdout=out, stderr=subprocess.STDOUT, cwd=ctx.workdir,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = SERVING.search(log.read_bytes())
        if found:
            port = int(found.group(1))
            _wait_ready(port, child, "sysmon exporter")
            return child, port
        time.sleep(0.05)
    child.kill()
    raise BenchError(f"sysmon exporter did not start: {log.read_text()}")


def _node_exporter(ctx: Context) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    child = subprocess.Popen(
        [str(NODE_EXPORTER), f"--web.listen-address=127.0.0.1:{port}",
         "--collector.disable-defaults", *(f"--collector.{c}" for c in COLLECTORS)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _wait_ready(port, child, "node_exporter")
    return child, port


def large_host_cpu_ms(workdir: Path, rounds: int) -> tuple[float, int]:
    """Median CPU ms of one in-process scrape of 1,000 interfaces and 500 mounts."""
    from sysmon.adapters.deadline import InlineDeadline
    from sysmon.adapters.fake_clock import FakeClock
    from sysmon.adapters.fake_host import FakeHost
    from sysmon.app.exporter.collectors import ScrapeCollector
    from sysmon.app.exporter.endpoint import Exposition
    from sysmon.domain.disk import DiskPolicy
    from sysmon.domain.metrics import MetricsService

    clock = FakeClock()
    host = FakeHost(str(workdir / "large-host"), clock=clock, cpus=16)
    with host.batch():
        for number in range(1000 - 2):
            host.add_interface(f"veth{number}", rx_bytes=number * 1000, tx_bytes=number)
        for number in range(500 - 1):
            host.mount(f"/srv/volume{number}", "ext4", total=(number + 1) << 30,
                       used=number << 20, files=65536, files_free=60000)  # fmt: skip
    metrics = MetricsService(host.reader(), clock, InlineDeadline(), host.facts, DiskPolicy(), 0)
    exposition = Exposition(ScrapeCollector(metrics))
    size = len(exposition.render([""])[""][1])
    times = []
    for _ in range(rounds):
        started = time.process_time()
        exposition.render([""])
        times.append((time.process_time() - started) * 1000)
    return median(times), size


def run(ctx: Context) -> Section:
    quick = ctx.plan.quick
    scrapes = 20 if quick else 300
    section = Section(8, f"Prometheus /metrics, {scrapes} scrapes each, cache off", "", "node_exp")
    if not NODE_EXPORTER.exists():
        section.notes.append(f"node_exporter not unpacked ({NODE_EXPORTER}): "
                             "run scripts/fetch_prometheus.sh")  # fmt: skip
        ours_only = True
    else:
        ours_only = False
    say(f"8. exporter: {scrapes} scrapes of sysmon" + ("" if ours_only else " and node_exporter"))
    children = {"sysmon": _sysmon(ctx)}
    if not ours_only:
        children["node_exporter"] = _node_exporter(ctx)
    try:
        for _, port in children.values():  # warm: first imports, first reads
            for _ in range(3):
                scrape(port)
        latency: dict[str, list[float]] = {name: [] for name in children}
        sizes: dict[str, int] = {}
        cpu_before = {name: task_cpu_ns(child.pid) for name, (child, _) in children.items()}
        for turn in range(scrapes):
            order = list(children) if turn % 2 == 0 else list(reversed(children))
            for name in order:
                elapsed, sizes[name] = scrape(children[name][1])
                latency[name].append(elapsed * 1000)
        cpu_ms = {
            name: (task_cpu_ns(child.pid) - cpu_before[name]) / 1e6 / scrapes
            for name, (child, _) in children.items()
        }
        rss = {name: rss_kib(child.pid) / 1024 for name, (child, _) in children.items()}
    finally:
        for child, _ in children.values():
            child.terminate()
            child.wait(10)
    say("8. exporter: the large host in-process")
    large_ms, large_bytes = large_host_cpu_ms(ctx.workdir, 5 if quick else 31)
    theirs = "node_exporter"
    figures = {
        "cpu_ms_per_scrape": cpu_ms,
        "latency_p50_ms": {n: median(v) for n, v in latency.items()},
        "latency_p99_ms": {n: percentile(v, 99) for n, v in latency.items()},
        "rss_mib": rss,
        "bytes_per_scrape": sizes,
        "large_host_cpu_ms": large_ms,
        "large_host_bytes": large_bytes,
        "scrapes": scrapes,
    }
    ctx.figures["exporter"] = figures
    ctx.raw["exporter"] = {"latency_ms": latency}

    def pair(key: str) -> tuple[float, float | None]:
        values = figures[key]
        return values["sysmon"], values.get(theirs)

    section.rows += [
        Row("CPU per scrape, ms (schedstat, all threads)", *pair("cpu_ms_per_scrape")[:1],
            floor=pair("cpu_ms_per_scrape")[1], fmt="{:,.2f}"),
        Row("scrape latency p50, ms", pair("latency_p50_ms")[0],
            floor=pair("latency_p50_ms")[1], fmt="{:,.2f}"),
        Row("scrape latency p99, ms", pair("latency_p99_ms")[0],
            floor=pair("latency_p99_ms")[1], fmt="{:,.2f}"),
        Row("RSS after the scrapes, MiB", pair("rss_mib")[0], floor=pair("rss_mib")[1]),
        Row("bytes per scrape (text format)", sizes["sysmon"], floor=sizes.get(theirs),
            fmt="{:,.0f}"),
        Row("1,000 interfaces + 500 mounts: CPU ms/scrape", large_ms, fmt="{:,.1f}"),
        Row("  and its bytes per scrape", large_bytes, fmt="{:,.0f}"),
    ]  # fmt: skip
    section.notes.append(
        "CPU per scrape is the process's own (node_exporter's Go runtime and GC included); "
        "latency includes connect and close on loopback."
    )
    return section
