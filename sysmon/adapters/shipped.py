"""The host trees and canned broker replies that ship inside the package, found by name.

They live beside the code (``sysmon/hosts/<NAME>/``, ``sysmon/broker_replies/<NAME>.json``)
so that an installed sysmon has them as a clone does. Wherever a name is accepted, a path
that exists wins over a shipped name, so a tree of one's own is never shadowed; an unknown
name is an error that lists the shipped ones.
"""

from __future__ import annotations

import os
from pathlib import Path


def _package_dir(name: str) -> Path:
    """``sysmon/<name>``, made anew on each call: a path object made while pyfakefs is
    active would stay bound to the fake file system."""
    return Path(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) / name


def hosts_dir() -> Path:
    return _package_dir("hosts")


def broker_replies_dir() -> Path:
    return _package_dir("broker_replies")


class UnknownShippedError(ValueError):
    """Neither an existing path nor the name of something shipped."""


def shipped_hosts() -> list[str]:
    """The names of the shipped host trees (each a directory with a ``proc/``)."""
    return sorted(entry.name for entry in hosts_dir().iterdir() if (entry / "proc").is_dir())


def shipped_broker_replies() -> list[str]:
    """The names of the shipped canned broker exchanges."""
    return sorted(entry.stem for entry in broker_replies_dir().glob("*.json"))


def host_tree(name_or_path: str | os.PathLike[str]) -> Path:
    """The host tree at ``name_or_path`` if that exists, else the shipped tree of that name."""
    given = Path(name_or_path)
    if given.exists():
        return given
    if str(name_or_path) in shipped_hosts():
        return hosts_dir() / str(name_or_path)
    raise UnknownShippedError(
        f"no host tree {str(name_or_path)!r}: not an existing path, nor a shipped tree "
        f"(shipped: {', '.join(shipped_hosts())})"
    )


def broker_replies(name_or_path: str | os.PathLike[str]) -> Path:
    """The canned exchange at ``name_or_path`` if that exists, else the shipped one so named
    (with or without ``.json``).
    """
    given = Path(name_or_path)
    if given.exists():
        return given
    name = given.name.removesuffix(".json") if str(given) == given.name else ""
    if name in shipped_broker_replies():
        return broker_replies_dir() / f"{name}.json"
    raise UnknownShippedError(
        f"no canned broker replies {str(name_or_path)!r}: not an existing path, nor a shipped "
        f"exchange (shipped: {', '.join(shipped_broker_replies())})"
    )
