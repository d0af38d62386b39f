"""ProcfsReader.mounts() reads the table every time and parses it again only when it changed."""

from __future__ import annotations

from typing import Any

import pytest

from sysmon.adapters.procfs import ProcfsReader
from sysmon.adapters.procfs import reader as reader_module
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import Mount

ROOT = "/host/proc"
STAT = "cpu  1 2 3 4\n"
ONE = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
TWO = ONE + "2 1 8:2 / /home rw - xfs /dev/sda2 rw\n"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables parsed, by path, as the reader hands them to the parsers."""
    seen: list[str] = []
    tables = []
    for relative, parse in reader_module.MOUNT_TABLES:

        def counted(data: bytes, path: str, parse: Any = parse) -> list[Mount]:
            seen.append(path)
            return parse(data, path)  # type: ignore[no-any-return]

        tables.append((relative, counted))
    monkeypatch.setattr(reader_module, "MOUNT_TABLES", tuple(tables))
    return seen


def test_an_unchanged_table_is_not_parsed_again(fs: Any, parses: list[str]) -> None:
    fs.create_file(f"{ROOT}/stat", contents=STAT)
    fs.create_file(f"{ROOT}/1/mountinfo", contents=TWO)
    reader = ProcfsReader(ROOT)
    first = reader.mounts()
    second = reader.mounts()
    assert (
        first
        == second
        == [
            Mount(b"/", "ext4", "8:1", "/dev/sda1", b"/", "rw", "rw"),
            Mount(b"/home", "xfs", "8:2", "/dev/sda2", b"/", "rw", "rw"),
        ]
    )
    assert parses == ["/proc/1/mountinfo"]
    first.clear()  # each caller has a list of its own
    assert reader.mounts() == second


def test_a_changed_table_is_read_afresh(fs: Any, parses: list[str]) -> None:
    fs.create_file(f"{ROOT}/stat", contents=STAT)
    table = fs.create_file(f"{ROOT}/1/mountinfo", contents=TWO)
    reader = ProcfsReader(ROOT)
    assert len(reader.mounts()) == 2
    table.set_contents(ONE)
    assert reader.mounts() == [Mount(b"/", "ext4", "8:1", "/dev/sda1", b"/", "rw", "rw")]
    table.set_contents(TWO)
    assert len(reader.mounts()) == 2
    assert parses == ["/proc/1/mountinfo"] * 3


def test_the_same_bytes_in_another_table_are_parsed_as_that_table(
    fs: Any, parses: list[str]
) -> None:
    fs.create_file(f"{ROOT}/stat", contents=STAT)
    fs.create_file(f"{ROOT}/self/mountinfo", contents=TWO)
    pid1 = fs.create_file(f"{ROOT}/1/mountinfo", contents=TWO)
    reader = ProcfsReader(ROOT)
    assert len(reader.mounts()) == 2
    fs.remove_object(pid1.path)
    assert len(reader.mounts()) == 2
    assert parses == ["/proc/1/mountinfo", "/proc/self/mountinfo"]


def test_a_table_that_does_not_parse_is_not_remembered(fs: Any, parses: list[str]) -> None:
    fs.create_file(f"{ROOT}/stat", contents=STAT)
    fs.create_file(f"{ROOT}/1/mountinfo", contents="bad\n")
    reader = ProcfsReader(ROOT)
    for _ in range(2):
        with pytest.raises(ProcfsFormatError, match=r"^/proc/1/mountinfo: not enough fields"):
            reader.mounts()
    assert parses == ["/proc/1/mountinfo"] * 2
