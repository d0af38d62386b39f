#!/usr/bin/env python3
"""Series for ``promtool test rules``, made from ``sysmon exporter`` scrapes of a scenario.

    scripts/scenario_series.py SCENARIO RULES EXPECTED --scrapes N [--metric NAME ...] > test.yml

Runs ``sysmon exporter --fake-host SCENARIO`` (in simulated time: each scrape is one
step of the scenario's ``time.step``) on 127.0.0.1, scrapes it N times, and writes a
promtool unit-test file: the scraped samples of each chosen metric as ``input_series``
(labels ``job="sysmon"``, ``instance="sim"``, one value per step), the rules file, and
the hand-written expectations of EXPECTED (a YAML list of ``alert_rule_tests``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from spawned import sysmon_executable

SERVING = re.compile(rb"serving http://127\.0\.0\.1:(\d+)/metrics")


def scrape_series(scenario: str, scrapes: int, metrics: set[str]) -> dict[str, list[float]]:
    series: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "exporter.log"
        with open(log, "wb") as out:
            child = subprocess.Popen(
                [sysmon_executable(), "exporter", "--listen", "127.0.0.1:0",
                 "--fake-host", scenario],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            found = None
            while found is None and time.monotonic() < deadline:
                found = SERVING.search(log.read_bytes())
                time.sleep(0.05)
            if found is None:
                raise SystemExit(f"sysmon exporter did not start: {log.read_text()}")
            url = f"http://127.0.0.1:{int(found.group(1))}/metrics"
            for _ in range(scrapes):
                with urllib.request.urlopen(url, timeout=10) as response:
                    text = response.read().decode()
                for family in text_string_to_metric_families(text):
                    for sample in family.samples:
                        if sample.name in metrics:
                            labels = dict(sample.labels, job="sysmon", instance="sim")
                            inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
                            series.setdefault(f"{sample.name}{{{inner}}}", []).append(sample.value)
        finally:
            child.terminate()
            child.wait(10)
    return series


def step_of(scenario: str) -> float:
    with open(scenario, "rb") as file:
        return float(json.load(file)["time"]["step"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("rules")
    parser.add_argument("expected")
    parser.add_argument("--scrapes", type=int, default=20)
    parser.add_argument(
        "--metric", action="append",
        default=None, help="a sample name to keep (default: filesystem size and avail)",
    )  # fmt: skip
    args = parser.parse_args()
    names = set(args.metric or ["node_filesystem_avail_bytes", "node_filesystem_size_bytes"])
    series = scrape_series(args.scenario, args.scrapes, names)
    lines = [
        f"rule_files:\n  - {os.path.abspath(args.rules)}",
        f"evaluation_interval: {step_of(args.scenario):g}s",
        "tests:",
        f"  - interval: {step_of(args.scenario):g}s",
        "    input_series:",
    ]
    for name, values in sorted(series.items()):
        lines.append(f"      - series: '{name}'")
        lines.append(f"        values: '{' '.join(f'{v:.17g}' for v in values)}'")
    lines.append("    alert_rule_test:")
    expected = Path(args.expected).read_text().splitlines()
    lines += [f"      {line}" if line.strip() else "" for line in expected]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
