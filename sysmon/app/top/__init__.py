"""``sysmon top``: a live terminal view of a host, real or simulated."""
