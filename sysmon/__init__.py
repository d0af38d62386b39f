"""sysmon: a small, fast Linux system-metrics service for a broker's child slot."""

__version__ = "0.1.0"
