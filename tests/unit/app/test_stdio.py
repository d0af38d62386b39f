import errno
import fcntl
import os
import select
import threading
import time

import pytest
from needs import need

from sysmon.adapters.stdio import (
    FdWriter,
    LineSplitter,
    MemoryWriter,
    OutputClosed,
    Oversized,
)

# LineSplitter


def test_lines_are_cut_at_newlines_and_a_partial_tail_waits_for_the_next_chunk():
    splitter = LineSplitter(100)
    assert splitter.feed(b'{"a":1}\n{"b"') == [b'{"a":1}']
    assert splitter.buffered == 4
    assert splitter.feed(b":2}\n\n{") == [b'{"b":2}', b""]
    assert splitter.feed(b"}\n") == [b"{}"]
    assert splitter.buffered == 0


def test_crlf_endings_lose_their_carriage_return_even_when_split_between_chunks():
    splitter = LineSplitter(100)
    assert splitter.feed(b"one\r\ntwo\r") == [b"one"]
    assert splitter.feed(b"\nthree\r\n") == [b"two", b"three"]


def test_finish_gives_the_last_line_without_newline_once():
    splitter = LineSplitter(100)
    assert splitter.feed(b"first\nlast") == [b"first"]
    assert splitter.finish() == [b"last"]
    assert splitter.finish() == []


def test_finish_strips_a_final_carriage_return():
    splitter = LineSplitter(100)
    splitter.feed(b"last\r")
    assert splitter.finish() == [b"last"]


def test_a_line_of_exactly_the_cap_passes_and_one_byte_more_is_oversized():
    splitter = LineSplitter(8)
    assert splitter.feed(b"12345678\n123456789\nok\n") == [b"12345678", Oversized(8), b"ok"]


def test_a_long_line_across_chunks_gives_one_marker_and_is_never_held_whole():
    splitter = LineSplitter(1000)
    out = splitter.feed(b"x" * 600)
    assert out == []
    out = splitter.feed(b"x" * 600)
    assert out == [Oversized(1000)]
    for _ in range(100):  # 6 MB more of the same line: skipped as it arrives
        assert splitter.feed(b"x" * 60_000) == []
        assert splitter.buffered == 0
    assert splitter.feed(b'xxx\n{"next":1}\n') == [b'{"next":1}']


def test_a_long_line_finished_by_its_newline_in_a_later_chunk_is_oversized_once():
    splitter = LineSplitter(10)
    assert splitter.feed(b"123456") == []
    assert splitter.feed(b"7890ab\nok\n") == [Oversized(10), b"ok"]


def test_end_of_input_inside_a_skipped_line_gives_nothing_more():
    splitter = LineSplitter(4)
    assert splitter.feed(b"toolong") == [Oversized(4)]
    assert splitter.finish() == []


def test_the_cap_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        LineSplitter(0)


# FdWriter


def test_fd_writer_puts_every_byte_on_a_pipe():
    read_fd, write_fd = os.pipe()
    try:
        FdWriter(write_fd).write(b'{"type":"event"}\n')
        assert os.read(read_fd, 100) == b'{"type":"event"}\n'
    finally:
        os.close(read_fd)
        os.close(write_fd)


def _drain(read_fd, into):
    while chunk := os.read(read_fd, 65536):
        into.append(chunk)


def _flush_until_done(writer, timeout=30.0):
    """What the serving loop does: poll for POLLOUT, flush, until nothing is held."""
    poller = select.poll()
    poller.register(writer.fd, select.POLLOUT)
    deadline = time.monotonic() + timeout
    while not writer.flush():
        assert time.monotonic() < deadline, f"{writer.pending} bytes still held"
        poller.poll(100)


