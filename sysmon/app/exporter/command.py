"""``sysmon exporter``: the endpoint alone, like node_exporter, on a small poll loop.

No broker: the loop polls the endpoint's sockets and a signal self-pipe and runs the
endpoint's timers (on the real clock, even when the fake host runs in simulated time,
so that slow clients are still cut off). It fails at once, with a message, when the
address cannot be had.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import select
import signal
import sys
from collections.abc import Callable

from sysmon.adapters.clock import SystemClock
from sysmon.app.config import ConfigError, Settings
from sysmon.app.exporter.address import AddressError, default_listen, parse_listen
from sysmon.app.exporter.endpoint import MetricsEndpoint
from sysmon.app.signal_pipe import signal_pipe
from sysmon.domain.timers import Timers

log = logging.getLogger(__name__)
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _fail(message: str) -> int:
    sys.stderr.write(f"sysmon exporter: {message}\n")
    return 1


def run_exporter(
    args: argparse.Namespace,
    load_settings: Callable[[argparse.Namespace], Settings],
    setup_logging: Callable[[Settings], object],
) -> int:
    from sysmon.app.cli import sim_step_of
    from sysmon.app.container import build_container
    from sysmon.app.exporter.wiring import endpoint_for

    try:
        settings = load_settings(args)
        sim_step = sim_step_of(args)
        address = args.listen or default_listen()
        host, port = parse_listen(address)
    except (ConfigError, AddressError) as error:
        return _fail(str(error))
    setup_logging(settings)
    container = build_container(settings)
    with contextlib.ExitStack() as stack:
        before_scrape = None
        if args.fake_host is not None:
            from sysmon.app.fake_host_mode import fake_host_session

            try:
                session = stack.enter_context(
                    fake_host_session(args.fake_host, container, sim_step=sim_step)
                )
            except ConfigError as error:
                return _fail(str(error))
            if session.time is not None:
                before_scrape = session.time.step
        timers = Timers(SystemClock())
        endpoint = endpoint_for(
            container, address, timers, with_broker=False, before_scrape=before_scrape
        )
        try:
            server = endpoint.bind_now()
        except OSError as error:
            return _fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
        endpoint.use(server)
        stack.callback(endpoint.close)
        bound_host, bound_port = server.address
        log.info("serving http://%s:%d/metrics", bound_host, bound_port)
        container.metrics().start()
        return serve_endpoint(endpoint, timers)


def serve_endpoint(endpoint: MetricsEndpoint, timers: Timers) -> int:
    """Poll the endpoint and run its timers until SIGTERM or SIGINT; the exit status (0)."""
    with signal_pipe(_STOP_SIGNALS) as read_fd:
        poller = select.poll()
        registered: dict[int, int] = {}
        while True:
            wanted = {read_fd: select.POLLIN, **endpoint.poll_fds()}
            for fd in registered.keys() - wanted.keys():
                poller.unregister(fd)
            for fd, mask in wanted.items():
                if registered.get(fd) != mask:
                    poller.register(fd, mask)
            registered = wanted
            deadline = timers.next_deadline()
            timeout = -1 if deadline is None else max(0, math.ceil(
                (deadline - SystemClock().monotonic()) * 1000))  # fmt: skip
            for fd, events in poller.poll(timeout):
                if fd == read_fd:
                    with contextlib.suppress(BlockingIOError):
                        os.read(read_fd, 64)
                    log.info("signal received; exiting")
                    return 0
                endpoint.on_ready(fd, events)
            try:
                timers.run_due()
            except Exception:
                log.exception("a timer failed; serving goes on")
