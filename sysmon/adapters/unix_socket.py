"""Dialling the broker's Unix socket, as the broker's own child framework does.

The current broker listens on ``<base>_<id>.sock`` before it starts a child and
expects the child to connect; one connection carries both directions. The framework
tries three times, waiting 100 ms after the first failure and 200 ms after the second.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence

UDS_BASE = "/tmp/v2e_uds"
DIAL_TRIES = 3
DIAL_DELAYS = (0.1, 0.2)  # after the first and the second failure; a third is never used


class DialError(Exception):
    """Every try to reach the broker's socket failed; the message names path and reason."""


def socket_path(process_id: str, base: str = UDS_BASE) -> str:
    return f"{base}_{process_id}.sock"


def dial(
    path: str,
    sleep: Callable[[float], None],
    *,
    tries: int = DIAL_TRIES,
    delays: Sequence[float] = DIAL_DELAYS,
) -> socket.socket:
    """A connected stream socket to ``path``; ``DialError`` after ``tries`` failures."""
    reason = "no try made"
    for attempt in range(tries):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(path)
        except OSError as error:
            connection.close()
            reason = error.strerror or str(error)
            if attempt < tries - 1:
                sleep(delays[min(attempt, len(delays) - 1)])
            continue
        return connection
    raise DialError(f"cannot connect to the broker's socket {path}: {reason} ({tries} tries)")
