"""/proc/<pid>/mountinfo (Linux >= 2.6.26) and, before it, /proc/mounts."""

from __future__ import annotations

from sysmon.adapters.procfs.fields import text
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import Mount

MOUNTINFO_PATH = "/proc/1/mountinfo"
MOUNTS_PATH = "/proc/mounts"
_BACKSLASH = 0x5C
_OCTAL_DIGITS = frozenset(b"01234567")
# id parent major:minor root mountpoint options, then optional fields up to "-".
_MOUNTINFO_HEAD = 6
_MOUNTS_FIELDS = 4  # source mountpoint fstype options [dump pass]


def unescape(field: bytes) -> bytes:
    """Decode the kernel's ``\\ooo`` escapes (it writes space, tab, newline and backslash so).

    Any three octal digits up to ``\\377`` are decoded, so a path that is not UTF-8
    comes back as its raw bytes; a backslash not followed by such a code is kept.
    """
    if b"\\" not in field:
        return field
    out = bytearray()
    i = 0
    end = len(field)
    while i < end:
        j = field.find(b"\\", i)
        if j < 0:
            out += field[i:]
            break
        out += field[i:j]
        code = field[j + 1 : j + 4]
        if len(code) == 3 and _OCTAL_DIGITS.issuperset(code) and code[0] <= ord("3"):
            out.append(int(code, 8))
            i = j + 4
        else:
            out.append(_BACKSLASH)
            i = j + 1
    return bytes(out)


def parse_mountinfo(data: bytes, path: str = MOUNTINFO_PATH) -> list[Mount]:
    """``id parent major:minor root mountpoint options [optional...] - fstype source superopts``.

    Fields are split on single spaces, as the kernel writes them, so that an empty
    source still leaves the fields after it in place. ``device`` is ``major:minor``;
    ``root`` the 4th field, decoded; the per-mount options the 6th; the super options
    follow the source.
    """
    if not data.strip():
        raise ProcfsFormatError(path, "empty")
    if b"\\" not in data:
        mounts = _plain_mountinfo(data)
        if mounts is not None:
            return mounts
    return _mountinfo_lines(data, path)


def _plain_mountinfo(data: bytes) -> list[Mount] | None:
    """The common case, a table without a single escape, read as the general path reads it.

    With no backslash anywhere there is nothing to unescape, and no line number is kept:
    None as soon as a line would be an error, for the general path to name it.
    """
    mounts: list[Mount] = []
    append = mounts.append
    for line in data.split(b"\n"):
        if not line:
            continue
        fields = line.split(b" ")
        try:
            separator = fields.index(b"-", _MOUNTINFO_HEAD - 1)
            fstype = fields[separator + 1]
        except (ValueError, IndexError):
            return None
        if separator < _MOUNTINFO_HEAD or not fstype:
            return None
        tail = len(fields) - separator
        source = fields[separator + 2] if tail > 2 else b""
        super_options = fields[separator + 3] if tail > 3 else b""
        # Positional: a keyword call costs more than building the record itself.
        append(
            Mount(
                fields[4],  # path
                fstype.decode("utf-8", "backslashreplace"),
                fields[2].decode("utf-8", "backslashreplace"),  # device
                source.decode("utf-8", "backslashreplace"),
                fields[3],  # root
                fields[5].decode("utf-8", "backslashreplace"),
                super_options.decode("utf-8", "backslashreplace"),
            )
        )
    return mounts


def _mountinfo_lines(data: bytes, path: str) -> list[Mount]:
    """The general path: escapes decoded, and the first line that does not parse named."""
    mounts: list[Mount] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line:
            continue
        fields = line.split(b" ")
        try:
            separator = fields.index(b"-", _MOUNTINFO_HEAD - 1)
        except ValueError:
            separator = -1
        if separator < 0 and len(fields) > _MOUNTINFO_HEAD:
            raise ProcfsFormatError(path, f"no ' - ' separator in line {number}")
        if separator < _MOUNTINFO_HEAD:
            raise ProcfsFormatError(path, f"not enough fields in line {number}")
        tail = fields[separator + 1 :]
        if not tail or not tail[0]:
            raise ProcfsFormatError(path, f"no filesystem type in line {number}")
        mounts.append(
            Mount(
                path=unescape(fields[4]),
                fstype=text(unescape(tail[0])),
                device=text(fields[2]),
                source=text(unescape(tail[1])) if len(tail) > 1 else "",
                root=unescape(fields[3]),
                mount_options=text(fields[5]),
                super_options=text(unescape(tail[2])) if len(tail) > 2 else "",
            )
        )
    return mounts


def parse_mounts(data: bytes, path: str = MOUNTS_PATH) -> list[Mount]:
    """``source mountpoint fstype options 0 0``; ``device`` is the source, for want of better.

    The table shows no root (``/`` is taken) and one options column, the per-mount and
    the filesystem's options together: it is given as both.
    """
    if not data.strip():
        raise ProcfsFormatError(path, "empty")
    mounts: list[Mount] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line:
            continue
        fields = line.split()
        if len(fields) < _MOUNTS_FIELDS:
            raise ProcfsFormatError(path, f"not enough fields in line {number}")
        source = text(unescape(fields[0]))
        options = text(unescape(fields[3]))
        mounts.append(
            Mount(
                path=unescape(fields[1]),
                fstype=text(unescape(fields[2])),
                device=source,
                source=source,
                mount_options=options,
                super_options=options,
            )
        )
    return mounts
