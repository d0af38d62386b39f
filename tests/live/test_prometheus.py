"""sysmon's endpoint against the real components: node_exporter 1.5, promtool, Prometheus 2.42.

All on 127.0.0.1, each with its own files in tmp_path, polled for readiness (bounded).
"""

import json
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_tools import (
    PROMTOOL,
    get,
    need_binary,
    node_exporter,
    poll,
    prometheus,
    query,
    sysmon_exporter,
)
from spawned import sysmon_executable

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the real Linux host"),
]


def families(body):
    """{family name: (type, the label names of its samples)} of an exposition."""
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        labels = {name for sample in family.samples for name in sample.labels}
        found[family.name] = (family.type, labels)
    return found


def sysmon_json(method):
    out = subprocess.run(
        [sysmon_executable(), "call", method], capture_output=True, timeout=30, check=True
    )
    return json.loads(out.stdout)


def test_the_node_families_both_expose_have_node_exporters_names_types_and_labels(tmp_path):
    with node_exporter(tmp_path) as theirs, sysmon_exporter(tmp_path) as ours:
        reference = families(get(f"http://127.0.0.1:{theirs}/metrics")[1])
        mine = families(get(f"http://127.0.0.1:{ours}/metrics")[1])
    node = {name for name in mine if name.startswith("node_")}
    # every node_ family sysmon writes is one node_exporter writes too, of the same type,
    # with the same label names
    assert node <= set(reference), sorted(node - set(reference))
    for name in sorted(node):
        assert mine[name] == reference[name], name
    expected = {
        "node_cpu_seconds", "node_cpu_guest_seconds", "node_memory_MemTotal_bytes",
        "node_filesystem_avail_bytes", "node_filesystem_files", "node_filesystem_readonly",
        "node_filesystem_device_error", "node_network_receive_bytes", "node_load1",
        "node_boot_time_seconds", "node_time_seconds", "node_context_switches",
        "node_forks", "node_intr", "node_procs_running", "node_procs_blocked",
        "node_processes_state", "node_processes_threads", "node_uname_info", "node_os_info",
        "node_scrape_collector_success", "node_scrape_collector_duration_seconds",
    }  # fmt: skip
    assert expected <= node, sorted(expected - node)


def test_promtool_finds_no_parse_error_and_no_lint_node_exporter_escapes(tmp_path):
    promtool = need_binary(PROMTOOL)
    with node_exporter(tmp_path) as theirs, sysmon_exporter(tmp_path) as ours:
        bodies = {
            "ours": get(f"http://127.0.0.1:{ours}/metrics")[1],
            "theirs": get(f"http://127.0.0.1:{theirs}/metrics")[1],
        }
    findings = {}
    for who, body in bodies.items():
        checked = subprocess.run(
            [promtool, "check", "metrics"], input=body, capture_output=True, timeout=30, check=False
        )
        # 0: clean; 3: lint findings only; anything else: the text did not parse
        assert checked.returncode in (0, 3), (who, checked.stderr.decode())
        findings[who] = {
            line.split(" ", 1)[1] for line in checked.stderr.decode().splitlines() if " " in line
        }
        names = [line.split(" ", 1)[0] for line in checked.stderr.decode().splitlines()]
        findings[who + "_names"] = set(names)
    # each lint finding is of a kind node_exporter's own output also gets
    assert findings["ours"] <= findings["theirs"], findings["ours"] - findings["theirs"]
    assert not any(name.startswith("sysmon_") for name in findings["ours_names"])


def test_prometheus_scrapes_sysmon_with_values_matching_its_json(tmp_path):
    with (
        sysmon_exporter(tmp_path) as ours,
        node_exporter(tmp_path) as theirs,
        prometheus(tmp_path, {"sysmon": ours, "node": theirs}) as base,
    ):
        poll(lambda: query(base, 'up{job="sysmon"} == 1'), "a first sysmon sample", 60)
        poll(lambda: query(base, 'up{job="node"} == 1'), "a first node sample", 60)
        memory = sysmon_json("RPCGetMemoryInfo")
        info = sysmon_json("RPCGetSystemInfo")
        disk = sysmon_json("RPCGetDiskUsage")["disk"]
        network = sysmon_json("RPCGetNetworkStats")["network"]

        def value(expression):
            (result,) = query(base, expression)
            return float(result["value"][1])

        assert value('node_memory_MemTotal_bytes{job="sysmon"}') == memory["total"]
        cpus = 'count(count(node_cpu_seconds_total{job="sysmon"}) by (cpu))'
        assert value(cpus) == info["processors"]
        assert value('node_boot_time_seconds{job="sysmon"}') == info["boot_time_unix"]
        size = 'node_filesystem_size_bytes{job="sysmon",mountpoint="/"}'
        assert value(size) == disk["/"]["total"]
        load = value('node_load1{job="sysmon"}')
        assert 0 <= load < 1000
        interface = "lo"
        scraped = value(f'node_network_receive_bytes_total{{job="sysmon",device="{interface}"}}')
        # lo moves as the scrapes themselves go over it: within a few scrape intervals
        assert abs(scraped - network[interface]["rx_bytes"]) < 50_000_000

        # the Node Exporter Full dashboard's top rows, for both jobs
        dashboard = [
            'count(count(node_cpu_seconds_total{job="J"}) by (cpu))',
            '100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle",job="J"}[5s])))',
            '(1 - node_memory_MemAvailable_bytes{job="J"} / '
            'node_memory_MemTotal_bytes{job="J"}) * 100',
            'node_memory_SwapTotal_bytes{job="J"} - node_memory_SwapFree_bytes{job="J"}',
            '100 - node_filesystem_avail_bytes{job="J",mountpoint="/",fstype!="rootfs"} * 100'
            ' / node_filesystem_size_bytes{job="J",mountpoint="/",fstype!="rootfs"}',
            'node_time_seconds{job="J"} - node_boot_time_seconds{job="J"}',
            'rate(node_network_receive_bytes_total{job="J"}[5s]) * 8',
        ]
        for expression in dashboard:
            for job in ("sysmon", "node"):
                filled = expression.replace('"J"', f'"{job}"')
                poll(lambda filled=filled: query(base, filled), f"{job}: {filled}", 30)
        for job in ("sysmon", "node"):
            (picker,) = query(base, f'node_uname_info{{job="{job}"}}')
            assert picker["metric"]["nodename"]
