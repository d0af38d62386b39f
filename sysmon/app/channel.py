"""Which channel the broker gave us: its Unix socket, an fd pair, or stdin and stdout.

The broker starts ``./sysmon`` with no arguments under every generation, so the
choice is made from what the child finds, in this order:

1. ``RPC_INPUT_FD``/``RPC_OUTPUT_FD`` set: those fds (the fd-pair generation);
2. stdin is /dev/null (or closed): dial the broker's socket (the current generation,
   which leaves the child's stdin and stdout on /dev/null and sets no variable);
3. otherwise stdin and stdout (the oldest generation, and a person at a shell).

``--transport`` (config ``sysmon_transport``) overrides the rule; ``--uds-path``
(``sysmon_uds_path``) names another socket, and alone it means the socket.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sysmon.adapters.unix_socket import dial, socket_path
from sysmon.app.config import TRANSPORTS, ConfigError
from sysmon.domain.records import record

DEFAULT_FDS = (3, 4)  # the fd pair's numbers when --transport fds comes without RPC_*


@record
class ChannelPlan:
    """The channel chosen, and why, before anything is opened."""

    transport: str
    reason: str
    input_fd: int = 0
    output_fd: int = 1
    uds_path: str | None = None

    def describe(self) -> str:
        where = {
            "stdio": "stdin and stdout",
            "fds": f"fds {self.input_fd} and {self.output_fd}",
            "uds": f"the Unix socket {self.uds_path}",
        }[self.transport]
        return f"{where} ({self.reason})"


@dataclass(slots=True)
class OpenChannel:
    """The fds to serve on; ``close()`` releases what opening made (the socket)."""

    plan: ChannelPlan
    input_fd: int
    output_fd: int
    closer: Callable[[], None] | None = None

    def close(self) -> None:
        if self.closer is not None:
            closer, self.closer = self.closer, None
            closer()


def stdin_state(fd: int = 0) -> str | None:
    """``"/dev/null"`` or ``"closed"`` when stdin carries nothing; None when it might."""
    try:
        info = os.fstat(fd)
    except OSError:
        return "closed"
    try:
        null = os.stat(os.devnull)
    except OSError:  # pragma: no cover - every Linux has /dev/null
        return None
    if stat.S_ISCHR(info.st_mode) and info.st_rdev == null.st_rdev:
        return "/dev/null"
    return None


def plan_channel(
    environ: Mapping[str, str],
    *,
    stdin: str | None,
    process_id: str,
    transport: str | None = None,
    uds_path: str | None = None,
    origin: str = "--transport",
) -> ChannelPlan:
    """Apply the rule above; ``stdin`` is what ``stdin_state()`` said."""
    fds = _rpc_fds(environ)
    path = uds_path or socket_path(process_id)
    if transport is not None:
        return _chosen(transport, origin, fds, path)
    if uds_path is not None:
        return ChannelPlan("uds", "a socket path was given", uds_path=path)
    if fds is not None:
        return ChannelPlan("fds", "RPC_INPUT_FD/RPC_OUTPUT_FD are set", fds[0], fds[1])
    if stdin is not None:
        return ChannelPlan("uds", f"stdin is {stdin}, as the current broker starts a child",
                           uds_path=path)  # fmt: skip
    return ChannelPlan("stdio", "stdin is open and no RPC_* fds are set")


def _chosen(transport: str, origin: str, fds: tuple[int, int] | None, path: str) -> ChannelPlan:
    """The channel an override names."""
    if transport == "stdio":
        return ChannelPlan("stdio", f"{origin} stdio")
    if transport == "fds":
        chosen = fds or DEFAULT_FDS
        return ChannelPlan("fds", f"{origin} fds", chosen[0], chosen[1])
    if transport == "uds":
        return ChannelPlan("uds", f"{origin} uds", uds_path=path)
    raise ConfigError(f"{origin}: bad value {transport!r}: expected one of {TRANSPORTS}")


def _rpc_fds(environ: Mapping[str, str]) -> tuple[int, int] | None:
    raw_in, raw_out = environ.get("RPC_INPUT_FD"), environ.get("RPC_OUTPUT_FD")
    if not raw_in and not raw_out:
        return None
    try:
        return int(raw_in or "0"), int(raw_out or "1")
    except ValueError:
        raise ConfigError(
            f"RPC_INPUT_FD/RPC_OUTPUT_FD: bad value {raw_in!r}/{raw_out!r}: expected fd numbers"
        ) from None


def open_channel(plan: ChannelPlan, sleep: Callable[[float], None]) -> OpenChannel:
    """The plan's fds, checked open; the socket dialled (``DialError`` when it cannot be)."""
    if plan.transport == "uds":
        assert plan.uds_path is not None
        connection = dial(plan.uds_path, sleep)
        fd = connection.fileno()
        return OpenChannel(plan, fd, fd, connection.close)
    for fd in (plan.input_fd, plan.output_fd):
        try:
            os.fstat(fd)
        except OSError:
            raise ConfigError(f"{plan.describe()}: fd {fd} is not open") from None
    return OpenChannel(plan, plan.input_fd, plan.output_fd)
