"""The busy day's transcript is what happened, worked out by hand (busy_day_expected.py),
and the same bytes on every run, in every process, under every emulated OS."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import scenario_busy_day
from busy_day_expected import EXPECTED
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


def same(actual, expected, where="message"):
    """Equal, except that floats may differ by float rounding (the clock sums steps)."""
    if isinstance(expected, float):
        assert isinstance(actual, float), f"{where}: {actual!r} is not a float"
        assert actual == pytest.approx(expected, rel=0, abs=1e-6), where
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r}"
        assert sorted(actual) == sorted(expected), where
        for key, value in expected.items():
            same(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for index, (mine, theirs) in enumerate(zip(actual, expected, strict=True)):
            same(mine, theirs, f"{where}[{index}]")
    else:
        assert type(actual) is type(expected) and actual == expected, where


def test_the_busy_day_transcript_is_what_happened_line_by_line():
    text = run_in_process(scenario_busy_day.busy_day)
    lines = text.splitlines()
    assert len(lines) == len(EXPECTED), "\n".join(lines)
    pairs = zip(lines, EXPECTED, strict=True)
    for number, (line, (seconds, direction, expected)) in enumerate(pairs, start=1):
        at, way, body = line.split(None, 2)
        where = f"line {number} ({line[:70]}…)"
        assert (at, way) == (seconds, direction), where
        if isinstance(expected, str):
            assert body == expected, where
        else:
            same(json.loads(body), expected, where)


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
