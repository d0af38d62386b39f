"""The layers import downwards only: adapters never import app; domain imports neither."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "sysmon"


def imported_modules(path):
    """Every module a source file imports, at any depth of its code."""
    names = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def upward_imports(layer, forbidden):
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in sorted(imported_modules(path)):
            if any(name == f or name.startswith(f"{f}.") for f in forbidden):
                found.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return found


def test_the_scan_sees_an_upward_import(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from sysmon.app.sim import SimService\n")
    assert "sysmon.app.sim" in imported_modules(sample)


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("adapters", ("sysmon.app",)),
        ("domain", ("sysmon.app", "sysmon.adapters", "dependency_injector")),
    ],
)
def test_no_layer_imports_upwards(layer, forbidden):
    assert upward_imports(layer, forbidden) == []


def test_dependency_injector_is_imported_in_the_app_layer_only():
    outside = [
        f"{path.relative_to(PACKAGE.parent)}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "app" not in path.relative_to(PACKAGE).parts
        and any(n.startswith("dependency_injector") for n in imported_modules(path))
    ]
    assert outside == []
