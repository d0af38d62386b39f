"""The roots at start: both must exist; a tree's proc/ brings its rootfs/ along."""

import logging
from pathlib import Path

import pytest

from sysmon.app.cli import build_parser, load_settings
from sysmon.app.config import ConfigError, Settings, apply_overrides, settings_from_mapping
from sysmon.app.roots import paired_rootfs, settle_roots

HOSTS = Path(__file__).resolve().parents[3] / "sysmon" / "hosts"


def tree(tmp_path, *, rootfs=True):
    (tmp_path / "tree" / "proc").mkdir(parents=True)
    if rootfs:
        (tmp_path / "tree" / "rootfs").mkdir()
    return tmp_path / "tree"


def test_a_trees_proc_alone_takes_its_rootfs_and_says_so(tmp_path):
    host = tree(tmp_path)
    settings = settle_roots(Settings(procfs_path=str(host / "proc")))
    assert settings.rootfs_path == str(host / "rootfs")
    assert settings.notices == (
        f"procfs root {host / 'proc'} is a host tree's proc/: reading its rootfs "
        f"{host / 'rootfs'} too (give --rootfs or sysmon_rootfs_path to choose another)",
    )


def test_the_same_from_the_config_keys(tmp_path):
    host = tree(tmp_path)
    settings = settle_roots(settings_from_mapping({"sysmon_procfs_path": f"{host}/proc/"}))
    assert settings.rootfs_path == str(host / "rootfs")


def test_a_given_rootfs_wins_from_either_source(tmp_path):
    host = tree(tmp_path)
    from_file = settings_from_mapping({"sysmon_procfs_path": str(host / "proc"),
                                       "sysmon_rootfs_path": "/"})  # fmt: skip
    assert settle_roots(from_file).rootfs_path == "/"
    from_flag = apply_overrides(Settings(procfs_path=str(host / "proc")), {"rootfs_path": "/"})
    assert settle_roots(from_flag).rootfs_path == "/"
    assert settle_roots(from_flag).notices == ()


def test_no_pairing_without_a_rootfs_beside_or_for_this_hosts_proc(tmp_path):
    host = tree(tmp_path, rootfs=False)
    assert paired_rootfs(str(host / "proc")) is None
    assert paired_rootfs("/proc") is None  # a /rootfs here would be some other mount
    assert paired_rootfs(str(tmp_path)) is None  # not named proc


def test_a_relative_tree_pairs_relatively(tmp_path, monkeypatch):
    tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert paired_rootfs("tree/proc") == "tree/rootfs"


@pytest.mark.parametrize(
    ("roots", "message"),
    [
        ({"procfs_path": "/nonexistent"},
         "the procfs root /nonexistent (--procfs, sysmon_procfs_path) does not exist"),
        ({"rootfs_path": "/nonexistent", "rootfs_given": True},
         "the rootfs root /nonexistent (--rootfs, sysmon_rootfs_path) does not exist"),
    ],
)  # fmt: skip
def test_a_missing_root_is_fatal_and_named(roots, message):
    with pytest.raises(ConfigError) as raised:
        settle_roots(Settings(**roots))
    assert str(raised.value) == message


def test_a_file_as_a_root_is_named(tmp_path):
    (tmp_path / "proc").write_text("")
    with pytest.raises(ConfigError, match=r"procfs root .*/proc \(--procfs, sysmon_procfs_path\) "
                       "is not a directory"):  # fmt: skip
        settle_roots(Settings(procfs_path=str(tmp_path / "proc")))


def test_the_command_line_pairs_a_shipped_trees_proc():
    args = build_parser().parse_args(["call", "RPCGetSystemInfo", "--procfs",
                                      str(HOSTS / "odd-host" / "proc")])  # fmt: skip
    assert load_settings(args).rootfs_path == str(HOSTS / "odd-host" / "rootfs")


def test_the_notice_is_logged_at_info(tmp_path, capsys):
    from sysmon.app.cli import main

    host = tree(tmp_path)
    (host / "proc" / "loadavg").write_text("0.50 0.25 0.10 1/80 4321\n")
    assert main(["call", "RPCGetLoadAverage", "--procfs", str(host / "proc"),
                 "--log-level", "info"]) == 0  # fmt: skip
    captured = capsys.readouterr()
    assert "INFO sysmon[" in captured.err
    assert f"reading its rootfs {host / 'rootfs'} too" in captured.err
    logging.getLogger("sysmon").handlers.clear()
