"""``sysmon top [--interval SECONDS] [--once]``: the live view, in-process like ``sysmon call``.

It reads through the same container and ports as the service, with the cache off
(every frame is read afresh). Where it draws:

- a terminal, NO_COLOR unset: the full-screen view (``screen``, with rich);
- ``--once``: one frame after one interval, then exit (in colour on a terminal);
- NO_COLOR, or output that is not a terminal: a plain frame each interval, as
  ``top -b`` prints, as wide as ``$COLUMNS`` (else 80) off a terminal.

With ``--fake-host`` the host plays in simulated time, one step per frame: the
scenario's own ``time.step``, else ``--sim-step``, else the interval.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import IO

from sysmon.app.config import ConfigError, Settings, apply_overrides
from sysmon.app.container import Container
from sysmon.app.top.frames import FrameClock
from sysmon.app.top.layout import Layout, plain

DEFAULT_COLUMNS = 80
INSTALL_HINT = (
    "sysmon top draws with rich: pip install 'sysmon-service[top]' (or .[top] in a clone)"
)


def _fail(message: str) -> int:
    sys.stderr.write(f"sysmon top: {message}\n")
    return 1


def plain_width(environ: dict[str, str] | os._Environ[str]) -> int:
    """Off a terminal: ``$COLUMNS`` when it is a whole number above 0, else 80."""
    text = environ.get("COLUMNS", "")
    return int(text) if text.isdigit() and int(text) > 0 else DEFAULT_COLUMNS


def wants_screen(stdout: IO[str], environ: dict[str, str] | os._Environ[str]) -> bool:
    """The full-screen view: stdout is a terminal and NO_COLOR is unset (or empty)."""
    return stdout.isatty() and not environ.get("NO_COLOR")


def run_top(
    args: argparse.Namespace,
    load_settings: Callable[[argparse.Namespace], Settings],
    setup_logging: Callable[[Settings], object],
) -> int:
    from sysmon.app.cli import DEFAULT_INTERVAL, sim_step_of
    from sysmon.app.container import build_container

    interval = DEFAULT_INTERVAL if args.interval is None else args.interval
    try:
        # every frame read afresh; a person at a terminal sees warnings, not the info
        # lines a service logs (unless --log-level asks for them)
        quiet = None if args.log_level else "WARNING"
        settings = apply_overrides(load_settings(args), {"cache_duration": 0.0, "log_level": quiet})
        sim_step = sim_step_of(args)
    except ConfigError as error:
        return _fail(str(error))
    terminal = wants_screen(sys.stdout, os.environ)  # colour: the screen, or --once's frame
    if terminal:
        try:
            import rich  # noqa: F401  (checked before anything is drawn)
        except ImportError:
            return _fail(INSTALL_HINT)
    setup_logging(settings)
    return _run(args, build_container(settings), interval, sim_step, terminal=terminal)


def _run(
    args: argparse.Namespace,
    container: Container,
    interval: float,
    sim_step: float | None,
    *,
    terminal: bool,
) -> int:
    """The view over ``container``, its fake host (if any) served for as long as it runs."""
    with contextlib.ExitStack() as stack:
        step = None
        if args.fake_host is not None:
            from sysmon.app.fake_host_mode import fake_host_session

            try:
                session = stack.enter_context(
                    fake_host_session(
                        args.fake_host, container, sim_step=sim_step, default_step=interval
                    )
                )
            except ConfigError as error:
                return _fail(str(error))
            assert session.time is not None  # top always plays a fake host in simulated time
            step = session.time.step
        from sysmon.app.top.snapshot import SnapshotSource

        source = SnapshotSource(container.metrics(), container.procfs(), container.clock())
        frames = FrameClock(source, interval, time.sleep, step)
        try:
            if terminal and not args.once:
                from sysmon.app.top.screen import run_screen

                return run_screen(frames, sys.stdin)
            return _print_frames(frames, once=args.once, colour=terminal and args.once)
        except KeyboardInterrupt:
            return 0
        except BrokenPipeError:  # `sysmon top | head`: the reader has had enough
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except ConfigError as error:  # a scenario step that fails as time passes
            return _fail(str(error))


def _print_frames(frames: FrameClock, *, once: bool, colour: bool) -> int:
    """``--once``, or the batch mode: plain frames (coloured for ``--once`` on a terminal)."""
    width = shutil.get_terminal_size().columns if colour else plain_width(os.environ)
    frames.start()
    while True:
        frames.advance(pace=not once)
        lines = Layout(frames.next(), width).lines()
        if colour:
            from rich.console import Console

            from sysmon.app.top.screen import to_text

            Console(highlight=False).print(to_text(lines))
        else:
            sys.stdout.write(plain(lines) + "\n")
            sys.stdout.flush()
        if once:
            return 0
        sys.stdout.write("\n")
