"""docs/simulation.md gives an import path for every name it uses, and each one works."""

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "docs" / "simulation.md").read_text()
IMPORT = re.compile(r"`from (sysmon[\w.]*) import ([\w, ]+)`")


def documented_imports():
    return [(m.group(1), n.strip()) for m in IMPORT.finditer(TEXT) for n in m.group(2).split(",")]


def test_every_documented_import_works():
    for module, name in documented_imports():
        assert hasattr(importlib.import_module(module), name), f"{module}.{name}"


def test_every_class_the_doc_names_has_its_import():
    imported = {name for _, name in documented_imports()}
    named = set(re.findall(r"`([A-Z][a-z]+(?:[A-Z][a-z]*)+)\b", TEXT))
    not_classes = {"MemTotal", "AssertionError", "RPCGetSysMetrics"}
    assert named - not_classes - imported == set()
