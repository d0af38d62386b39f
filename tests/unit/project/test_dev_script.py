"""dev.py, the one entry point a fresh clone has: help, missing venv, earlier names."""

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def load_dev():
    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_dev(*args, cwd, prelude=""):
    code = (
        f"import sys, runpy; {prelude}sys.argv = ['dev.py', *{list(args)!r}]; "
        f"runpy.run_path({str(cwd / 'dev.py')!r}, run_name='__main__')"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("flag", ["--help", "-h", "help"])
def test_help_exits_0_with_the_usage_on_stdout(tmp_path, flag):
    shutil.copy(ROOT / "dev.py", tmp_path)
    result = run_dev(flag, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "python3 dev.py test [PYTEST ARGS]" in result.stdout


def test_no_command_is_a_usage_error(tmp_path):
    shutil.copy(ROOT / "dev.py", tmp_path)
    result = run_dev(cwd=tmp_path)
    assert result.returncode == 2
    assert "python3 dev.py run [SYSMON ARGS]" in result.stderr


def test_a_python_without_venv_support_is_told_which_package_to_install(tmp_path):
    shutil.copy(ROOT / "dev.py", tmp_path)  # a clone without .venv
    result = run_dev("run", cwd=tmp_path, prelude="sys.modules['ensurepip'] = None; ")
    assert result.returncode == 1
    assert "its venv module (with ensurepip) is missing" in result.stderr
    assert "sudo apt install python3-venv" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_a_distribution_under_the_earlier_name_is_found_for_removal(tmp_path):
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    (site / "sysmon_service-0.1.0.dist-info").mkdir(parents=True)
    dev = load_dev()
    assert dev.stale_distributions(tmp_path) == []
    (site / "sysmon-0.1.0.dist-info").mkdir()
    assert dev.stale_distributions(tmp_path) == ["sysmon"]


def test_the_distribution_name_is_the_one_in_pyproject():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == load_dev().DISTRIBUTION == "sysmon-service"
    assert project["entry-points"]["pytest11"] == {"sysmon": "sysmon.app.pytest_plugin"}


@pytest.mark.e2e
def test_run_works_in_the_callers_directory(tmp_path):
    # relative paths are the caller's: a procfs root beside it, a config.json in it
    (tmp_path / "host" / "proc").mkdir(parents=True)
    shutil.copy(ROOT / "sysmon/hosts/odd-host/proc/loadavg", tmp_path / "host" / "proc")
    result = subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), "run", "call", "RPCGetLoadAverage",
         "--procfs", "host/proc"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    load = json.loads(result.stdout)
    # odd-host/proc/loadavg: "1.50 0.75 0.25 3/1234 99999"
    assert (load["load1"], load["load5"], load["existing_tasks"]) == (1.5, 0.75, 1234)
    (tmp_path / "config.json").write_text("{not json")
    result = subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), "run", "call", "RPCGetUptime"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("sysmon: config file config.json is not valid JSON")
