"""A transcript is the same bytes on every run, in every process, under every emulated OS."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import scenario_busy_day
from pyfakefs.fake_filesystem import OSType
from pyfakefs.fake_filesystem_unittest import Patcher

SCRIPT = Path(scenario_busy_day.__file__)
OS_TYPES = {"linux": OSType.LINUX, "macos": OSType.MACOS, "windows": OSType.WINDOWS}


def run_in_process(day, os_name="linux"):
    with Patcher() as patcher:
        patcher.fs.os = OS_TYPES[os_name]
        return day(patcher.fs)


@pytest.fixture(scope="module")
def linux_text():
    return run_in_process(scenario_busy_day.busy_day) + run_in_process(
        scenario_busy_day.captured_day
    )


def test_the_busy_day_transcript_is_what_happened(linux_text):
    lines = linux_text.splitlines()
    assert lines[:4] == [
        '   0.000 out {"type":"event","id":"subprocess_ready","payload":{"id":"sysmon"},'
        '"source":"sysmon"}',
        '   1.000 in {"type":"request","id":"RPCGetSysMetrics","source":"access",'
        '"target":"sysmon","correlation_id":"access-rpc-1"}',
        "   1.000 to-broker RPCGetMessageStats sysmon-rpc-1",
        '   1.200 from-broker sysmon-rpc-1 ok {"total":{"total_received":4,"total_sent":3}}',
    ]
    assert "   9.100 from-broker sysmon-rpc-3 error: broker overloaded" in lines
    assert sum(line.startswith("  49.300 out ") for line in lines) == 1  # the last reply


def test_twice_in_one_process_gives_the_same_bytes(linux_text):
    again = run_in_process(scenario_busy_day.busy_day) + run_in_process(
        scenario_busy_day.captured_day
    )
    assert again.encode() == linux_text.encode()


@pytest.mark.parametrize("os_name", ["macos", "windows"])
def test_every_emulated_os_gives_the_same_bytes(linux_text, os_name):
    text = run_in_process(scenario_busy_day.busy_day, os_name) + run_in_process(
        scenario_busy_day.captured_day, os_name
    )
    assert text.encode() == linux_text.encode()


@pytest.mark.parametrize("seed", ["0", "4242"])
def test_another_process_with_another_hash_seed_gives_the_same_bytes(linux_text, seed):
    environment = {**os.environ, "PYTHONHASHSEED": seed}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "linux"],
        capture_output=True,
        env=environment,
        check=True,
        timeout=120,
    )
    assert result.stdout == linux_text.encode()
