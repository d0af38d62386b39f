"""Logging to stderr and, when the broker's config names a directory, to ``<dir>/sysmon.log``.

stdout belongs to the protocol, so no handler here ever writes to it.
"""

from __future__ import annotations

import logging
import os
import sys

from sysmon.app.log_limits import RepeatLimiter

FORMAT = "%(asctime)s %(levelname)s sysmon[%(process)d] %(name)s: %(message)s"


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
            os.makedirs(log_dir, exist_ok=True)
            file_handler = logging.FileHandler(os.path.join(log_dir, "sysmon.log"), delay=False)
        except OSError as error:
            problems.append(f"cannot log to {log_dir}/sysmon.log: {error.strerror}")
        else:
            file_handler.setFormatter(formatter)
            file_handler.addFilter(limiter)
            logger.addHandler(file_handler)
    return problems
