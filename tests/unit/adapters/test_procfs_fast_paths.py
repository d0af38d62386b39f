"""The parsers' fast paths: taken for files as the kernel writes them, and never different.

meminfo is read a whole file at a time and mountinfo without unescaping when a file
allows it; otherwise the line-by-line path reads it. Checked here on real files, and on
files generated as the kernel writes them: those must take the fast path and give the
figures they were generated from. Each generated file is then mutated (bytes that trip
parsers put in, taken out or replaced), and whenever the fast path still answers, its
answer must be the line-by-line path's, to the order of the keys. Each property counts
the examples that really compared the two paths, and fails if too few did.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sysmon.adapters.procfs.meminfo import _parse_lines, _whole_file
from sysmon.adapters.procfs.mountinfo import _mountinfo_lines, _plain_mountinfo
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import Mount

HOSTS = Path(__file__).resolve().parents[3] / "sysmon" / "hosts"
MEMINFO = sorted(HOSTS.glob("*/proc/meminfo"))
# tables with an escape take the general path by design, so only the others apply here
MOUNTINFO = sorted(p for p in HOSTS.glob("*/proc/*/mountinfo") if b"\\" not in p.read_bytes())


def meminfo_path(data: bytes) -> dict[str, int] | None:
    return _whole_file(data if data.endswith(b"\n") else data + b"\n")


EXAMPLES = 400
# A byte put in or replaced by a mutation: blanks, separators, digits, a unit's letters
# and bytes that are not text. No backslash: a table with one takes the general path by
# design (parse_mountinfo does not offer it to the plain one).
TRIPPING = b" \t\n\r\x0b\x0c\x1c\x00:-/09kKB()\xff\xe9\xd9\xa1"
# Or a byte of the kind the file holds there anyway, so that many a mutant stays valid.
PLAIN = b"0123456789Aaz_"


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with one to three bytes put in, taken out or replaced."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(out)))
        how = draw(st.sampled_from(["insert", "replace", "delete"]))
        byte = draw(st.sampled_from(TRIPPING) | st.sampled_from(PLAIN))
        if how == "insert" or at == len(out):
            out.insert(at, byte)
        elif how == "replace":
            out[at] = byte
        else:
            del out[at]
    return bytes(out)


class Tally:
    """How many examples the fast path answered (both paths compared) or declined."""

    def __init__(self) -> None:
        self.compared = 0
        self.declined = 0

    def check(self, at_least: float) -> None:
        """At least that share of the examples compared both paths, out of no fewer than
        EXAMPLES; and some were declined, so that both sides of the choice were seen."""
        runs = self.compared + self.declined
        assert runs >= EXAMPLES, runs
        assert self.compared >= at_least * runs, (self.compared, self.declined)
        assert self.declined > 0, (self.compared, self.declined)


# -- meminfo ----------------------------------------------------------------------------

MEMINFO_NAME = st.text(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_()", min_size=1, max_size=18
)


@st.composite
def kernel_meminfo(draw: st.DrawFn) -> tuple[bytes, dict[str, int]]:
    """A meminfo as the kernel prints it, and the bytes it says: ``Name:`` padded to 16
    columns, the value right-aligned in 8 (a wider one touches the colon), then `` kB``,
    or no unit as the HugePages counts have."""
    names = draw(st.lists(MEMINFO_NAME, min_size=1, max_size=10, unique=True))
    lines, figures = [], {}
    for name in names:
        value = draw(st.integers(0, 1 << 50) | st.integers(0, 99))
        width = draw(st.sampled_from([8, 8, 6, 0]))
        line = f"{name + ':':<16}{value:>{width}}"
        if draw(st.booleans()):
            lines.append(f"{line} kB\n")
            figures[name] = value * 1024
        else:
            lines.append(f"{line}\n")
            figures[name] = value
    return "".join(lines).encode(), figures


@pytest.mark.parametrize("path", MEMINFO, ids=lambda p: p.parts[-3])
def test_captured_meminfo_takes_the_whole_file_path(path: Path) -> None:
    data = path.read_bytes()
    fast = meminfo_path(data)
    assert fast is not None
    assert list(fast.items()) == list(_parse_lines(data).items())


@settings(max_examples=EXAMPLES)
@given(kernel_meminfo())
def test_meminfo_as_the_kernel_writes_it_takes_the_whole_file_path(generated) -> None:
    data, figures = generated
    fast = meminfo_path(data)
    assert fast is not None, data
    assert list(fast.items()) == list(figures.items())
    assert list(_parse_lines(data).items()) == list(figures.items())


def test_a_mutated_meminfo_read_by_the_whole_file_path_reads_as_line_by_line() -> None:
    tally = Tally()

    @settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
    @given(kernel_meminfo().flatmap(lambda g: mutated(g[0])))
    def property_(data: bytes) -> None:
        fast = meminfo_path(data)
        if fast is None:
            tally.declined += 1
            return
        tally.compared += 1
        try:
            slow = _parse_lines(data)
        except ProcfsFormatError:  # no parseable line: the fast path must not have answered
            pytest.fail(f"the whole-file path answered {fast!r} for {data!r}")
        assert list(fast.items()) == list(slow.items()), data

    property_()
    tally.check(at_least=0.15)  # over a third, as drawn so far


# -- mountinfo ------------------------------------------------------------------------

PATH_PIECE = st.text("abcdefghijklmnopqrstuvwxyz0123456789._-:@éü", min_size=1, max_size=8)
MOUNT_PATH = st.lists(PATH_PIECE, max_size=3).map(lambda parts: "/" + "/".join(parts))
WORD = st.text("abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=8)
OPTIONS = st.lists(WORD, min_size=1, max_size=3).map(",".join)
OPTIONAL_FIELD = st.sampled_from(["shared", "master", "propagate_from"]).flatmap(
    lambda tag: st.integers(1, 999).map(lambda n: f"{tag}:{n}")
)


@st.composite
def kernel_mountinfo(draw: st.DrawFn) -> tuple[bytes, list[Mount]]:
    """A mount table as the kernel prints it (show_mountinfo), with nothing to escape,
    and the mounts it says: ``id parent major:minor root mountpoint options
    [optional...] - fstype source superoptions``; the source may be empty."""
    lines, mounts = [], []
    for number in range(draw(st.integers(1, 8))):
        point = draw(MOUNT_PATH)
        device = f"{draw(st.integers(0, 4095))}:{draw(st.integers(0, 1 << 20))}"
        optional = draw(st.lists(OPTIONAL_FIELD, max_size=3))
        fstype = draw(WORD)
        source = draw(st.sampled_from(["", "none", "/dev/vda1"]) | MOUNT_PATH)
        root, options, super_options = draw(MOUNT_PATH), draw(OPTIONS), draw(OPTIONS)
        head = [str(20 + number), "1", device, root, point, options]
        tail = ["-", fstype, source, super_options]
        lines.append(" ".join([*head, *optional, *tail]) + "\n")
        mount = Mount(point.encode(), fstype, device, source, root.encode(), options, super_options)
        mounts.append(mount)
    return "".join(lines).encode(), mounts


@pytest.mark.parametrize("path", MOUNTINFO, ids=lambda p: "/".join(p.parts[-4:-1]))
def test_captured_mountinfo_without_escapes_takes_the_plain_path(path: Path) -> None:
    data = path.read_bytes()
    assert _plain_mountinfo(data) == _mountinfo_lines(data, "/proc/1/mountinfo")


@settings(max_examples=EXAMPLES)
@given(kernel_mountinfo())
def test_mountinfo_as_the_kernel_writes_it_takes_the_plain_path(generated) -> None:
    data, mounts = generated
    assert _plain_mountinfo(data) == mounts, data
    assert _mountinfo_lines(data, "/proc/1/mountinfo") == mounts


def test_a_mutated_mountinfo_read_by_the_plain_path_reads_as_by_the_general_one() -> None:
    tally = Tally()

    @settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
    @given(kernel_mountinfo().flatmap(lambda g: mutated(g[0])))
    def property_(data: bytes) -> None:
        fast = _plain_mountinfo(data)
        if fast is None:
            tally.declined += 1
            return
        tally.compared += 1
        try:
            slow = _mountinfo_lines(data, "/proc/1/mountinfo")
        except ProcfsFormatError as error:
            pytest.fail(f"the plain path answered {fast!r} where the general one says {error}")
        assert fast == slow, data

    property_()
    tally.check(at_least=0.6)  # about nine in ten, as drawn so far
