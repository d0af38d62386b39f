"""Bounded blocking calls: a daemon thread per call, never more than one hung per key."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class _Call:
    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


class ThreadDeadline:
    """Runs each call on a daemon thread and waits at most ``timeout`` for it.

    A thread stuck in the kernel cannot be killed; it is remembered under its key
    and the key answers ``TimeoutError`` at once until the thread returns. Daemon
    threads never hold the process's exit.
    """

    def __init__(self) -> None:
        self._hung: dict[str, _Call] = {}
        self._lock = threading.Lock()

    def call(self, key: str, fn: Callable[[], Any], timeout: float) -> Any:
        with self._lock:
            hung = self._hung.get(key)
            if hung is not None and not hung.done.is_set():
                raise TimeoutError(f"still hung since an earlier call: {key}")
            self._hung.pop(key, None)
        call = _Call()

        def run() -> None:
            try:
                call.result = fn()
            except BaseException as error:
                call.error = error
            finally:
                call.done.set()

        threading.Thread(target=run, name=f"sysmon-deadline:{key}", daemon=True).start()
        if not call.done.wait(timeout):
            with self._lock:
                self._hung[key] = call
            raise TimeoutError(f"no answer within {timeout:g}s")
        if call.error is not None:
            raise call.error
        return call.result

    @property
    def hung_keys(self) -> list[str]:
        with self._lock:
            return sorted(k for k, c in self._hung.items() if not c.done.is_set())


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
