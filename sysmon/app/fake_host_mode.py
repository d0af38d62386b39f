"""``sysmon --fake-host TREE|SCENARIO``: the real service over a fake host, for broker work.

The host is written to a fresh temporary directory and served through the procfs and
rootfs roots (disk sizes from its host.json), then removed when the service exits. Not
pyfakefs: that patches ``os`` for the whole process, and would fake the real pipes and
the log file as well.

A scenario is a JSON file::

    {"tree": "this-vm",                  optional: a path relative to the file, or a shipped
                                          tree's name; else a minimal host
     "cpus": 4,                           for the minimal host (default 2)
     "steps": [{"do": "spawn", "name": "nginx: worker", "state": "R"},
               {"do": "mount", "path": "/data", "fstype": "xfs", "total": 1e12, "used": 4e11}],
     "hang": ["/mnt/nfs"],                mounts whose statvfs never answers
     "tick": {"seconds": 1, "busy": 50,   while serving: advance the host so, every 1 s,
              "steps": [...]},            and play these steps each time
     "time": {"step": 5}}                 simulated time: 5 s pass per step (see sim_time)

Each step calls the ``FakeHost`` verb named by ``do`` with the other keys as arguments.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sysmon.adapters.deadline import InlineDeadline
from sysmon.adapters.fake_clock import DEFAULT_EPOCH, FakeClock
from sysmon.adapters.fake_host import FakeHost
from sysmon.adapters.fake_host.host import Advancing
from sysmon.adapters.shipped import host_tree, shipped_hosts
from sysmon.app.config import ConfigError
from sysmon.app.container import Container
from sysmon.app.scenario_check import step_problem
from sysmon.app.sim_time import SimulatedTime, Tick, run_ticks, tick_count
from sysmon.domain.models import CPU_COLUMNS
from sysmon.domain.ports import ClockPort

log = logging.getLogger(__name__)

VERBS = frozenset({
    "advance", "set_cpu", "reboot", "set_memory", "set_low_watermarks", "set_load", "spawn",
    "spawn_many", "end", "set_process", "add_interface", "remove_interface", "move",
    "set_counters", "reset_interface", "mount", "unmount", "resize", "set_inodes", "set_identity",
    "set_os_release", "break_file", "repair", "hide_procfs", "restore_procfs", "fill",
    "use_cgroups", "set_limits", "add_usage", "throttle", "oom_kill", "raise_pressure",
})  # fmt: skip
_KEYS = frozenset({"tree", "cpus", "steps", "hang", "tick", "time"})
_CPU_KEYS = frozenset({"busy", "idle", *CPU_COLUMNS})
_TICK_KEYS = frozenset({"seconds", "steps", *_CPU_KEYS})
_TIME_KEYS = frozenset({"step", "start"})


@dataclass(frozen=True)
class Scenario:
    """What ``--fake-host`` serves: a captured tree or a minimal host, then script steps."""

    origin: str
    tree: str | None = None
    cpus: int = 2
    steps: list[dict[str, Any]] = field(default_factory=list)
    hang: list[str] = field(default_factory=list)
    tick: Tick | None = None
    step: float | None = None  # simulated time: seconds per step; None: real time
    start: float = DEFAULT_EPOCH  # simulated time: the clock's epoch at the start

    def with_step(self, step: float | None) -> Scenario:
        """The scenario in simulated time of ``step`` seconds (None: as the file says)."""
        if step is None:
            return self
        return Scenario(self.origin, self.tree, self.cpus, self.steps, self.hang, self.tick,
                        step, self.start)  # fmt: skip


class WallCalendar:
    """The host's calendar in real time: the service's clock moves on by itself."""

    def __init__(self, clock: ClockPort) -> None:
        self._clock = clock

    def time(self) -> float:
        return self._clock.time()

    def advance(self, seconds: float) -> None:
        """Real time passes on its own; a scripted advance only changes the host's files."""


