"""Where sysmon's own cgroups are: /proc/self/cgroup matched against the mount table.

Each v1 hierarchy mounts with its controllers among the super options; the v2
hierarchy is the ``cgroup2`` mount, and the ``0::`` line of /proc/self/cgroup. A
cgroup's directory is the mount point plus the cgroup's path with the mount's root
taken off its front (inside a container the mount's root is the container's own
cgroup). A controller that no v1 hierarchy holds is looked for in v2, as on hybrid
hosts where the v2 mount carries only pressure and cpu.stat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sysmon.domain.models import CgroupLine, Mount
from sysmon.domain.records import record

CONTROLLERS = ("memory", "cpu", "cpuacct", "cpuset", "pids")
V2 = "cgroup2"  # the key of the v2 hierarchy itself, for pressure
DELETED = b" (deleted)"


def shown(path: bytes) -> str:
    return path.decode("utf-8", "backslashreplace")


@record
class Hierarchy:
    """One controller's cgroup: its version, its path as /proc/self/cgroup gives it, and
    its directories on the host, the cgroup's own first, then each parent up to the mount.
    """

    version: int
    path: bytes
    directories: tuple[bytes, ...]

    @property
    def directory(self) -> bytes:
        return self.directories[0]


@dataclass(slots=True)
class Placement:
    """Each controller's hierarchy, and why those that cannot be found are missing."""

    hierarchies: dict[str, Hierarchy] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    def get(self, controller: str) -> Hierarchy | None:
        return self.hierarchies.get(controller)


def relative_path(path: bytes, root: bytes) -> bytes | None:
    """``path`` below the mount's ``root`` (``/`` for the root itself); None if not under it."""
    if b".." in path.split(b"/"):  # outside the namespace's root: /../x
        return None
    if root == b"/":
        return path
    if path == root:
        return b"/"
    if path.startswith(root.rstrip(b"/") + b"/"):
        return path[len(root.rstrip(b"/")) :]
    return None


def ancestry(mount_point: bytes, relative: bytes) -> tuple[bytes, ...]:
    """The cgroup's directory, then each parent's, up to the mount point."""
    base = mount_point.rstrip(b"/")
    parts = [part for part in relative.split(b"/") if part]
    return tuple(
        base + b"".join(b"/" + part for part in parts[:depth]) or b"/"
        for depth in range(len(parts), -1, -1)
    )


def _hierarchy(version: int, line: CgroupLine, mounts: list[Mount]) -> Hierarchy | str:
    """The hierarchy of ``line`` on one of ``mounts`` (all of its kind), or why not."""
    if line.path.endswith(DELETED):
        return f"cgroup {shown(line.path)} was deleted"
    roots: list[bytes] = []
    for mount in mounts:
        relative = relative_path(line.path, mount.root)
        if relative is not None:
            return Hierarchy(version, line.path, ancestry(mount.path, relative))
        roots.append(mount.root)
    where = ", ".join(shown(root) for root in roots)
    return f"cgroup {shown(line.path)} is not under the mount's root {where}"


def locate(lines: Iterable[CgroupLine] | None, mounts: Iterable[Mount]) -> Placement:
    """Every controller of CONTROLLERS, and the v2 hierarchy, that can be found."""
    placement = Placement()
    if lines is None:
        placement.unavailable["cgroup"] = "/proc/self/cgroup: missing (no cgroups)"
        return placement
    table = list(mounts)
    v2_mounts = [m for m in table if m.fstype == "cgroup2"]
    v2_line: CgroupLine | None = None
    for line in lines:
        if line.hierarchy == 0 and not line.controllers:
            v2_line = line
            continue
        for controller in CONTROLLERS:
            if controller not in line.controllers:
                continue
            holders = [
                m
                for m in table
                if m.fstype == "cgroup" and controller in m.super_options.split(",")
            ]
            _place(placement, controller, 1, line, holders)
    if v2_line is not None:
        _place(placement, V2, 2, v2_line, v2_mounts)
        v2 = placement.get(V2)
        for controller in CONTROLLERS:
            if controller not in placement.hierarchies and controller not in placement.unavailable:
                if v2 is not None:
                    placement.hierarchies[controller] = v2
                elif V2 in placement.unavailable:
                    placement.unavailable[controller] = placement.unavailable[V2]
    return placement


def _place(
    placement: Placement, key: str, version: int, line: CgroupLine, mounts: list[Mount]
) -> None:
    if not mounts:
        kind = "cgroup2 filesystem" if version == 2 else f"cgroup filesystem with {key}"
        placement.unavailable[key] = f"no {kind} is mounted"
        return
    found = _hierarchy(version, line, mounts)
    if isinstance(found, str):
        placement.unavailable[key] = found
    else:
        placement.hierarchies[key] = found
