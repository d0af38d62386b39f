"""The long runs start as the docs show them, and say which check failed, with figures."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[3]


def load_script(name):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return module


def report(**figures):
    clean = dict(lost=0, owed=100, duplicates=0, strays=0, wrong=0, rss_growth_kib=100,
                 rss_warm_kib=27000, rss_end_kib=27100, exit_status=0, tracebacks=0,
                 problems=[])  # fmt: skip
    return SimpleNamespace(**{**clean, **figures})


def test_a_clean_load_run_fails_no_check():
    assert load_script("load_long").failed_checks(report()) == []


def test_load_run_names_the_rss_check_with_its_figures():
    failed = load_script("load_long").failed_checks(
        report(rss_growth_kib=2980, rss_warm_kib=27300, rss_end_kib=30280, lost=2)
    )
    assert failed == [
        "replies lost: 2 of 100 owed",
        "RSS grew 2,980 KiB from the warm-up (27,300 KiB) to the end (30,280 KiB), limit 2,048 KiB",
    ]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("script", "args", "tail"),
    [
        ("scripts/load_long.py", ["--requests", "300", "--warmup", "50"], "result:             "),
        ("scripts/fuzz_long.py", ["--lines", "60"], "result:               "),
    ],
)
def test_the_scripts_run_as_documented_without_an_interpreter(tmp_path, script, args, tail):
    # the system's python3 on PATH, not this venv's: the script finds .venv itself
    venv_bin = Path(sys.executable).parent.resolve()
    path = os.pathsep.join(
        p for p in os.environ["PATH"].split(os.pathsep) if Path(p).resolve() != venv_bin
    )
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    done = subprocess.run(
        [str(ROOT / script), *args], cwd=ROOT, env={**env, "PATH": path},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{tail}all passed" in done.stdout