@pytest.mark.parametrize("nonblocking", [False, True])
def test_fd_writer_holds_what_the_pipe_cannot_take_and_flush_finishes_it(nonblocking):
    read_fd, write_fd = os.pipe()
    if nonblocking:
        flags = fcntl.fcntl(write_fd, fcntl.F_GETFL)
        fcntl.fcntl(write_fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    data = bytes(range(256)) * 8192  # 2 MiB, far above a pipe's 64 KiB
    writer = FdWriter(write_fd)
    writer.write(data)  # returns at once: nobody reads yet
    assert 0 < writer.pending < len(data)
    writer.write(b"next\n")  # kept behind the rest, in order
    received = []
    reader = threading.Thread(target=_drain, args=(read_fd, received))
    reader.start()
    _flush_until_done(writer)
    writer.restore()
    os.close(write_fd)
    reader.join(timeout=30)
    os.close(read_fd)
    assert b"".join(received) == data + b"next\n"


def test_fd_writer_makes_a_pipe_non_blocking_and_restore_gives_its_mode_back():
    read_fd, write_fd = os.pipe()
    try:
        writer = FdWriter(write_fd)
        assert fcntl.fcntl(write_fd, fcntl.F_GETFL) & os.O_NONBLOCK
        writer.restore()
        assert not fcntl.fcntl(write_fd, fcntl.F_GETFL) & os.O_NONBLOCK
        writer.restore()  # twice is harmless
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_fd_writer_leaves_a_regular_file_blocking(tmp_path):
    fd = os.open(tmp_path / "out", os.O_WRONLY | os.O_CREAT)
    try:
        writer = FdWriter(fd)
        assert not fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK
        writer.write(b"x" * 300_000)
        assert writer.pending == 0
    finally:
        os.close(fd)
    assert (tmp_path / "out").read_bytes() == b"x" * 300_000


def test_fd_writer_writes_nothing_for_nothing():
    read_fd, write_fd = os.pipe()
    try:
        writer = FdWriter(write_fd)
        writer.write(b"")
        assert writer.flush()
        writer.write(b"a\n")
        os.close(write_fd)
        write_fd = None
        assert os.read(read_fd, 10) == b"a\n"
        assert os.read(read_fd, 10) == b""
    finally:
        os.close(read_fd)
        if write_fd is not None:
            os.close(write_fd)


def test_fd_writer_waits_when_a_non_blocking_pipe_is_already_full():
    read_fd, write_fd = os.pipe()
    flags = fcntl.fcntl(write_fd, fcntl.F_GETFL)
    fcntl.fcntl(write_fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    filled = 0
    with pytest.raises(BlockingIOError):
        while True:
            filled += os.write(write_fd, b"f" * 4096)
    writer = FdWriter(write_fd)
    writer.write(b"after\n")
    assert writer.pending == 6
    received = []
    reader = threading.Thread(target=_drain, args=(read_fd, received))
    reader.start()
    _flush_until_done(writer)
    os.close(write_fd)
    reader.join(timeout=30)
    os.close(read_fd)
    assert b"".join(received) == b"f" * filled + b"after\n"


def test_fd_writer_reports_a_pipe_without_reader_as_output_closed():
    read_fd, write_fd = os.pipe()
    os.close(read_fd)
    try:
        with pytest.raises(OutputClosed) as caught:
            FdWriter(write_fd).write(b"x\n")
        assert caught.value.fd == write_fd
        assert isinstance(caught.value.__cause__, BrokenPipeError)
    finally:
        os.close(write_fd)


def test_fd_writer_reports_a_closed_fd_as_output_closed():
    read_fd, write_fd = os.pipe()
    os.close(read_fd)
    os.close(write_fd)
    with pytest.raises(OutputClosed) as caught:
        FdWriter(write_fd).write(b"x\n")
    assert caught.value.__cause__.errno == errno.EBADF


def test_fd_writer_lets_other_write_errors_through():
    need(os.path.exists("/dev/full"), "needs /dev/full, a device whose writes fail")
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        with pytest.raises(OSError) as caught:
            FdWriter(fd).write(b"x\n")
        assert caught.value.errno == errno.ENOSPC
        assert not isinstance(caught.value, OutputClosed)
    finally:
        os.close(fd)


# MemoryWriter


def test_memory_writer_decodes_lines_and_messages():
    writer = MemoryWriter()
    writer.write(b'{"a":1}\n')
    writer.write(b'{"b":"\\u00e9"}\n{"c":null}\n')
    assert writer.lines() == ['{"a":1}', '{"b":"\\u00e9"}', '{"c":null}']
    assert writer.messages() == [{"a": 1}, {"b": "é"}, {"c": None}]
    writer.clear()
    assert writer.messages() == []


def test_memory_writer_refuses_output_without_final_newline():
    writer = MemoryWriter()
    writer.write(b'{"a":1}')
    with pytest.raises(AssertionError, match="newline"):
        writer.lines()


def test_a_closed_memory_writer_fails_like_a_dead_pipe():
    writer = MemoryWriter()
    writer.write(b"kept\n")
    writer.close()
    with pytest.raises(OutputClosed):
        writer.write(b"lost\n")
    assert writer.lines() == ["kept"]