def read_scenario(source: str) -> Scenario:
    """A host tree (a directory, or a shipped tree's name), or a scenario file; ConfigError
    naming what is wrong.
    """
    if os.path.isdir(source):
        return Scenario(origin=source, tree=source)
    if not os.path.exists(source) and source in shipped_hosts():
        return Scenario(origin=source, tree=str(host_tree(source)))
    try:
        with open(source, "rb") as file:
            document = json.loads(file.read())
    except FileNotFoundError as error:
        raise ConfigError(
            f"--fake-host {source}: {error.strerror}, and no shipped host tree is so named "
            f"(shipped: {', '.join(shipped_hosts())})"
        ) from None
    except OSError as error:
        raise ConfigError(f"--fake-host {source}: {error.strerror}") from None
    except ValueError as error:
        raise ConfigError(f"--fake-host {source}: not valid JSON: {error}") from None
    if not isinstance(document, dict) or not _KEYS.issuperset(document):
        raise ConfigError(
            f"--fake-host {source}: expected an object with keys among {', '.join(sorted(_KEYS))}"
        )
    tree = document.get("tree")
    if tree is not None:
        tree = _scenario_tree(source, tree)
    cpus, steps, hang = (document.get(k, d) for k, d in (("cpus", 2), ("steps", []), ("hang", [])))
    if isinstance(cpus, bool) or not isinstance(cpus, int) or cpus < 1:
        raise ConfigError(f"--fake-host {source}: cpus is {json.dumps(cpus)}, expected an "
                          "integer above 0")  # fmt: skip
    if not isinstance(steps, list):
        raise ConfigError(f"--fake-host {source}: steps is {json.dumps(steps)}, expected a list")
    if not (isinstance(hang, list) and all(isinstance(m, str) for m in hang)):
        raise ConfigError(
            f"--fake-host {source}: hang is {json.dumps(hang)}, expected a list of mount points"
        )
    step, start = _time(source, document.get("time"))
    return Scenario(
        origin=source,
        tree=tree,
        cpus=cpus,
        steps=steps,
        hang=hang,
        tick=_tick(source, document.get("tick")),
        step=step,
        start=start,
    )


def _scenario_tree(source: str, tree: object) -> str:
    """A scenario's ``tree``: a path relative to the scenario file, else a shipped name."""
    if not isinstance(tree, str) or not tree:
        raise ConfigError(f"--fake-host {source}: tree is a path or a shipped tree's name")
    beside = os.path.join(os.path.dirname(os.path.abspath(source)), tree)
    if os.path.isdir(beside):
        return beside
    if tree in shipped_hosts():
        return str(host_tree(tree))
    raise ConfigError(
        f"--fake-host {source}: tree {tree!r}: no directory {beside}, nor a shipped tree "
        f"(shipped: {', '.join(shipped_hosts())})"
    )


def _tick(source: str, tick: object) -> Tick | None:
    if tick is None:
        return None
    if not (
        isinstance(tick, dict)
        and _positive(tick.get("seconds"))
        and _TICK_KEYS.issuperset(tick)
        and isinstance(tick.get("steps", []), list)
    ):
        raise ConfigError(
            f'--fake-host {source}: tick is {{"seconds": s above 0, "steps": [...] (optional), '
            f"and CPU ticks among {', '.join(sorted(_CPU_KEYS))}}}"
        )
    ticks = {key: value for key, value in tick.items() if key in _CPU_KEYS}
    return Tick(float(tick["seconds"]), ticks, list(tick.get("steps", [])))


def _time(source: str, time: object) -> tuple[float | None, float]:
    """``"time": {"step": s, "start": epoch}``: simulated time; absent: real time."""
    if time is None:
        return None, DEFAULT_EPOCH
    if not (
        isinstance(time, dict)
        and _TIME_KEYS.issuperset(time)
        and _positive(time.get("step"))
        and (_positive(time.get("start")) or "start" not in time)
    ):
        raise ConfigError(
            f'--fake-host {source}: time is {{"step": seconds above 0, "start": epoch '
            f"seconds (optional)}}"
        )
    return float(time["step"]), float(time.get("start", DEFAULT_EPOCH))


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def build_host(
    scenario: Scenario, root: str, clock: ClockPort, *, calendar: Advancing | None = None
) -> FakeHost:
    """The scenario's host written under ``root``, its steps played; its calendar is
    ``calendar`` (simulated time's clock), else ``clock`` as it runs by itself.
    """
    calendar = calendar or WallCalendar(clock)
    try:
        if scenario.tree is not None:
            host = FakeHost.from_tree(scenario.tree, root, clock=calendar)
        else:
            host = FakeHost(root, clock=calendar, cpus=scenario.cpus)
    except (OSError, ValueError) as error:
        where = f"--fake-host {scenario.origin}"
        raise ConfigError(f"{where}: cannot build the host: {error}") from None
    for number, step in enumerate(scenario.steps, start=1):
        play(host, step, f"--fake-host {scenario.origin}: step {number}")
    return host


