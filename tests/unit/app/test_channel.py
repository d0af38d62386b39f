"""Choosing the broker channel, and opening it: each rule, each override, each failure."""

import os
import socket
import threading

import pytest

from sysmon.adapters.unix_socket import DialError, dial, socket_path
from sysmon.app.channel import ChannelPlan, open_channel, plan_channel, stdin_state
from sysmon.app.config import ConfigError

FDS = {"RPC_INPUT_FD": "3", "RPC_OUTPUT_FD": "4", "PROCESS_ID": "sysmon"}


def plan(environ=None, stdin=None, **overrides):
    return plan_channel(environ or {}, stdin=stdin, process_id="sysmon", **overrides)


def test_rpc_fds_win_over_everything_automatic():
    chosen = plan(FDS, stdin="/dev/null")
    assert (chosen.transport, chosen.input_fd, chosen.output_fd) == ("fds", 3, 4)
    assert chosen.reason == "RPC_INPUT_FD/RPC_OUTPUT_FD are set"
    assert plan({"RPC_INPUT_FD": "0", "RPC_OUTPUT_FD": "2"}).output_fd == 2


def test_stdin_on_dev_null_means_the_current_brokers_socket():
    chosen = plan({}, stdin="/dev/null")
    assert chosen == ChannelPlan(
        "uds",
        "stdin is /dev/null, as the current broker starts a child",
        uds_path="/tmp/v2e_uds_sysmon.sock",
    )
    assert plan({}, stdin="closed").transport == "uds"
    named = plan_channel({"PROCESS_ID": "sysmon-2"}, stdin="/dev/null", process_id="sysmon-2")
    assert named.uds_path == "/tmp/v2e_uds_sysmon-2.sock"


def test_an_open_stdin_without_rpc_fds_is_stdio():
    chosen = plan({}, stdin=None)
    assert (chosen.transport, chosen.input_fd, chosen.output_fd) == ("stdio", 0, 1)


@pytest.mark.parametrize(
    ("transport", "environ", "expected"),
    [
        ("stdio", FDS, ("stdio", 0, 1, None)),
        ("fds", {}, ("fds", 3, 4, None)),  # without RPC_*: fds 3 and 4
        ("fds", {"RPC_INPUT_FD": "5", "RPC_OUTPUT_FD": "6"}, ("fds", 5, 6, None)),
        ("uds", FDS, ("uds", 0, 1, "/tmp/v2e_uds_sysmon.sock")),
    ],
)
def test_an_override_wins_over_the_rule(transport, environ, expected):
    chosen = plan(environ, stdin="/dev/null", transport=transport, origin="sysmon_transport")
    assert (chosen.transport, chosen.input_fd, chosen.output_fd, chosen.uds_path) == expected
    assert chosen.reason == f"sysmon_transport {transport}"


def test_a_socket_path_alone_means_the_socket_and_goes_with_uds():
    assert plan(FDS, uds_path="/run/b.sock") == ChannelPlan(
        "uds", "a socket path was given", uds_path="/run/b.sock"
    )
    assert plan({}, transport="uds", uds_path="/run/b.sock").uds_path == "/run/b.sock"
    assert plan({}, transport="stdio", uds_path="/run/b.sock").transport == "stdio"


def test_bad_values_are_named():
    with pytest.raises(ConfigError, match="expected fd numbers"):
        plan({"RPC_INPUT_FD": "three", "RPC_OUTPUT_FD": "4"})
    with pytest.raises(ConfigError, match="--transport: bad value 'pipe'"):
        plan({}, transport="pipe")
    with pytest.raises(ConfigError, match="fd 987 is not open"):
        open_channel(plan({"RPC_INPUT_FD": "987", "RPC_OUTPUT_FD": "1"}), sleep=None)


def test_describe_says_where_and_why():
    assert plan({}, stdin="/dev/null").describe() == (
        "the Unix socket /tmp/v2e_uds_sysmon.sock "
        "(stdin is /dev/null, as the current broker starts a child)"
    )
    assert plan(FDS).describe() == "fds 3 and 4 (RPC_INPUT_FD/RPC_OUTPUT_FD are set)"


def test_stdin_state_tells_dev_null_from_a_pipe_and_a_closed_fd():
    null = os.open(os.devnull, os.O_RDONLY)
    read_end, write_end = os.pipe()
    try:
        assert stdin_state(null) == "/dev/null"
        assert stdin_state(read_end) is None
        os.close(write_end)
        os.close(read_end)
        assert stdin_state(read_end) == "closed"
    finally:
        os.close(null)


def test_the_socket_path_is_base_and_id():
    assert socket_path("sysmon") == "/tmp/v2e_uds_sysmon.sock"
    assert socket_path("x", base="/run/v2e") == "/run/v2e_x.sock"


# Dialling, against real sockets in a temporary directory


@pytest.fixture
def short_dir(tmp_path_factory):
    # AF_UNIX paths are limited to about 108 bytes; pytest's tmp paths can be long
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sm-", dir="/tmp") as directory:
        yield directory


def test_an_absent_socket_is_tried_three_times_with_the_frameworks_delays(short_dir):
    slept = []
    path = os.path.join(short_dir, "absent.sock")
    with pytest.raises(DialError) as failure:
        dial(path, slept.append)
    assert slept == [0.1, 0.2]  # the third delay is never used
    assert str(failure.value) == (
        f"cannot connect to the broker's socket {path}: No such file or directory (3 tries)"
    )


def test_a_refusing_socket_is_named_with_its_reason(short_dir):
    path = os.path.join(short_dir, "refusing.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.close()  # the path stays, nobody listens: ECONNREFUSED
    slept = []
    with pytest.raises(DialError, match="Connection refused \\(3 tries\\)"):
        dial(path, slept.append)
    assert slept == [0.1, 0.2]


def test_a_socket_that_appears_after_the_first_try_is_reached(short_dir):
    path = os.path.join(short_dir, "late.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)

    def appear(seconds):
        if not os.path.exists(path):  # the broker starts listening during the first wait
            listener.bind(path)
            listener.listen(1)

    try:
        connection = dial(path, appear)
        accepted, _ = listener.accept()
        connection.sendall(b"ping\n")
        assert accepted.recv(16) == b"ping\n"
        accepted.close()
        connection.close()
    finally:
        listener.close()


def test_open_channel_uses_the_one_connection_both_ways(short_dir):
    path = os.path.join(short_dir, "broker.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]))
    thread.start()
    channel = open_channel(plan({}, transport="uds", uds_path=path), sleep=None)
    thread.join(timeout=5)
    try:
        assert channel.input_fd == channel.output_fd
        os.write(channel.output_fd, b"out\n")
        assert accepted[0].recv(16) == b"out\n"
        accepted[0].sendall(b"in\n")
        assert os.read(channel.input_fd, 16) == b"in\n"
    finally:
        channel.close()
        channel.close()  # twice is harmless
        accepted[0].close()
        listener.close()
