"""Bounded blocking calls: on reused daemon workers, never more than one hung per key."""

from __future__ import annotations

import itertools
import os
import threading
import weakref
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any

# How many idle workers a deadline keeps for the next calls. One caller needs one; a
# few more let concurrent callers (or a worker that was hung and came back) be reused.
MAX_IDLE_WORKERS = 4


class _Call:
    """One call handed to a worker. ``done`` is a lock taken at creation and released by
    the worker once ``result`` or ``error`` is set: the cheapest one-shot event there is."""

    __slots__ = ("done", "error", "finished", "fn", "result")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Lock()
        self.done.acquire()
        self.result: Any = None
        self.error: BaseException | None = None
        self.finished = False  # set under the deadline's lock, before ``done`` is released


# A worker's inbox: the calls it is handed, one at a time.
_Inbox = SimpleQueue[_Call]

_live: weakref.WeakSet[ThreadDeadline] = weakref.WeakSet()
_names = itertools.count(1)


class ThreadDeadline:
    """Runs each call on a daemon worker thread and waits at most ``timeout`` for it.

    Workers are long-lived and reused: a call is handed to an idle worker through its
    inbox, and a new worker is started only when none is idle. A worker that does not
    answer in time is stuck in the kernel and cannot be killed: it is remembered under
    its key, the key answers ``TimeoutError`` at once until the worker returns, and
    meanwhile other keys are served by other workers. A worker that returns becomes
    idle again (or stops, when enough are idle already). Daemon threads never hold the
    process's exit.
    """

    def __init__(self, max_idle: int = MAX_IDLE_WORKERS) -> None:
        self._max_idle = max_idle
        self._hung: dict[str, _Call] = {}
        self._idle: list[_Inbox] = []
        self._lock = threading.Lock()
        _live.add(self)

    def call(self, key: str, fn: Callable[[], Any], timeout: float) -> Any:
        with self._lock:
            hung = self._hung.get(key)
            if hung is not None:
                if not hung.finished:
                    raise TimeoutError(f"still hung since an earlier call: {key}")
                del self._hung[key]
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = self._start_worker()
        call = _Call(fn)
        inbox.put(call)
        # As threading.Event.wait does it: no positive timeout means no wait at all.
        answered = call.done.acquire(True, timeout) if timeout > 0 else call.done.acquire(False)
        if not answered:
            with self._lock:
                if not call.finished:
                    self._hung[key] = call
                    raise TimeoutError(f"no answer within {timeout:g}s")
            # it finished just as the wait ran out: the answer is there
        if call.error is not None:
            raise call.error
        return call.result

    @property
    def hung_keys(self) -> list[str]:
        with self._lock:
            return sorted(k for k, c in self._hung.items() if not c.finished)

    def _start_worker(self) -> _Inbox:
        inbox: _Inbox = SimpleQueue()
        threading.Thread(
            target=self._serve, args=(inbox,), name=f"sysmon-deadline-{next(_names)}", daemon=True
        ).start()
        return inbox

    def _serve(self, inbox: _Inbox) -> None:
        while True:
            call = inbox.get()
            try:
                call.result = call.fn()
            except BaseException as error:
                call.error = error
            # Back in the idle list before the caller wakes, so that its next call finds
            # this worker instead of starting another.
            with self._lock:
                call.finished = True
                keep = len(self._idle) < self._max_idle
                if keep:
                    self._idle.append(inbox)
            call.done.release()
            del call  # the result belongs to the caller alone now
            if not keep:
                return

    def _after_fork(self) -> None:
        # Only the forking thread survives a fork: the workers are gone, and with them
        # any hung call, which would otherwise block its key forever.
        self._lock = threading.Lock()
        self._idle = []
        self._hung = {}


def _reset_after_fork() -> None:
    for deadline in list(_live):
        deadline._after_fork()


os.register_at_fork(after_in_child=_reset_after_fork)


class InlineDeadline:
    """Runs calls in the caller's thread: for fake hosts, where nothing blocks for real.

    ``hang(key)`` makes a key time out, as a stale network mount would, so that a
    simulation decides which measurement hangs.
    """

    def __init__(self) -> None:
        self.hanging: set[str] = set()

    def hang(self, key: str) -> None:
        self.hanging.add(key)

    def release(self, key: str) -> None:
        self.hanging.discard(key)

    def call(self, key: str, fn: Callable[[], Any], timeout: float) -> Any:
        if key in self.hanging:
            raise TimeoutError(f"no answer within {timeout:g}s")
        return fn()
