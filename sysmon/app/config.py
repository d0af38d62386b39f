"""Settings from the broker's shared config.json, with the command line on top.

Keys for sysmon sit at the top level (``sysmon_…``); the shared ``logging`` section
is read too. Unknown keys belong to other services and are ignored. A bad sysmon
value is fatal and named; a bad shared logging value falls back with a warning.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from sysmon.app.durations import parse_duration
from sysmon.domain.disk import DEFAULT_EXCLUDE_FSTYPES, DEFAULT_EXCLUDE_MOUNTS

log = logging.getLogger(__name__)

DEFAULT_CONFIG_FILE = "config.json"
LOG_LEVELS = {"debug": "DEBUG", "info": "INFO", "warn": "WARNING", "warning": "WARNING",
              "error": "ERROR"}  # fmt: skip
DIALECTS = ("both", "jsonrpc")
TRANSPORTS = ("stdio", "fds", "uds")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the value."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the container needs; defaults are the documented ones."""

    procfs_path: str = "/proc"
    rootfs_path: str = "/"
    cache_duration: float = 1.0
    broker_timeout: float = 0.5
    broker_retry: float = 30.0
    disk_timeout: float = 1.0
    disk_exclude_fstypes: tuple[str, ...] = DEFAULT_EXCLUDE_FSTYPES
    disk_exclude_mounts: tuple[str, ...] = DEFAULT_EXCLUDE_MOUNTS
    max_message_bytes: int = 1 << 20
    log_level: str = "INFO"
    log_dir: str | None = None
    process_id: str = "sysmon"
    dialect: str = "both"
    transport: str | None = None
    uds_path: str | None = None
    rootfs_given: bool = field(default=False, compare=False)  # else a tree's rootfs may pair
    metrics_listen: str | None = None  # the Prometheus endpoint beside the broker; off
    warnings: tuple[str, ...] = field(default=(), compare=False)
    notices: tuple[str, ...] = field(default=(), compare=False)  # logged at info


def _duration(key: str, value: object) -> float:
    try:
        return parse_duration(value)
    except ValueError as error:
        raise ConfigError(f"{key}: bad value {json.dumps(value)}: {error}") from None


def _timeout(key: str, value: object) -> float:
    seconds = _duration(key, value)
    if seconds <= 0:
        raise ConfigError(
            f"{key}: bad value {json.dumps(value)}: must be above 0 (with no time at all, "
            "every measurement would time out)"
        )
    return seconds


def _path(key: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{key}: bad value {json.dumps(value)}: expected a non-empty path")
    return value


def _string_list(key: str, value: object, absolute: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(
            f"{key}: bad value {json.dumps(value)}: expected a list of non-empty strings"
        )
    if absolute and not all(v.startswith("/") for v in value):
        raise ConfigError(f"{key}: bad value {json.dumps(value)}: mount points must be absolute")
    return tuple(value)


def _transport(key: str, value: object) -> str:
    if value not in TRANSPORTS:
        raise ConfigError(f"{key}: bad value {json.dumps(value)}: expected stdio, fds or uds")
    return str(value)


def _listen(key: str, value: object) -> str:
    from sysmon.app.exporter.address import AddressError, parse_listen

    if not isinstance(value, str):
        raise ConfigError(f"{key}: bad value {json.dumps(value)}: expected HOST:PORT or PORT")
    try:
        parse_listen(value)
    except AddressError as error:
        raise ConfigError(f"{key}: {error}") from None
    return value


def _positive_int(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{key}: bad value {json.dumps(value)}: expected a positive integer")
    return value


_KEYS: dict[str, tuple[str, Any]] = {
    "sysmon_cache_duration": ("cache_duration", _duration),
    "sysmon_broker_timeout": ("broker_timeout", _duration),
    "sysmon_broker_retry": ("broker_retry", _duration),
    "sysmon_disk_timeout": ("disk_timeout", _timeout),
    "sysmon_procfs_path": ("procfs_path", _path),
    "sysmon_rootfs_path": ("rootfs_path", _path),
    "sysmon_disk_exclude_fstypes": ("disk_exclude_fstypes", _string_list),
    "sysmon_disk_exclude_mounts": (
        "disk_exclude_mounts",
        lambda k, v: _string_list(k, v, absolute=True),
    ),
    "sysmon_max_message_bytes": ("max_message_bytes", _positive_int),
    "sysmon_transport": ("transport", _transport),
    "sysmon_uds_path": ("uds_path", _path),
    "sysmon_metrics_listen": ("metrics_listen", _listen),
}
CONFIG_KEYS = tuple(_KEYS)


def settings_from_mapping(document: Mapping[str, Any]) -> Settings:
    """Settings from a parsed config.json document."""
    values: dict[str, Any] = {}
    warnings: list[str] = []
    for key, raw in document.items():
        if key in _KEYS:
            name, convert = _KEYS[key]
            values[name] = convert(key, raw)
            if name == "rootfs_path":
                values["rootfs_given"] = True
        elif key.startswith("sysmon_"):
            warnings.append(f"unknown config key {key} ignored (known: {', '.join(CONFIG_KEYS)})")
    logging_section = document.get("logging")
    if logging_section is not None:
        if isinstance(logging_section, dict):
            values.update(_logging_values(logging_section, warnings))
        else:
            warnings.append(f"logging: bad value {json.dumps(logging_section)}: expected an object")
    return Settings(**values, warnings=tuple(warnings))


def _logging_values(section: Mapping[str, Any], warnings: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    level = section.get("level")
    if level is not None:
        mapped = LOG_LEVELS.get(level.lower()) if isinstance(level, str) else None
        if mapped is None:
            warnings.append(
                f"logging.level: bad value {json.dumps(level)}: expected debug, info, warn, "
                "warning or error (any case); using info"
            )
        else:
            values["log_level"] = mapped
    directory = section.get("dir")
    if directory is not None:
        if isinstance(directory, str) and directory:
            values["log_dir"] = directory
        else:
            warnings.append(
                f"logging.dir: bad value {json.dumps(directory)}: not logging to a file"
            )
    return values


def read_config_file(path: str | None) -> Settings:
    """``--config PATH`` must exist; without it a missing ./config.json means defaults."""
    explicit = path is not None
    target = path if path is not None else DEFAULT_CONFIG_FILE
    try:
        with open(target, "rb") as handle:
            text = handle.read()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"config file {target} does not exist") from None
        return Settings()
    except OSError as error:
        raise ConfigError(f"config file {target} cannot be read: {error.strerror}") from None
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ConfigError(f"config file {target} is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"config file {target} must hold a JSON object")
    return settings_from_mapping(document)


def apply_overrides(settings: Settings, overrides: Mapping[str, Any]) -> Settings:
    """The command line wins over the file; None means 'not given'."""
    known = {f.name for f in fields(Settings)}
    given = {k: v for k, v in overrides.items() if v is not None and k in known}
    if "dialect" in given and given["dialect"] not in DIALECTS:
        raise ConfigError(f"--dialect: bad value {given['dialect']!r}: expected both or jsonrpc")
    if "rootfs_path" in given:
        given["rootfs_given"] = True
    return replace(settings, **given)


def log_level_name(spelling: str) -> str:
    """The logging level for any spelling config.json and the command line accept."""
    level = LOG_LEVELS.get(spelling.lower())
    if level is None:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)} (any case), not {spelling!r}")
    return level


def process_id_from(environ: Mapping[str, str]) -> str:
    """The broker names its child with PROCESS_ID; ``sysmon`` by default."""
    return environ.get("PROCESS_ID") or "sysmon"
