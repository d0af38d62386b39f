import json

import pytest

from sysmon.app.config import (
    ConfigError,
    Settings,
    apply_overrides,
    log_level_name,
    process_id_from,
    read_config_file,
    settings_from_mapping,
)
from sysmon.app.durations import parse_duration


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(1, 1.0), (0, 0.0), (2.5, 2.5), ("1s", 1.0), ("500ms", 0.5), ("2m", 120.0),
     ("1m30s", 90.0), ("1h", 3600.0), ("250us", 0.00025), ("0.75", 0.75), (" 3s ", 3.0)],
)  # fmt: skip
def test_durations(value, seconds):
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["", "fast", "-1s", -1, True, None, [1], "5 s", "1x", "nan"])
def test_bad_durations(value):
    with pytest.raises(ValueError):
        parse_duration(value)


BROKER_CONFIG = {
    "server": {"address": "0.0.0.0:8080"},
    "broker": {"logs_dir": "./logs", "log_file": "./logs/broker.log",
               "processes": [{"id": "sysmon", "command": "./sysmon", "args": [], "rpc": True,
                              "restart": True, "max_restarts": -1}]},
    "logging": {"level": "info", "dir": "./logs"},
    "access": {"rpc_timeout_seconds": 30, "shutdown_timeout_seconds": 10},
}  # fmt: skip


def test_the_brokers_shipped_config_gives_defaults_plus_its_logging():
    settings = settings_from_mapping(BROKER_CONFIG)
    assert settings == Settings(log_level="INFO", log_dir="./logs")
    assert settings.warnings == ()


def test_sysmon_keys():
    settings = settings_from_mapping(
        {
            "sysmon_cache_duration": "250ms",
            "sysmon_broker_timeout": 2,
            "sysmon_broker_retry": "1m",
            "sysmon_disk_timeout": "1.5s",
            "sysmon_procfs_path": "/host/proc",
            "sysmon_rootfs_path": "/host",
            "sysmon_disk_exclude_fstypes": ["tmpfs"],
            "sysmon_disk_exclude_mounts": ["/boot"],
            "sysmon_max_message_bytes": 4096,
            "logging": {"level": "WARN"},
        }
    )
    assert settings == Settings(
        procfs_path="/host/proc", rootfs_path="/host", cache_duration=0.25, broker_timeout=2.0,
        broker_retry=60.0, disk_timeout=1.5, disk_exclude_fstypes=("tmpfs",),
        disk_exclude_mounts=("/boot",), max_message_bytes=4096, log_level="WARNING",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"sysmon_cache_duration": "soon"}, 'sysmon_cache_duration: bad value "soon"'),
        ({"sysmon_broker_timeout": -1}, "sysmon_broker_timeout: bad value -1"),
        ({"sysmon_procfs_path": ""}, 'sysmon_procfs_path: bad value ""'),
        ({"sysmon_disk_exclude_mounts": ["boot"]}, "mount points must be absolute"),
        ({"sysmon_disk_exclude_fstypes": "tmpfs"}, "expected a list of non-empty strings"),
        ({"sysmon_max_message_bytes": 0}, "sysmon_max_message_bytes: bad value 0"),
    ],
)
def test_bad_sysmon_values_are_fatal_and_named(document, message):
    with pytest.raises(ConfigError, match=message):
        settings_from_mapping(document)


def test_bad_shared_logging_values_warn_and_fall_back():
    settings = settings_from_mapping({"logging": {"level": "loud", "dir": 7}, "sysmon_typo": 1})
    assert settings.log_level == "INFO"
    assert settings.log_dir is None
    assert [w.split(":")[0] for w in settings.warnings] == [
        "unknown config key sysmon_typo ignored (known",
        "logging.level",
        "logging.dir",
    ]


def test_config_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert read_config_file(None) == Settings()  # no ./config.json: defaults
    with pytest.raises(ConfigError, match=r"config file missing\.json does not exist"):
        read_config_file("missing.json")
    (tmp_path / "config.json").write_text(json.dumps({"sysmon_cache_duration": 3}))
    assert read_config_file(None).cache_duration == 3.0
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(ConfigError, match=r"bad\.json is not valid JSON"):
        read_config_file("bad.json")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(ConfigError, match="must hold a JSON object"):
        read_config_file("list.json")


def test_command_line_wins():
    settings = apply_overrides(
        Settings(procfs_path="/a"), {"procfs_path": "/b", "rootfs_path": None}
    )
    assert (settings.procfs_path, settings.rootfs_path) == ("/b", "/")
    with pytest.raises(ConfigError):
        apply_overrides(Settings(), {"dialect": "xml"})


def test_environment():
    assert process_id_from({}) == "sysmon"
    assert process_id_from({"PROCESS_ID": "sysmon-2"}) == "sysmon-2"


def test_transport_keys():
    settings = settings_from_mapping({"sysmon_transport": "uds", "sysmon_uds_path": "/run/b.sock"})
    assert (settings.transport, settings.uds_path) == ("uds", "/run/b.sock")
    assert Settings().transport is None
    with pytest.raises(ConfigError, match='sysmon_transport: bad value "pipe"'):
        settings_from_mapping({"sysmon_transport": "pipe"})
    with pytest.raises(ConfigError, match="sysmon_uds_path"):
        settings_from_mapping({"sysmon_uds_path": ""})


@pytest.mark.parametrize("value", [0, "0s", "0ms"])
def test_a_zero_disk_timeout_is_refused_with_the_reason(value):
    with pytest.raises(ConfigError) as raised:
        settings_from_mapping({"sysmon_disk_timeout": value})
    assert str(raised.value) == (
        f"sysmon_disk_timeout: bad value {json.dumps(value)}: must be above 0 (with no time "
        "at all, every measurement would time out)"
    )
    assert settings_from_mapping({"sysmon_disk_timeout": "10ms"}).disk_timeout == 0.01


@pytest.mark.parametrize(
    ("spelling", "level"),
    [("debug", "DEBUG"), ("INFO", "INFO"), ("Warn", "WARNING"), ("warning", "WARNING"),
     ("WARNING", "WARNING"), ("error", "ERROR"), ("ERROR", "ERROR")],
)  # fmt: skip
def test_config_and_command_line_take_the_same_level_spellings(spelling, level):
    assert settings_from_mapping({"logging": {"level": spelling}}).log_level == level
    assert log_level_name(spelling) == level
    assert main_log_level(["--log-level", spelling]) == level


def main_log_level(argv):
    from sysmon.app.cli import build_parser, load_settings

    return load_settings(build_parser().parse_args([*argv, "call", "RPCGetUptime"])).log_level


def test_an_unknown_level_spelling_is_refused_alike():
    with pytest.raises(ValueError, match="expected one of debug, info, warn, warning, error"):
        log_level_name("loud")
    warnings = settings_from_mapping({"logging": {"level": "loud"}}).warnings
    assert warnings == (
        'logging.level: bad value "loud": expected debug, info, warn, warning or error '
        "(any case); using info",
    )
