"""Logging to stderr and, when the broker's config names a directory, to ``<dir>/sysmon.log``.

stdout belongs to the protocol, so no handler here ever writes to it.
"""

from __future__ import annotations

import logging
import os
import sys

from sysmon.app.log_limits import RepeatLimiter

FORMAT = "%(asctime)s %(levelname)s sysmon[%(process)d] %(name)s: %(message)s"


class LogDirError(OSError):
    """``logging.dir`` cannot hold the log file; the message says why."""


def ensure_log_dir(log_dir: str) -> None:
    """Create ``log_dir`` if it is missing, its last level only: a typo in a parent stays
    a visible error rather than a tree of directories made somewhere unexpected."""
    if os.path.isdir(log_dir):
        return
    if os.path.lexists(log_dir):
        raise LogDirError(f"logging.dir {log_dir} exists and is not a directory")
    parent = os.path.dirname(os.path.abspath(log_dir))
    if not os.path.isdir(parent):
        raise LogDirError(
            f"logging.dir {log_dir}: its parent {parent} does not exist (sysmon creates the "
            "last level only)"
        )
    try:
        os.mkdir(log_dir, 0o755)
    except FileExistsError:
        pass  # made meanwhile, by the broker perhaps
    except OSError as error:
        raise LogDirError(f"logging.dir {log_dir} cannot be created: {error.strerror}") from None


def configure_logging(
    level: str, log_dir: str | None, limiter: RepeatLimiter | None = None
) -> list[str]:
    """Install the handlers on the ``sysmon`` logger; returns problems worth a warning.

    Every handler shares one ``RepeatLimiter``, so repeated lines are held back alike.
    """
    problems: list[str] = []
    limiter = limiter or RepeatLimiter()
    logger = logging.getLogger("sysmon")
    logger.setLevel(level)
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    formatter = logging.Formatter(FORMAT)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(formatter)
    stderr.addFilter(limiter)
    logger.addHandler(stderr)
    if log_dir:
        try:
            ensure_log_dir(log_dir)
            file_handler = logging.FileHandler(os.path.join(log_dir, "sysmon.log"), delay=False)
        except LogDirError as error:
            problems.append(f"not logging to a file: {error}")
        except OSError as error:
            problems.append(f"cannot log to {log_dir}/sysmon.log: {error.strerror}")
        else:
            file_handler.setFormatter(formatter)
            file_handler.addFilter(limiter)
            logger.addHandler(file_handler)
    return problems
