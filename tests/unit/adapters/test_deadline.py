"""ThreadDeadline: answers, errors, timeouts, hung keys, and workers reused, not piled up.

Nothing here asserts on how long anything takes: a hung call is an Event the test
holds, and the short timeouts only decide how long the test waits for it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from sysmon.adapters.deadline import InlineDeadline, ThreadDeadline

SHORT = 0.05  # how long a call that the test keeps blocked is waited for


GUARD = 30.0  # a hang guard for waiting on the test's own threads, not a time limit


def workers() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("sysmon-deadline")}


def until(condition: Callable[[], bool]) -> bool:
    """Poll ``condition`` until it holds (or the hang guard runs out)."""
    stop = threading.Event()
    timer = threading.Timer(GUARD, stop.set)
    timer.start()
    try:
        while not condition():
            if stop.wait(0.001):
                return condition()
        return True
    finally:
        timer.cancel()


class Blocked:
    """A call that stays in its worker until the test sets ``gate``; it notes that worker."""

    def __init__(self, gates: list[threading.Event]) -> None:
        self.gate = threading.Event()
        gates.append(self.gate)
        self.thread: threading.Thread | None = None

    def __call__(self) -> str:
        self.thread = threading.current_thread()
        self.gate.wait()
        return "late"


@pytest.fixture
def gates() -> Iterator[list[threading.Event]]:
    """Gates of the calls a test holds; all are opened at the end so no worker stays stuck."""
    made: list[threading.Event] = []
    yield made
    for gate in made:
        gate.set()


def back(deadline: ThreadDeadline, *keys: str) -> None:
    """Wait until the hung calls under ``keys`` have returned."""
    assert until(lambda: not set(keys) & set(deadline.hung_keys))


def test_the_call_runs_on_a_daemon_worker_and_its_answer_comes_back() -> None:
    deadline = ThreadDeadline()
    seen: list[threading.Thread] = []

    def fn() -> int:
        seen.append(threading.current_thread())
        return 42

    assert deadline.call("/", fn, 1.0) == 42
    (thread,) = seen
    assert thread is not threading.current_thread()
    assert thread.daemon
    assert deadline.hung_keys == []


def test_the_calls_error_is_raised_in_the_caller() -> None:
    deadline = ThreadDeadline()

    def fn() -> None:
        raise PermissionError(13, "Permission denied")

    with pytest.raises(PermissionError, match="Permission denied"):
        deadline.call("/", fn, 1.0)
    assert deadline.call("/", lambda: "next", 1.0) == "next"


def test_repeated_calls_reuse_one_worker() -> None:
    deadline = ThreadDeadline()
    seen: set[threading.Thread] = set()
    for _ in range(200):
        deadline.call("/", lambda: seen.add(threading.current_thread()), 1.0)
    assert len(seen) == 1


def test_a_hung_call_times_out_and_its_key_answers_at_once_meanwhile(
    gates: list[threading.Event],
) -> None:
    deadline = ThreadDeadline()
    hung = Blocked(gates)
    with pytest.raises(TimeoutError, match=re.escape("no answer within 0.05s")):
        deadline.call("/mnt/nfs", hung, SHORT)
    assert deadline.hung_keys == ["/mnt/nfs"]
    started: list[int] = []
    for _ in range(50):
        with pytest.raises(TimeoutError, match="still hung since an earlier call: /mnt/nfs"):
            deadline.call("/mnt/nfs", lambda: started.append(1), 1.0)
    assert started == []  # never handed to a worker, so nothing piles up
    hung.gate.set()
    back(deadline, "/mnt/nfs")
    assert deadline.hung_keys == []
    assert deadline.call("/mnt/nfs", lambda: "back", 1.0) == "back"


def test_other_keys_are_served_by_a_fresh_worker_while_one_is_hung(
    gates: list[threading.Event],
) -> None:
    deadline = ThreadDeadline()
    hung = Blocked(gates)
    with pytest.raises(TimeoutError):
        deadline.call("/mnt/nfs", hung, SHORT)
    served: set[threading.Thread] = set()
    for _ in range(20):
        deadline.call("/", lambda: served.add(threading.current_thread()), 1.0)
    assert len(served) == 1
    assert hung.thread is not None
    assert hung.thread not in served
    assert hung.thread.is_alive()
    hung.gate.set()
    back(deadline, "/mnt/nfs")


def test_at_most_one_hung_worker_per_key_and_hung_workers_are_reused_once_back(
    gates: list[threading.Event],
) -> None:
    deadline = ThreadDeadline()
    before = workers()
    hung_a, hung_b = Blocked(gates), Blocked(gates)
    with pytest.raises(TimeoutError):
        deadline.call("a", hung_a, SHORT)
    with pytest.raises(TimeoutError):
        deadline.call("b", hung_b, SHORT)
    for _ in range(20):
        for key in ("a", "b"):
            with pytest.raises(TimeoutError, match="still hung"):
                deadline.call(key, lambda: None, 1.0)
    assert deadline.hung_keys == ["a", "b"]
    assert workers() - before == {hung_a.thread, hung_b.thread}
    hung_a.gate.set()
    hung_b.gate.set()
    back(deadline, "a", "b")
    seen: set[threading.Thread] = set()
    for key in ("a", "b", "c") * 10:
        deadline.call(key, lambda: seen.add(threading.current_thread()), 1.0)
    assert seen <= {hung_a.thread, hung_b.thread}  # no new worker: those that came back serve


def test_no_positive_timeout_means_no_wait(gates: list[threading.Event]) -> None:
    deadline = ThreadDeadline()
    hung = Blocked(gates)
    with pytest.raises(TimeoutError, match="no answer within 0s"):
        deadline.call("/", hung, 0)
    assert deadline.hung_keys == ["/"]
    hung.gate.set()
    back(deadline, "/")


def test_workers_beyond_the_idle_limit_stop_when_they_come_back(
    gates: list[threading.Event],
) -> None:
    deadline = ThreadDeadline(max_idle=1)
    hung = [Blocked(gates) for _ in range(3)]
    for index, call in enumerate(hung):
        with pytest.raises(TimeoutError):
            deadline.call(f"k{index}", call, SHORT)
    mine = {call.thread for call in hung}
    assert None not in mine
    assert len(mine) == 3
    for call in hung:
        call.gate.set()
    back(deadline, "k0", "k1", "k2")
    assert until(lambda: sum(t.is_alive() for t in mine if t is not None) == 1)
    seen: set[threading.Thread] = set()
    for index in range(10):
        deadline.call(f"k{index % 3}", lambda: seen.add(threading.current_thread()), 1.0)
    assert len(seen) == 1
    assert seen <= mine


def test_a_hung_worker_does_not_hold_the_process_exit() -> None:
    script = (
        "import threading\n"
        "from sysmon.adapters.deadline import ThreadDeadline\n"
        "d = ThreadDeadline()\n"
        "d.call('/', lambda: 1, 1.0)\n"
        "try:\n"
        "    d.call('/mnt/nfs', threading.Event().wait, 0.01)\n"
        "except TimeoutError:\n"
        "    print('timed out', d.hung_keys)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout == "timed out ['/mnt/nfs']\n"


def test_inline_deadline_runs_in_the_caller_and_hangs_on_request() -> None:
    deadline = InlineDeadline()
    assert deadline.call("/", threading.current_thread, 1.0) is threading.current_thread()
    deadline.hang("/")
    with pytest.raises(TimeoutError, match="no answer within 1s"):
        deadline.call("/", lambda: None, 1.0)
    deadline.release("/")
    assert deadline.call("/", lambda: 7, 1.0) == 7


def test_a_forked_child_starts_afresh(gates: list[threading.Event]) -> None:
    deadline = ThreadDeadline()
    deadline.call("/", lambda: None, 1.0)  # an idle worker, which the child will not have
    hung = Blocked(gates)
    with pytest.raises(TimeoutError):
        deadline.call("/mnt/nfs", hung, SHORT)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: only this thread survives the fork
        try:
            answer = (
                deadline.hung_keys,
                deadline.call("/", lambda: "child", 1.0),
                deadline.call("/mnt/nfs", lambda: "child", 1.0),
            )
            os.write(write_fd, repr(answer).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        said = pipe.read()
    os.waitpid(pid, 0)
    assert said == repr(([], "child", "child")).encode()
    assert deadline.hung_keys == ["/mnt/nfs"]
    hung.gate.set()
    back(deadline, "/mnt/nfs")


def test_a_batch_runs_in_order_on_one_worker_in_one_hand_off() -> None:
    deadline = ThreadDeadline()
    order: list[tuple[str, threading.Thread]] = []

    def note(key: str) -> Callable[[], str]:
        def fn() -> str:
            order.append((key, threading.current_thread()))
            return key.upper()

        return fn

    keys = ["/", "/boot", "/home"]
    assert deadline.call_each([(k, note(k)) for k in keys], 1.0) == ["/", "/BOOT", "/HOME"]
    assert [k for k, _ in order] == keys
    assert len({t for _, t in order}) == 1
    assert order[0][1] is not threading.current_thread()


def test_a_batch_returns_each_calls_error_in_its_place() -> None:
    deadline = ThreadDeadline()

    def denied() -> None:
        raise PermissionError(13, "Permission denied")

    outcomes = deadline.call_each([("a", lambda: 1), ("b", denied), ("c", lambda: 3)], 1.0)
    assert outcomes[0] == 1
    assert isinstance(outcomes[1], PermissionError)
    assert outcomes[1].strerror == "Permission denied"
    assert outcomes[2] == 3


def test_a_hung_call_in_the_middle_of_a_batch_times_out_alone(
    gates: list[threading.Event],
) -> None:
    deadline = ThreadDeadline()
    before = workers()
    hung = Blocked(gates)
    ran: list[threading.Thread] = []

    def fine(value: str) -> Callable[[], str]:
        def fn() -> str:
            ran.append(threading.current_thread())
            return value

        return fn

    outcomes = deadline.call_each(
        [("/", fine("root")), ("/mnt/nfs", hung), ("/home", fine("home"))], SHORT
    )
    assert outcomes[0] == "root"
    assert isinstance(outcomes[1], TimeoutError)
    assert str(outcomes[1]) == "no answer within 0.05s"
    assert outcomes[2] == "home"
    assert deadline.hung_keys == ["/mnt/nfs"]
    first, after = ran
    assert hung.thread is first  # the batch's worker took the hang with it
    assert after is not first  # the rest went on, on another worker
    # repeated batches: the hung key answers at once, no second worker for it
    for _ in range(20):
        again = deadline.call_each(
            [("/", fine("root")), ("/mnt/nfs", lambda: "never"), ("/home", fine("home"))], 1.0
        )
        assert again[0] == "root"
        assert again[2] == "home"
        assert isinstance(again[1], TimeoutError)
        assert str(again[1]) == "still hung since an earlier call: /mnt/nfs"
    assert workers() - before == {first, after}
    hung.gate.set()
    back(deadline, "/mnt/nfs")
    # the hung worker finished its own call only: the calls after it ran once, elsewhere
    assert ran.count(first) == 1
    assert deadline.call_each([("/mnt/nfs", lambda: "back")], 1.0) == ["back"]


def test_two_hung_calls_in_a_batch_hold_one_worker_each(gates: list[threading.Event]) -> None:
    deadline = ThreadDeadline()
    before = workers()
    hung_a, hung_b = Blocked(gates), Blocked(gates)
    outcomes = deadline.call_each([("a", hung_a), ("b", hung_b), ("c", lambda: "c")], SHORT)
    assert [type(o) for o in outcomes[:2]] == [TimeoutError, TimeoutError]
    assert outcomes[2] == "c"
    assert deadline.hung_keys == ["a", "b"]
    assert hung_a.thread is not None
    assert hung_b.thread is not None
    assert hung_a.thread is not hung_b.thread
    assert len(workers() - before) == 3
    hung_a.gate.set()
    hung_b.gate.set()
    back(deadline, "a", "b")


def test_inline_deadline_batches_in_the_caller() -> None:
    deadline = InlineDeadline()
    deadline.hang("/nfs")
    outcomes = deadline.call_each([("/", lambda: 1), ("/nfs", lambda: 2), ("/x", lambda: 3)], 2.0)
    assert outcomes[0] == 1
    assert isinstance(outcomes[1], TimeoutError)
    assert str(outcomes[1]) == "no answer within 2s"
    assert outcomes[2] == 3
