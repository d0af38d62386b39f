"""/proc/sys/kernel/{hostname,osrelease,ostype,arch,version,domainname}: one line each."""

from __future__ import annotations

from sysmon.adapters.procfs.fields import text
from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.models import KernelIdentity

DIRECTORY = "sys/kernel"
REQUIRED = ("hostname", "osrelease", "ostype")
OPTIONAL = ("arch", "version", "domainname")  # arch: recent kernels only


def parse_kernel_value(data: bytes, path: str) -> str:
    """The file's single line without its newline; a file with no line at all is an error."""
    if not data:
        raise ProcfsFormatError(path, "empty")
    return text(data.removesuffix(b"\n"))


def _optional(data: bytes | None, name: str) -> str | None:
    return None if data is None else parse_kernel_value(data, f"/proc/{DIRECTORY}/{name}")


def parse_kernel_identity(
    hostname: bytes,
    osrelease: bytes,
    ostype: bytes,
    arch: bytes | None,
    version: bytes | None = None,
    domainname: bytes | None = None,
) -> KernelIdentity:
    """The files' contents; an optional one is None where the kernel does not have it."""
    return KernelIdentity(
        hostname=parse_kernel_value(hostname, "/proc/sys/kernel/hostname"),
        osrelease=parse_kernel_value(osrelease, "/proc/sys/kernel/osrelease"),
        ostype=parse_kernel_value(ostype, "/proc/sys/kernel/ostype"),
        arch=_optional(arch, "arch"),
        version=_optional(version, "version"),
        domainname=_optional(domainname, "domainname"),
    )
