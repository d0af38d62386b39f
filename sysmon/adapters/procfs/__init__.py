"""The real procfs adapter: one module per kernel file, each a pure parser, and the reader."""

from sysmon.adapters.procfs.reader import ProcfsReader

__all__ = ["ProcfsReader"]
