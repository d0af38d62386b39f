"""Domain errors; each carries the spec's error name so the edge can report it verbatim."""

from __future__ import annotations

from typing import ClassVar


class SysmonError(Exception):
    """Base of the errors a method may report to a client."""

    code: ClassVar[str] = "InternalError"


def describe(error: SysmonError) -> str:
    """``InternalError: /proc/stat: no cpu line``, the form every error takes on the wire."""
    return f"{error.code}: {error}"


class ServiceUnavailable(SysmonError):
    """The procfs root cannot be read at all (missing, not mounted, permission denied)."""

    code = "ServiceUnavailable"


class InternalError(SysmonError):
    """A file is there but cannot be used, or something unexpected happened."""

    code = "InternalError"


class ProcfsFormatError(InternalError):
    """A kernel file was read but does not parse; the message names the file."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
