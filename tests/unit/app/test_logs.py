"""logging.dir: the last level created at most, a clear word when it cannot hold the log."""

import logging

import pytest

from sysmon.app.logs import configure_logging


@pytest.fixture(autouse=True)
def restore_sysmon_logger():
    logger = logging.getLogger("sysmon")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


def test_a_missing_last_level_is_created_and_logged_to(tmp_path):
    assert configure_logging("INFO", str(tmp_path / "logs")) == []
    logging.getLogger("sysmon.test").info("hello file")
    assert "hello file" in (tmp_path / "logs" / "sysmon.log").read_text()


def test_missing_parents_are_not_created(tmp_path):
    target = tmp_path / "typo" / "logs"
    assert configure_logging("INFO", str(target)) == [
        f"not logging to a file: logging.dir {target}: its parent {tmp_path / 'typo'} does "
        "not exist (sysmon creates the last level only)"
    ]
    assert not (tmp_path / "typo").exists()


def test_a_file_given_as_the_directory_is_named(tmp_path):
    (tmp_path / "logs").write_text("not a directory")
    assert configure_logging("INFO", str(tmp_path / "logs")) == [
        f"not logging to a file: logging.dir {tmp_path / 'logs'} exists and is not a directory"
    ]
    assert (tmp_path / "logs").read_text() == "not a directory"


def test_an_existing_directory_is_used_as_it_is(tmp_path):
    (tmp_path / "logs").mkdir(mode=0o700)
    assert configure_logging("INFO", str(tmp_path / "logs")) == []
    assert (tmp_path / "logs").stat().st_mode & 0o777 == 0o700
