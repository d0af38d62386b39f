"""What the tests that spawn a real sysmon share: finding the console script, feeding it.

Importable as ``spawned`` from any test (``tests/`` is on sys.path through its
conftest) and from ``scripts/`` (which add ``tests/`` themselves).
"""

from __future__ import annotations

import atexit
import functools
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def sysmon_executable() -> str:
    """The installed ``sysmon`` console script, beside this interpreter or on PATH."""
    beside = Path(sys.executable).with_name("sysmon")
    found = str(beside) if beside.exists() else shutil.which("sysmon")
    if found is None:
        raise RuntimeError("the sysmon console script is not installed (pip install -e .)")
    return found


@functools.cache
def sysmon_command_for_any_user() -> list[str]:
    """A command that runs this checkout's sysmon as any uid (given the interpreter the
    venv was made from is within that uid's reach: see ``interpreter_runs_as``).

    The clone (and so .venv) may sit in a directory only its owner may enter (mode 0700,
    as ``mktemp -d`` makes): the package and its one dependency are copied to a
    world-readable temporary directory, removed at exit, and run by the interpreter the
    venv was made from.
    """
    import dependency_injector

    import sysmon

    python = Path(sys.executable).resolve()
    copy = Path(tempfile.mkdtemp(prefix="sysmon-any-user-"))
    atexit.register(shutil.rmtree, copy, True)
    for package in (sysmon, dependency_injector):
        source = Path(package.__file__).parent
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(source, copy / source.name, ignore=ignore, copy_function=shutil.copyfile)
    for directory, _, files in os.walk(copy):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o755 if name.endswith(".so") else 0o644)
    return [str(python), "-s", "-B", "-c",
            f"import sys; sys.path.insert(0, {str(copy)!r}); "
            "from sysmon.app.cli import main; sys.exit(main())"]  # fmt: skip


def interpreter_runs_as(wrapper: tuple[str, ...] | list[str]) -> bool:
    """Whether the venv's base interpreter starts under ``wrapper`` (``setpriv …`` to
    another uid): one installed under a private home directory would not."""
    python = str(Path(sys.executable).resolve())
    probe = subprocess.run([*wrapper, python, "-c", ""], capture_output=True, timeout=60,
                           check=False, cwd="/")  # fmt: skip
    return probe.returncode == 0


def write_all(fd: int, data: bytes) -> None:
    """Write every byte to ``fd``, however the pipe splits the writes."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_line(fd: int, timeout: float) -> bytes:
    """One line from the pipe ``fd``, read a byte at a time so that nothing past it is
    taken; TimeoutError if it has not come whole within ``timeout`` seconds, EOFError
    at end of input first."""
    deadline = time.monotonic() + timeout
    line = bytearray()
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError(f"no whole line within {timeout:g}s; so far {bytes(line)!r}")
        byte = os.read(fd, 1)
        if not byte:
            raise EOFError(f"end of output before a whole line; so far {bytes(line)!r}")
        line += byte
    return bytes(line)


def spawn_guarded(
    host: Path, workdir: Path, stderr_path: Path, guard: float
) -> tuple[subprocess.Popen[bytes], threading.Timer]:
    """sysmon on a host tree over pipes, stderr to a file, killed if it outlives ``guard``
    seconds: a hang guard, not a time limit. Cancel the returned timer when done."""
    with open(stderr_path, "wb") as stderr:
        child = subprocess.Popen(
            [sysmon_executable(), "--procfs", str(host / "proc"), "--rootfs", str(host / "rootfs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=workdir,
        )
    assert child.stdin is not None and child.stdout is not None
    watchdog = threading.Timer(guard, child.kill)
    watchdog.start()
    return child, watchdog
