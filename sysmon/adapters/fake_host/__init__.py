"""FakeHost: a scripted Linux host that writes real kernel text for the real ``ProcfsReader``.

Layout under a root directory (the same as ``sysmon/hosts/<NAME>``)::

    <root>/proc/…       procfs, in the kernel's own formats
    <root>/rootfs/…     the root filesystem: mount point directories, etc/os-release
    <root>/host.json    {"user_hz", "page_size", "machine", "mounts": {path: {total, used, free}}}

The service reads the host through the real ``ProcfsReader``, so every parser runs;
the host is nothing but files. It uses only ``os`` and ``open``, so the same script
works inside pyfakefs (pass ``fs``) and in a real directory. Disk figures come from
statvfs: inside pyfakefs each mount is a pyfakefs mount point of its size (where free
is always total - used); in a real directory ``reader()`` answers ``fs_usage`` from
host.json instead (see ``disk``).

Modules: ``host`` (the script's verbs), ``model`` (the state), ``minimal`` (the host
made from nothing), ``render`` and ``text`` (state to kernel text), ``tree`` (captured
trees), ``disk`` (host.json).
"""

from sysmon.adapters.fake_host.host import FakeHost

__all__ = ["FakeHost"]
