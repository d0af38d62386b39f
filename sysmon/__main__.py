"""`python -m sysmon` is the same as the `sysmon` console script."""

from sysmon.app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
