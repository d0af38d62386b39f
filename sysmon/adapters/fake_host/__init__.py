"""FakeHost: a scripted Linux host that writes real kernel text for the real ``ProcfsReader``.

Layout under a root directory (the same as ``testdata/hosts/<NAME>``)::

    <root>/proc/…       procfs, in the kernel's own formats
    <root>/rootfs/…     the root filesystem: mount point directories, etc/os-release
    <root>/host.json    {"user_hz", "page_size", "machine", "mounts": {path: {total, used, free}}}

The service reads the host through the real ``ProcfsReader``, so every parser runs;
the host is nothing but files. It uses only ``os`` and ``open``, so the same script
works inside pyfakefs (pass ``fs``) and in a real directory. Disk figures come from
statvfs, reserved blocks included: inside pyfakefs each mount is a pyfakefs mount point
of its size, less its reserved bytes; in a real directory they come from host.json
(see ``disk``).

Modules: ``host`` (the script's verbs), ``model`` (the state), ``minimal`` (the host
made from nothing), ``render`` and ``text`` (state to kernel text), ``tree`` (captured
trees), ``disk`` (host.json).
"""

from sysmon.adapters.fake_host.host import FakeHost

__all__ = ["FakeHost"]
