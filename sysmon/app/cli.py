"""The command line: ``sysmon`` serves the broker; ``sysmon call METHOD`` answers once.

Global options are accepted both before and after the subcommand. Exit status:
0 on success, 1 when a method fails or the configuration is unusable, 2 for usage
errors.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from sysmon import __version__
from sysmon.app.channel import OpenChannel, open_channel, plan_channel, stdin_state
from sysmon.app.config import (
    DIALECTS,
    LOG_LEVELS,
    TRANSPORTS,
    ConfigError,
    Settings,
    apply_overrides,
    log_level_name,
    process_id_from,
    read_config_file,
)
from sysmon.app.log_limits import RepeatLimiter
from sysmon.app.roots import settle_roots

if TYPE_CHECKING:
    import argparse

log = logging.getLogger("sysmon.cli")

EXIT_NO_BROKER = 253  # the broker's socket could not be reached, as the broker's services exit

_GLOBAL_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--procfs", {"dest": "procfs_path", "metavar": "PATH",
                  "help": "procfs root to read (default /proc; config sysmon_procfs_path)"}),
    ("--rootfs", {"dest": "rootfs_path", "metavar": "PATH",
                  "help": "root under which mount points and /etc/os-release are read "
                          "(default /; config sysmon_rootfs_path)"}),
    ("--config", {"dest": "config", "metavar": "PATH",
                  "help": "config file (default ./config.json, optional)"}),
    ("--dialect", {"dest": "dialect", "choices": DIALECTS,
                   "help": "both: broker envelope and JSON-RPC 2.0 per message (default); "
                           "jsonrpc: a pure JSON-RPC 2.0 server"}),
    ("--transport", {"dest": "transport", "choices": TRANSPORTS,
                     "help": "the broker channel: stdio, fds (RPC_INPUT_FD/RPC_OUTPUT_FD, "
                             "else 3 and 4) or uds (dial the broker's socket); default: "
                             "chosen from the environment (docs/protocol.md)"}),
    ("--uds-path", {"dest": "uds_path", "metavar": "PATH",
                    "help": "the broker's socket to dial (default /tmp/v2e_uds_<id>.sock; "
                            "alone, it means --transport uds)"}),
    ("--log-level", {"dest": "log_level", "type": str.lower, "choices": tuple(LOG_LEVELS),
                     "help": "log level, in any case (default: config logging.level, "
                             "else info)"}),
    ("--fake-host", {"dest": "fake_host", "metavar": "TREE|SCENARIO",
                     "help": "serve a simulated host instead of this one: a host tree "
                             "(a path, or a shipped tree's name such as this-vm or "
                             "odd-host) or a scenario file, written to a temporary "
                             "directory (docs/simulation.md)"}),
    ("--metrics-listen", {"dest": "metrics_listen", "metavar": "ADDR",
                          "help": "also serve Prometheus metrics on ADDR ([HOST:]PORT, "
                                  "loopback without a host; config sysmon_metrics_listen)"}),
    ("--sim-step", {"dest": "sim_step", "metavar": "SECONDS", "type": float,
                    "help": "run the fake host in simulated time, SECONDS passing per scrape "
                            "or frame (exporter, top; docs/simulation.md)"}),
)  # fmt: skip


def _interval(text: str) -> float:
    import argparse

    from sysmon.app.durations import parse_duration

    try:
        seconds = parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("must be above 0")
    return seconds


SERVING_ONLY = frozenset({"--dialect", "--transport", "--uds-path"})  # meaningless to call
DEFAULT_INTERVAL = 1.0
_CALL_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--pretty", {"dest": "pretty", "action": "store_true", "help": "indent the JSON"}),
    ("--interval", {"dest": "interval", "metavar": "DURATION", "type": _interval,
                    "help": "the window a windowed method (CPU usage, RPCGetSysMetrics) is "
                            f"sampled over, e.g. 2 or 500ms (default {DEFAULT_INTERVAL:g}s); "
                            "other methods answer at once"}),
)  # fmt: skip


def _add_options(
    parser: argparse.ArgumentParser,
    table: tuple[tuple[str, dict[str, Any]], ...],
    *,
    suppress: bool,
    without: frozenset[str] = frozenset(),
) -> None:
    import argparse

    for flag, options in table:
        if flag not in without:
            default = argparse.SUPPRESS if suppress else options.get("default")
            parser.add_argument(flag, **{**options, "default": default})


def _add_global_options(
    parser: argparse.ArgumentParser, *, suppress: bool, without: frozenset[str] = frozenset()
) -> None:
    _add_options(parser, _GLOBAL_OPTIONS, suppress=suppress, without=without)


def help_epilog() -> str:
    from sysmon.app.config import CONFIG_KEYS
    from sysmon.domain.metrics import METHODS

    return "\n".join([
        "methods (sysmon call METHOD; sysmon methods lists them):",
        *(f"  {name}" for name in METHODS),
        "",
        "config keys (in ./config.json, or the file --config names; the command line wins):",
        *(f"  {key}" for key in CONFIG_KEYS),
        "  logging.level, logging.dir (shared with the broker)",
        "",
        "exit status:",
        "  0    served to the end of input, or the call succeeded",
        "  1    the configuration is unusable, or the method failed",
        "  2    a usage error on the command line",
        f"  {EXIT_NO_BROKER}  the broker's socket could not be reached",
        "",
        "docs: README.md and docs/*.md in sysmon's source tree: metrics.md (every field",
        "and its unit), protocol.md (the wire protocol), simulation.md (fake hosts)",
    ])  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    import argparse

    class _Parser(argparse.ArgumentParser):
        """The top-level parser: its help's closing part (methods, config keys, exit codes)
        is written only when help is asked for, so serving never imports the method table."""

        def format_help(self) -> str:
            self.epilog = help_epilog()
            return super().format_help()

    parser = _Parser(
        prog="sysmon",
        description="Linux system metrics from procfs, served to a broker over "
        "newline-delimited JSON on stdin/stdout (or RPC_INPUT_FD/RPC_OUTPUT_FD).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sysmon {__version__}")
    _add_global_options(parser, suppress=False)
    _add_options(parser, _CALL_OPTIONS, suppress=False)
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=argparse.ArgumentParser
    )
    serve = commands.add_parser("serve", help="serve requests (the default)")
    _add_global_options(serve, suppress=True)
    call = commands.add_parser("call", help="run one method on this host and print its JSON")
    call.add_argument("method", help="a method name, e.g. RPCGetSysMetrics")
    _add_options(call, _CALL_OPTIONS, suppress=True)
    _add_global_options(call, suppress=True, without=SERVING_ONLY)
    methods = commands.add_parser("methods", help="list the methods")
    _add_global_options(methods, suppress=True, without=SERVING_ONLY)
    exporter = commands.add_parser(
        "exporter", help="serve Prometheus metrics over HTTP, like node_exporter (no broker)"
    )
    exporter.add_argument(
        "--listen", metavar="ADDR", default=None,
        help="[HOST:]PORT to listen on (default 127.0.0.1:9847; loopback without a host)",
    )  # fmt: skip
    _add_global_options(exporter, suppress=True)
    top = commands.add_parser(
        "top", help="a live view of this host, or of a fake one, in the terminal"
    )
    top.add_argument(
        "--interval",
        dest="interval",
        metavar="DURATION",
        type=_interval,
        default=argparse.SUPPRESS,
        help=f"seconds between frames, e.g. 2 or 500ms (default {DEFAULT_INTERVAL:g}s)",
    )
    top.add_argument("--once", action="store_true",
                     help="wait one interval, print one frame and exit (for scripts)")  # fmt: skip
    _add_global_options(top, suppress=True, without=SERVING_ONLY)
    return parser


_CALL_OPTIONS_OF = {"call": frozenset({"--pretty", "--interval"}), "top": frozenset({"--interval"})}


def _misplaced_options(args: argparse.Namespace, command: str) -> str | None:
    """An option given for a command it does not apply to, named; else None."""
    accepted = _CALL_OPTIONS_OF.get(command, frozenset())
    for flag, options in _CALL_OPTIONS:
        if flag not in accepted and getattr(args, options["dest"]) not in (None, False):
            users = [f"sysmon {name}" for name, flags in _CALL_OPTIONS_OF.items() if flag in flags]
            return f"{flag} applies to {' and '.join(users)} only"
    if command in _CALL_OPTIONS_OF:
        for flag, options in _GLOBAL_OPTIONS:
            if flag in SERVING_ONLY and getattr(args, options["dest"]) is not None:
                return f"{flag} applies to serving only, not to sysmon {command}"
    return None


def load_settings(args: argparse.Namespace) -> Settings:
    settings = read_config_file(args.config)
    overrides = {
        "procfs_path": args.procfs_path,
        "rootfs_path": args.rootfs_path,
        "dialect": args.dialect,
        "metrics_listen": getattr(args, "metrics_listen", None),
        "transport": args.transport,
        "uds_path": args.uds_path,
        "log_level": log_level_name(args.log_level) if args.log_level else None,
    }
    settings = apply_overrides(settings, overrides)
    if args.fake_host is not None:
        return settings  # the fake host brings its own roots
    return settle_roots(settings)


def _setup_logging(settings: Settings) -> RepeatLimiter:
    from sysmon.app.logs import configure_logging

    limiter = RepeatLimiter()
    for problem in configure_logging(settings.log_level, settings.log_dir, limiter):
        log.warning(problem)
    for warning in settings.warnings:
        log.warning(warning)
    for notice in settings.notices:
        log.info(notice)
    return limiter


def _fail(message: str) -> int:
    sys.stderr.write(f"sysmon: {message}\n")
    return 1


def _with_fake_host(stack: contextlib.ExitStack, source: str | None, container: Any) -> None:
    """Serve a fake host through ``container``; imported only when asked for, to keep
    the simulation code out of a real service's start-up."""
    if source is not None:
        from sysmon.app.fake_host_mode import fake_host_mode

        stack.enter_context(fake_host_mode(source, container))


