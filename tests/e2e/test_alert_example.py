"""docs/prometheus.md's worked example: an alert rule on the filling disk of a scenario,
checked by promtool on series made from ``sysmon exporter`` scrapes of it."""

import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_tools import PROMTOOL, need_binary

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"


def test_promtool_passes_the_rule_on_scraped_series(tmp_path):
    promtool = need_binary(PROMTOOL)
    made = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "scenario_series.py"),
         str(EXAMPLES / "filling-disk.json"), str(EXAMPLES / "disk-alerts.yml"),
         str(EXAMPLES / "disk-alerts-expected.yml"), "--scrapes", "20"],
        capture_output=True, timeout=60, check=True,
    )  # fmt: skip
    test_file = tmp_path / "disk-alerts.test.yml"
    test_file.write_bytes(made.stdout)
    # the series are the scrapes': 3.75 GiB less on /data at each 15 s step, down to 0
    avail = [line for line in made.stdout.decode().splitlines() if "/data" in line]
    assert "values: '49660559360 45634027520 41607495680" in made.stdout.decode()
    assert avail
    checked = subprocess.run(
        [promtool, "test", "rules", str(test_file)], capture_output=True, timeout=60, check=False
    )
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()
    assert b"SUCCESS" in checked.stdout


def test_promtool_would_catch_a_rule_that_never_fires(tmp_path):
    promtool = need_binary(PROMTOOL)
    lax = tmp_path / "lax.yml"
    lax.write_text((EXAMPLES / "disk-alerts.yml").read_text().replace("< 10", "< 1"))
    made = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "scenario_series.py"),
         str(EXAMPLES / "filling-disk.json"), str(lax),
         str(EXAMPLES / "disk-alerts-expected.yml"), "--scrapes", "14"],
        capture_output=True, timeout=60, check=True,
    )  # fmt: skip
    (tmp_path / "t.yml").write_bytes(made.stdout)
    checked = subprocess.run(
        [promtool, "test", "rules", str(tmp_path / "t.yml")],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert checked.returncode != 0
