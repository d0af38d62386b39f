"""Strict number parsing shared by the parsers, so that garbage is reported, never guessed.

``int()`` alone would accept ``-1``, ``+1``, ``1_000`` and surrounding blanks; the kernel
prints none of these, so each is treated as a malformed file.
"""

from __future__ import annotations

from sysmon.domain.errors import ProcfsFormatError


def shown(token: bytes) -> str:
    """A token as it appears in an error message: quoted text, odd bytes as ``\\xNN``."""
    return "'" + token.decode("utf-8", "backslashreplace") + "'"


def text(raw: bytes) -> str:
    """Kernel text as str; bytes that are not UTF-8 survive as ``\\xNN``."""
    return raw.decode("utf-8", "backslashreplace")


def to_int(token: bytes, path: str, where: str) -> int:
    """An unsigned decimal counter, or ``ProcfsFormatError(path, "bad number 'x' in <where>")``."""
    if token.isdigit():
        return int(token)
    raise ProcfsFormatError(path, f"bad number {shown(token)} in {where}")


def to_float(token: bytes, path: str, where: str) -> float:
    """A plain ``123.45`` decimal (no sign, exponent, ``nan`` or ``inf``)."""
    whole, dot, fraction = token.partition(b".")
    if whole.isdigit() and (not dot or fraction.isdigit()):
        return float(token)
    raise ProcfsFormatError(path, f"bad number {shown(token)} in {where}")


def split_fields(data: bytes, path: str, need: int) -> list[bytes]:
    """A one-line file's blank-separated fields, at least ``need`` of them."""
    fields = data.split()
    if not fields:
        raise ProcfsFormatError(path, "empty")
    if len(fields) < need:
        raise ProcfsFormatError(path, f"not enough fields ({len(fields)}, need {need})")
    return fields