def play(host: FakeHost, step: object, where: str) -> None:
    """One scenario step: ``{"do": verb, **arguments}``."""
    if not isinstance(step, dict) or step.get("do") not in VERBS:
        raise ConfigError(f"{where}: expected {{\"do\": verb, ...}} with a verb among "
                          f"{', '.join(sorted(VERBS))}")  # fmt: skip
    arguments = {key: value for key, value in step.items() if key != "do"}
    problem = step_problem(getattr(host, step["do"]), arguments)
    if problem is not None:
        raise ConfigError(f"{where} ({step['do']}): {problem}")
    try:
        getattr(host, step["do"])(**arguments)
    except (TypeError, ValueError, KeyError, OSError) as error:
        raise ConfigError(f"{where} ({step['do']}): {error}") from None


@dataclass
class FakeHostSession:
    """A fake host being served, and its simulated time (None when it runs in real time)."""

    host: FakeHost
    time: SimulatedTime | None


@contextmanager
def fake_host_session(
    source: str,
    container: Container,
    *,
    sim_step: float | None = None,
    default_step: float | None = None,
) -> Iterator[FakeHostSession]:
    """Serve ``source`` through ``container`` for the block.

    ``sim_step`` (``--sim-step``) puts the scenario in simulated time, or changes its
    step: the container's clock becomes a ``FakeClock`` that only ``session.time.step()``
    moves. ``default_step`` is the step when neither ``sim_step`` nor the scenario names
    one (``sysmon top``: its interval); without any, a scenario with a ``tick`` runs in
    real time on a thread.
    """
    scenario = read_scenario(source).with_step(sim_step)
    if scenario.step is None:
        scenario = scenario.with_step(default_step)
    simulated: SimulatedTime | None = None
    with tempfile.TemporaryDirectory(prefix="sysmon-fake-host-") as directory:
        root = f"{directory}/host"
        if scenario.step is not None:
            try:
                tick_count(scenario.step, scenario.tick)
            except ValueError as error:
                raise ConfigError(f"--fake-host {scenario.origin}: {error}") from None
            fake_clock = FakeClock(start_epoch=scenario.start)
            host = build_host(scenario, root, fake_clock, calendar=fake_clock)
            simulated = SimulatedTime(host, fake_clock, scenario.step, scenario.tick, play)
            container.clock.override(fake_clock)
        else:
            host = build_host(scenario, root, container.clock())
        deadline = InlineDeadline()
        for mount in scenario.hang:
            deadline.hang(mount)
        container.procfs.override(host.reader())
        container.host_facts.override(host.facts)
        container.deadline.override(deadline)
        log.info("serving the fake host %s from %s", scenario.origin, host.root)
        stop = threading.Event()
        ticker = None if simulated is not None else _start_ticker(host, scenario.tick, stop)
        try:
            yield FakeHostSession(host, simulated)
        finally:
            stop.set()
            if ticker is not None:
                ticker.join()


@contextmanager
def fake_host_mode(source: str | None, container: Container) -> Iterator[FakeHost | None]:
    """Serve ``source`` through ``container`` for the block (nothing when it is None),
    in real time: the broker child's form, where nothing would step simulated time.
    """
    if source is None:
        yield None
        return
    with fake_host_session(source, container) as session:
        if session.time is not None:
            raise ConfigError(
                f"--fake-host {source}: simulated time moves one step per scrape or frame; "
                "serve it with `sysmon exporter` or `sysmon top`"
            )
        yield session.host


def _start_ticker(
    host: FakeHost, tick: Tick | None, stop: threading.Event
) -> threading.Thread | None:
    if tick is None:
        return None
    thread = threading.Thread(
        target=_tick_safely, args=(host, tick, stop), name="sysmon-fake-host-tick", daemon=True
    )
    thread.start()
    return thread


def _tick_safely(host: FakeHost, tick: Tick, stop: threading.Event) -> None:
    """The ticker thread: a tick step that fails is logged, and the host stops ticking."""
    try:
        run_ticks(host, tick, play, stop)
    except ConfigError as error:
        log.error("the fake host stops ticking: %s", error)
