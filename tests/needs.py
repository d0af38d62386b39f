"""Skips that CI never takes: a test that needs root, a tool or a real component says so here.

Elsewhere a missing need skips the test with its reason. Under CI (``CI`` set, as
``.ci/run`` is run) CI is where every need must be met, so the same call fails the
test instead: a skip there would hide a check that never ran.
"""

from __future__ import annotations

import os
import shutil

import pytest


def under_ci() -> bool:
    return bool(os.environ.get("CI"))


def need(available: bool, reason: str) -> None:
    """Go on when ``available``; else skip with ``reason``, or fail under CI."""
    if available:
        return
    if under_ci():
        pytest.fail(f"CI must run this test, but: {reason}", pytrace=False)
    pytest.skip(reason)


def need_root(why: str) -> None:
    need(os.geteuid() == 0, f"needs root {why}")


def need_tool(name: str) -> str:
    """The path of the command ``name``, which the test needs on PATH."""
    path = shutil.which(name)
    need(path is not None, f"{name}(1) is not installed")
    assert path is not None
    return path