def _call(args: argparse.Namespace, settings: Settings) -> int:
    from sysmon.app.container import build_container
    from sysmon.domain.errors import SysmonError, describe
    from sysmon.domain.metrics import METHODS

    if args.method not in METHODS:
        return _fail(f"unknown method {args.method!r}; known methods: {', '.join(METHODS)}")
    container = build_container(settings)
    with contextlib.ExitStack() as stack:
        try:
            _with_fake_host(stack, args.fake_host, container)
        except ConfigError as error:
            return _fail(str(error))
        interval = DEFAULT_INTERVAL if args.interval is None else args.interval
        try:
            payload = collect_once(container.metrics(), container.clock(), args.method, interval)
        except SysmonError as error:
            return _fail(f"{args.method} failed: {describe(error)}")
    text = json.dumps(payload, indent=2 if args.pretty else None, ensure_ascii=False)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return 0


def collect_once(metrics: Any, clock: Any, method: str, interval: float) -> dict[str, Any]:
    """One answer, as a one-shot caller wants it: a windowed method waits out ``interval``
    after its baseline, so that its figure means something; the others answer at once."""
    from sysmon.domain.metrics import WINDOWED_METHODS

    metrics.start()
    if method in WINDOWED_METHODS:
        clock.sleep(interval)
    payload: dict[str, Any] = metrics.collect(method)
    return payload


