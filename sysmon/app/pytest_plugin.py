"""pytest fixtures for simulating sysmon (registered through the ``pytest11`` entry point).

pyfakefs and the service itself are imported lazily inside the fixtures, so a plain
install without the ``sim`` extra never breaks anyone's pytest; a fixture that needs the ``sim``
extra says so when it is used.

Fixtures: ``fake_clock``, ``fake_timers``, ``fake_broker``, ``fake_deadline``,
``fake_fs`` (pyfakefs's ``fs``, emulating ``sim_os``), ``fake_host`` (a ``FakeHost``
at ``/sim`` inside it, from ``fake_host_tree`` when that names a captured tree),
``sim_settings`` and ``sim_service`` (a started ``SimService`` over ``fake_host``).
Override ``sim_os``, ``fake_host_tree`` or ``sim_settings`` by parametrizing them or
by defining a fixture of the same name.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from sysmon.adapters.deadline import InlineDeadline
    from sysmon.adapters.fake_broker import FakeBroker
    from sysmon.adapters.fake_clock import FakeClock
    from sysmon.adapters.fake_host import FakeHost
    from sysmon.app.config import Settings
    from sysmon.app.sim import SimService
    from sysmon.domain.timers import Timers

SIM_ROOT = "/sim"
OS_NAMES = ("linux", "macos", "windows")
INSTALL_HINT = (
    "the sysmon simulation fixtures need pyfakefs: install sysmon-service with its sim extra "
    "(from a clone: pip install '.[sim]'), or pip install pyfakefs"
)


@pytest.fixture
def sim_os() -> str:
    """Which OS pyfakefs emulates for ``fake_fs``: ``linux``, ``macos`` or ``windows``."""
    return "linux"


@pytest.fixture
def fake_fs(request: pytest.FixtureRequest, sim_os: str) -> Any:
    """pyfakefs's ``fs``, emulating ``sim_os`` (set before anything is written into it)."""
    try:
        from pyfakefs.fake_filesystem import OSType
    except ImportError:
        pytest.fail(INSTALL_HINT, pytrace=False)
    if sim_os not in OS_NAMES:
        pytest.fail(f"sim_os must be one of {', '.join(OS_NAMES)}, not {sim_os!r}", pytrace=False)
    fs = request.getfixturevalue("fs")
    fs.os = {"linux": OSType.LINUX, "macos": OSType.MACOS, "windows": OSType.WINDOWS}[sim_os]
    return fs


@pytest.fixture
def fake_clock() -> FakeClock:
    """Simulated time: it moves only when a test (or the fake host) moves it."""
    from sysmon.adapters.fake_clock import FakeClock

    return FakeClock()


@pytest.fixture
def fake_timers(fake_clock: FakeClock) -> Timers:
    from sysmon.domain.timers import Timers

    return Timers(fake_clock)


@pytest.fixture
def fake_broker(request: pytest.FixtureRequest, fake_timers: Timers) -> FakeBroker:
    """A scriptable broker: ``fake_broker.script("RPCGetMessageStats", Reply(...), ...)``;
    ``fake_broker.load(name_or_path)`` reads real files even inside the fake file system.
    """
    from sysmon.adapters.fake_broker import FakeBroker

    def real_files() -> Iterator[None]:
        fs = request.getfixturevalue("fs") if "fs" in request.fixturenames else None
        if fs is None:
            yield
            return
        fs.pause()
        try:
            yield
        finally:
            fs.resume()

    return FakeBroker(fake_timers, real_files=contextmanager(real_files))


@pytest.fixture
def fake_deadline() -> InlineDeadline:
    """Mount measurements run inline; ``fake_deadline.hang("/mnt/nfs")`` makes one time out."""
    from sysmon.adapters.deadline import InlineDeadline

    return InlineDeadline()


@pytest.fixture
def fake_host_tree() -> str | None:
    """A captured host tree (a path, or a shipped tree's name such as ``"this-vm"``) for
    ``fake_host`` to start from, or None.
    """
    return None


@pytest.fixture
def fake_host(fake_fs: Any, fake_clock: FakeClock, fake_host_tree: str | None) -> FakeHost:
    """A ``FakeHost`` at ``/sim`` in the fake filesystem, moving ``fake_clock`` with it."""
    from sysmon.adapters.fake_host import FakeHost

    if fake_host_tree is not None:
        return FakeHost.from_tree(fake_host_tree, SIM_ROOT, fs=fake_fs, clock=fake_clock)
    return FakeHost(SIM_ROOT, fs=fake_fs, clock=fake_clock)


@pytest.fixture
def sim_settings() -> Settings:
    """The service's settings (its procfs and rootfs roots are the fake host's)."""
    from sysmon.app.config import Settings

    return Settings()


@pytest.fixture
def sim_service(
    fake_host: FakeHost,
    sim_settings: Settings,
    fake_clock: FakeClock,
    fake_timers: Timers,
    fake_broker: FakeBroker,
    fake_deadline: InlineDeadline,
) -> SimService:
    """The whole service over ``fake_host``, started: the ready event is in its transcript."""
    from sysmon.app.sim import SimService

    service = SimService(
        fake_host,
        settings=sim_settings,
        clock=fake_clock,
        timers=fake_timers,
        broker=fake_broker,
        deadline=fake_deadline,
    )
    service.start()
    return service
