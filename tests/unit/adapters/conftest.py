"""Helpers for the procfs adapter tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pyfakefs import fake_filesystem


@pytest.fixture
def become_user() -> Iterator[Callable[[], None]]:
    """Call it once the files are in place to act as uid 1000 inside pyfakefs.

    pyfakefs, like the kernel, lets root read anything, and it gives new files the
    current uid: so files are created as root first, then the test turns into a user.
    """
    yield lambda: fake_filesystem.set_uid(1000)
    fake_filesystem.reset_ids()