def _methods() -> int:
    from sysmon.domain.metrics import METHODS

    sys.stdout.write("\n".join(METHODS) + "\n")
    return 0


def _serve(settings: Settings, channel: OpenChannel, fake_host: str | None = None) -> int:
    from sysmon.app.container import build_container
    from sysmon.app.runner import serve

    container = build_container(settings, input_fd=channel.input_fd, output_fd=channel.output_fd)
    with contextlib.ExitStack() as stack:
        try:
            _with_fake_host(stack, fake_host, container)
        except ConfigError as error:  # a fake host that cannot be built
            return _fatal(settings.process_id, channel.output_fd, str(error), settings.dialect)
        sources = []
        if settings.metrics_listen is not None:
            from sysmon.app.exporter.wiring import broker_child_endpoint

            endpoint = broker_child_endpoint(container, settings.metrics_listen)
            stack.callback(endpoint.close)
            sources.append(endpoint)
        return serve(
            container.server(),
            channel.input_fd,
            container.timers(),
            container.clock(),
            max_message_bytes=settings.max_message_bytes,
            sources=sources,
        )


def _fatal(process_id: str, output_fd: int | None, message: str, dialect: str | None) -> int:
    """A configuration the service cannot run with: stderr, the broker's fatal message, 1.

    A pure JSON-RPC server's output carries JSON-RPC and nothing else: there the
    message goes to stderr alone.
    """
    from sysmon.app.runner import fatal_message

    sys.stderr.write(f"sysmon: fatal: {message}\n")
    if output_fd is not None and dialect != "jsonrpc":
        with contextlib.suppress(OSError):
            os.write(output_fd, fatal_message(process_id, message))
    return 1


