"""The pytest plugin as users meet it: loaded for everyone, needing pyfakefs only when used,
and the copyable example of docs/simulation.md passing where only the plugin is installed."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLE = DOCS / "examples" / "test_example_sim.py"
BLOCK_PYFAKEFS = "import sys; sys.modules['pyfakefs'] = None; "  # any import of it now fails


def run_python(code, cwd, env=None):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_plugin_module_loads_without_pyfakefs(tmp_path):
    result = run_python(
        BLOCK_PYFAKEFS + "import sysmon.app.pytest_plugin as plugin; "
        "print(sorted(name for name in vars(plugin) if name.startswith(('fake_', 'sim_'))))",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == (
        "['fake_broker', 'fake_clock', 'fake_deadline', 'fake_fs', 'fake_host', "
        "'fake_host_tree', 'fake_timers', 'sim_os', 'sim_service', 'sim_settings']"
    )


def test_pytest_without_pyfakefs_runs_and_names_the_extra_when_a_fixture_needs_it(tmp_path):
    # pyfakefs "uninstalled": a package of that name first on the path that fails to import
    # (pytest keeps sys.modules and its own import hook for plugins, so the shim above
    # would not do here), and its pytest plugin not loaded.
    shadow = tmp_path / "shadow" / "pyfakefs"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named pyfakefs')\n")
    (tmp_path / "test_user.py").write_text(
        "def test_unrelated():\n    assert 1 + 1 == 2\n\ndef test_simulated(fake_host):\n    pass\n"
    )
    result = run_python(
        "import sys, pytest; "
        "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '-p', 'no:fakefs', "
        "'test_user.py']))",
        tmp_path,
        env={**os.environ, "PYTHONPATH": str(shadow.parent)},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the sysmon simulation fixtures need pyfakefs: install sysmon-service with its sim " in (
        result.stdout
    )
    assert re.search(r"\b1 passed, 1 error\b", result.stdout)


def test_the_documented_example_passes_as_a_users_test(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name)  # no conftest and no settings of ours
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", EXAMPLE.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b7 passed\b", result.stdout)


def test_the_docs_show_the_example_verbatim():
    text = (DOCS / "simulation.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert EXAMPLE.read_text(encoding="utf-8") in blocks
