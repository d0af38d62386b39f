"""The wheel as a user gets it: built from the tree, installed with [sim] into a fresh venv
outside the repository, where the docs' simulation example passes and the shipped host
trees answer by name."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".coverage*", ".hypothesis",
    ".mypy_cache", ".ruff_cache", ".cache", "figures.json",
)  # fmt: skip


def run(command, cwd, timeout=600):
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.e2e
@pytest.mark.timeout(900)  # a build and an install from the package index
def test_the_wheel_installed_with_sim_runs_the_docs_example(tmp_path):
    source = tmp_path / "source"  # a copy: the build leaves nothing in the repository
    shutil.copytree(ROOT, source, ignore=NOT_SHIPPED)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
         "-q", "-w", tmp_path / "dist", source], cwd=tmp_path)  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel.name == "sysmon_service-0.1.0-py3-none-any.whl"

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    run([venv / "bin" / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q",
         f"{wheel}[sim]"], cwd=tmp_path)  # fmt: skip

    project = tmp_path / "project"  # the user's own project, the example copied in
    project.mkdir()
    shutil.copy(ROOT / "docs" / "examples" / "test_example_sim.py", project)
    out = run([venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "test_example_sim.py"], cwd=project)  # fmt: skip
    assert out.splitlines()[-1].startswith("7 passed"), out  # 5 tests, one run on 3 OSes

    # the shipped trees come with the wheel: by name, from any directory
    answer = json.loads(run([venv / "bin" / "sysmon", "call", "RPCGetLoadAverage",
                             "--fake-host", "odd-host"], cwd=project))  # fmt: skip
    assert (answer["load1"], answer["existing_tasks"]) == (1.5, 1234)  # odd-host's loadavg
    site = run([venv / "bin" / "python", "-c",
                "import sysmon, pathlib; print(pathlib.Path(sysmon.__file__).parent)"],
               cwd=project).strip()  # fmt: skip
    assert Path(site).is_relative_to(venv)
    assert (Path(site) / "broker_replies" / "message_stats_total.json").is_file()
