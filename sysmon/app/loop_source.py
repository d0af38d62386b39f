"""What the serving loop polls beside the broker channel: a metrics listener, for one."""

from __future__ import annotations

from typing import Protocol


class LoopSource(Protocol):
    """Something the serving loop polls beside the broker channel (a metrics listener)."""

    def poll_fds(self) -> dict[int, int]:
        """fd -> the poll event mask wanted right now (asked before each poll)."""
        ...

    def on_ready(self, fd: int, events: int) -> None:
        """poll said ``fd`` is ready with ``events``."""
        ...