def _fatal_before_serving(process_id: str, message: str, dialect: str | None) -> int:
    """The config is unusable: the channel comes from the environment and stdin alone."""
    from sysmon.adapters.unix_socket import DialError

    channel = None
    if dialect != "jsonrpc":
        try:
            plan = plan_channel(os.environ, stdin=stdin_state(), process_id=process_id)
            channel = open_channel(plan, time.sleep)
        except (ConfigError, DialError) as error:
            sys.stderr.write(f"sysmon: no channel for the fatal message: {error}\n")
    try:
        return _fatal(process_id, None if channel is None else channel.output_fd, message, dialect)
    finally:
        if channel is not None:
            channel.close()


_STEPPERS = "use it with `sysmon exporter` or `sysmon top`"


def sim_step_of(args: argparse.Namespace) -> float | None:
    """``--sim-step``, checked: above 0, and only with ``--fake-host``."""
    step: float | None = getattr(args, "sim_step", None)
    if step is None:
        return None
    if not step > 0 or step == float("inf"):
        raise ConfigError(f"--sim-step: expected seconds above 0, not {step:g}")
    if getattr(args, "fake_host", None) is None:
        raise ConfigError("--sim-step: simulated time is for a fake host (--fake-host)")
    return step


def _serve_command(args: argparse.Namespace, process_id: str) -> int:
    from sysmon.adapters.unix_socket import DialError

    if args.sim_step is not None:  # nothing in the broker's child would ever step it
        message = "--sim-step: simulated time moves one step per scrape or frame; "
        return _fatal_before_serving(process_id, message + _STEPPERS, args.dialect)

    try:
        settings = apply_overrides(load_settings(args), {"process_id": process_id})
    except ConfigError as error:
        return _fatal_before_serving(process_id, str(error), args.dialect)
    if args.sim_step is not None:  # nothing in the broker's child would ever step it
        message = "--sim-step: simulated time moves one step per scrape or frame; " + _STEPPERS
        return _fatal_before_serving(process_id, message, settings.dialect)
    limiter = _setup_logging(settings)
    try:
        try:
            origin = "--transport" if args.transport else "sysmon_transport"
            plan = plan_channel(
                os.environ,
                stdin=stdin_state(),
                process_id=process_id,
                transport=settings.transport,
                uds_path=settings.uds_path,
                origin=origin,
            )
            channel = open_channel(plan, time.sleep)
        except ConfigError as error:
            return _fatal(process_id, 1, str(error), settings.dialect)
        except DialError as error:
            sys.stderr.write(f"sysmon: [FATAL] {error}\n")
            return EXIT_NO_BROKER
        log.info("serving on %s", plan.describe())
        try:
            return _serve(settings, channel, args.fake_host)
        finally:
            channel.close()
    finally:
        limiter.flush(logging.getLogger("sysmon"))


def default_arguments() -> argparse.Namespace:
    """What ``parse_args([])`` gives, without argparse: the broker starts ``./sysmon``
    with no arguments, and building the parser (with argparse's import, and the shutil
    its help formatter takes) is a tenth of the start-up and a MiB of memory above the
    dependency floor for nothing."""
    values: dict[str, Any] = {"command": None}
    for _, options in (*_GLOBAL_OPTIONS, *_CALL_OPTIONS):
        values[options["dest"]] = options.get("default")  # as _add_options gives it
    return cast("argparse.Namespace", SimpleNamespace(**values))


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if not arguments:
        args = default_arguments()
    else:
        parser = build_parser()
        args = parser.parse_args(arguments)
        misplaced = _misplaced_options(args, args.command or "serve")
        if misplaced is not None:
            parser.error(misplaced)
    command = args.command or "serve"
    process_id = process_id_from(os.environ)
    if command == "methods":
        return _methods()
    if command == "call":
        try:
            settings = load_settings(args)
        except ConfigError as error:
            return _fail(str(error))
        _setup_logging(settings)
        return _call(args, settings)
    if command == "top":
        from sysmon.app.top.command import run_top

        shown: int = run_top(args, load_settings, _setup_logging)
        return shown
    if command == "exporter":
        from sysmon.app.exporter.command import run_exporter

        status: int = run_exporter(args, load_settings, _setup_logging)
        return status
    return _serve_command(args, process_id)
