"""Helpers for the procfs adapter tests: where the host trees live, and a clean user id."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pyfakefs import fake_filesystem

HOSTS = Path(__file__).resolve().parents[3] / "testdata" / "hosts"


@pytest.fixture
def as_user() -> Iterator[None]:
    """Run as uid 1000 inside pyfakefs (root reads anything there, as on Linux)."""
    fake_filesystem.set_uid(1000)
    try:
        yield
    finally:
        fake_filesystem.reset_ids()
