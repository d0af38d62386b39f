"""Real Prometheus components for the tests: found in the cache, run on loopback, polled.

``scripts/fetch_prometheus.sh`` unpacks Debian's ``prometheus`` (with promtool) and
``prometheus-node-exporter`` into ``.cache/prometheus`` (or ``$SYSMON_PROMETHEUS_CACHE``);
``.ci/run`` calls it before the tests. Every process here listens on 127.0.0.1, keeps
its files in a temporary directory, is waited for by polling (bounded), and is killed
when its test ends.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from needs import need
from spawned import sysmon_executable

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("SYSMON_PROMETHEUS_CACHE", REPO / ".cache" / "prometheus"))
PROMETHEUS = CACHE / "prometheus" / "usr" / "bin" / "prometheus"
PROMTOOL = CACHE / "prometheus" / "usr" / "bin" / "promtool"
NODE_EXPORTER = CACHE / "prometheus-node-exporter" / "usr" / "bin" / "prometheus-node-exporter"
NODE_COLLECTORS = ("cpu", "meminfo", "filesystem", "netdev", "loadavg", "stat", "time",
                   "uname", "os", "processes", "pressure")  # fmt: skip
_SERVING = re.compile(rb"serving http://127\.0\.0\.1:(\d+)/metrics")


def need_binary(path: Path) -> str:
    need(path.exists(), f"{path.name} is not unpacked: run scripts/fetch_prometheus.sh")
    return str(path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def poll(check: Callable[[], Any], what: str, timeout: float = 30.0, every: float = 0.1) -> Any:
    """``check()``'s first truthy answer; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except OSError as error:
            last = error
        else:
            if last:
                return last
        time.sleep(every)
    raise AssertionError(f"{what}: nothing after {timeout:g}s (last: {last!r})")


def get(
    url: str, headers: dict[str, str] | None = None, timeout: float = 10.0
) -> tuple[str, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.headers.get("Content-Type", ""), response.read()


@contextmanager
def running(argv: list[str], log: Path, **options: Any) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, **options)
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(10)


@contextmanager
def sysmon_exporter(tmp: Path, *extra: str) -> Iterator[int]:
    """``sysmon exporter`` on a port of its choosing; yields the port once it serves."""
    log = tmp / "sysmon-exporter.log"
    argv = [sysmon_executable(), "exporter", "--listen", "127.0.0.1:0", *extra]
    with running(argv, log, cwd=tmp) as child:

        def port() -> int | None:
            assert child.poll() is None, log.read_bytes().decode(errors="replace")
            found = _SERVING.search(log.read_bytes())
            return int(found.group(1)) if found else None

        yield poll(port, "sysmon exporter to listen", 20)


@contextmanager
def node_exporter(tmp: Path) -> Iterator[int]:
    port = free_port()
    argv = [
        need_binary(NODE_EXPORTER),
        f"--web.listen-address=127.0.0.1:{port}",
        "--collector.disable-defaults",
        *(f"--collector.{c}" for c in NODE_COLLECTORS),
    ]
    with running(argv, tmp / "node-exporter.log"):
        poll(lambda: get(f"http://127.0.0.1:{port}/metrics")[1], "node_exporter to serve", 20)
        yield port


@contextmanager
def prometheus(tmp: Path, targets: dict[str, int], interval: str = "1s") -> Iterator[str]:
    """Prometheus scraping each job's 127.0.0.1 port; yields its API base URL once ready."""
    port = free_port()
    jobs = "".join(
        f"  - job_name: {job}\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n"
        for job, target in targets.items()
    )
    config = tmp / "prometheus.yml"
    config.write_text(
        f"global:\n  scrape_interval: {interval}\n  evaluation_interval: {interval}\n"
        f"scrape_configs:\n{jobs}"
    )
    argv = [
        need_binary(PROMETHEUS),
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    with running(argv, tmp / "prometheus.log"):
        base = f"http://127.0.0.1:{port}"
        poll(lambda: get(f"{base}/-/ready")[1], "Prometheus to be ready", 60)
        yield base


def query(base: str, expression: str) -> list[dict[str, Any]]:
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
    document = json.loads(get(url)[1])
    assert document["status"] == "success", document
    result: list[dict[str, Any]] = document["data"]["result"]
    return result
