"""The benchmark's smoke run: ``bench/run.py --quick`` finishes, prints every section,
and leaves nothing behind (no tmpfs mounted, no cgroup, no child running).

Nothing here looks at a timing: the figures of a smoke run mean nothing.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
HEADINGS = (
    "== 1. Collection cost per method",
    "== 2. Process scan",
    "== 3. Round trips over real pipes",
    "== 4. Start-up",
    "== 5. Memory",
    "== 6. Host impact",
    "== 7. A broker that never answers",
    "== 8. Prometheus /metrics",
    "== Performance goals",
)
GUARD = 120.0  # only so that a hung run fails instead of hanging the suite


def bench_mounts():
    with open("/proc/self/mountinfo") as mountinfo:
        return {line for line in mountinfo if " sysmon-bench " in line}


def processes_under(directory):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if cwd.startswith(str(directory)):
            found.append(pid)
    return found


def test_quick_run_prints_every_section_and_cleans_up(tmp_path):
    mounts_before = bench_mounts()
    env = {k: v for k, v in os.environ.items() if k != "COVERAGE_PROCESS_START"}
    env["TMPDIR"] = str(tmp_path)  # the bench's scratch dir, and its children's cwd
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=GUARD,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for heading in HEADINGS:
        assert heading in result.stdout, f"{heading!r} missing from:\n{result.stdout}"
    assert bench_mounts() == mounts_before
    assert processes_under(tmp_path) == []
    assert not list(tmp_path.iterdir())  # the scratch directory is gone
    for hierarchy in (Path("/sys/fs/cgroup/cpuacct"), Path("/sys/fs/cgroup")):
        assert not list(hierarchy.glob("sysmon-bench-*"))
