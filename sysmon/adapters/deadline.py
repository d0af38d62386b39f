"""Bounded blocking calls: on reused daemon workers, never more than one hung per key."""

from __future__ import annotations

import itertools
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from queue import SimpleQueue
from typing import Any

# How many idle workers a deadline keeps for the next calls. One caller needs one; a
# few more let concurrent callers (or a worker that was hung and came back) be reused.
MAX_IDLE_WORKERS = 4


class _Call:
    """One call handed to a worker. ``done`` is a lock taken at creation and released by
    the worker once ``result`` or ``error`` is set: the cheapest one-shot event there is."""

    __slots__ = ("abandoned", "done", "error", "finished", "fn", "result")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Lock()
        self.done.acquire()
        self.result: Any = None
        self.error: BaseException | None = None
        self.finished = False  # set under the deadline's lock, before ``done`` is released
        # set under the deadline's lock when the call before it in its batch hung and the
        # rest of the batch went to another worker: this worker must not start it
        self.abandoned = False


# A worker's inbox: the batches it is handed, one at a time; it runs a batch in order.
_Inbox = SimpleQueue[list[_Call]]

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
        (outcome,) = self.call_each([(key, fn)], timeout)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def call_each(
        self, calls: Sequence[tuple[str, Callable[[], Any]]], timeout: float
    ) -> list[Any]:
        """Runs the calls one after another on one worker: one hand-off for the lot.

        Each call keeps its own deadline, counted from when the one before it answered.
        A call that hangs stays with its worker; the calls after it go on, in a fresh
        batch, on another worker. Each outcome is the result or the exception raised.
        """
        outcomes: list[Any] = [None] * len(calls)
        pending: list[tuple[int, str, Callable[[], Any]]] = []
        with self._lock:
            for index, (key, fn) in enumerate(calls):
                hung = self._hung.get(key)
                if hung is not None:
                    if not hung.finished:
                        outcomes[index] = TimeoutError(f"still hung since an earlier call: {key}")
                        continue
                    del self._hung[key]
                pending.append((index, key, fn))
        while pending:
            pending = self._run_batch(pending, timeout, outcomes)
        return outcomes

    def _run_batch(
        self,
        pending: list[tuple[int, str, Callable[[], Any]]],
        timeout: float,
        outcomes: list[Any],
    ) -> list[tuple[int, str, Callable[[], Any]]]:
        """Hands ``pending`` to one worker; returns the calls left when one of them hung."""
        batch = [_Call(fn) for _, _, fn in pending]
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = self._start_worker()
        inbox.put(batch)
        for position, call in enumerate(batch):
            index, key, _ = pending[position]
            # As threading.Event.wait does it: no positive timeout means no wait at all.
            answered = call.done.acquire(True, timeout) if timeout > 0 else call.done.acquire(False)
            if not answered:
                with self._lock:
                    if not call.finished:
                        self._hung[key] = call
                        for later in batch[position + 1 :]:
                            later.abandoned = True
                        outcomes[index] = TimeoutError(f"no answer within {timeout:g}s")
                        return pending[position + 1 :]
                # it finished just as the wait ran out: the answer is there
            outcomes[index] = call.result if call.error is None else call.error
        return []

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
            batch = inbox.get()
            last = len(batch) - 1
            for position, call in enumerate(batch):
                try:
                    call.result = call.fn()
                except BaseException as error:
                    call.error = error
                # Back in the idle list before the caller wakes, so that its next call
                # finds this worker instead of starting another. The rest of the batch is
                # read under the same lock: a caller that gave up on this call has, by
                # then, marked the rest abandoned.
                with self._lock:
                    call.finished = True
                    done = position == last or batch[position + 1].abandoned
                    keep = len(self._idle) < self._max_idle
                    if done and keep:
                        self._idle.append(inbox)
                call.done.release()
                del call  # the result belongs to the caller alone now
                if done:
                    break
            del batch
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

    def call_each(
        self, calls: Sequence[tuple[str, Callable[[], Any]]], timeout: float
    ) -> list[Any]:
        outcomes: list[Any] = []
        for key, fn in calls:
            try:
                outcomes.append(self.call(key, fn, timeout))
            except Exception as error:
                outcomes.append(error)
        return outcomes
