import pytest

from sysmon.adapters.procfs.kernel import parse_kernel_identity, parse_kernel_value
from sysmon.domain.errors import InternalError
from sysmon.domain.models import KernelIdentity


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"vm\n", "vm"),
        (b"6.18.44-fc-v657\n", "6.18.44-fc-v657"),
        (b"2.6.18-419.el5\n", "2.6.18-419.el5"),
        (b"(none)\n", "(none)"),  # a hostname never set
        (b"\n", ""),  # set to the empty string
        (b"no-newline", "no-newline"),
        (b"two\n\n", "two\n"),  # only the one newline the kernel adds is removed
        (b"caf\xc3\xa9\n", "café"),
        (b"bad\xff\n", "bad\\xff"),
    ],
)
def test_value(data, expected):
    assert parse_kernel_value(data, "/proc/sys/kernel/hostname") == expected


def test_an_empty_file_is_an_error():
    with pytest.raises(InternalError, match=r"^/proc/sys/kernel/ostype: empty$"):
        parse_kernel_identity(b"h\n", b"r\n", b"", None)


@pytest.mark.parametrize(
    ("arch", "expected"), [(b"x86_64\n", "x86_64"), (None, None)], ids=["6.x", "older"]
)
def test_identity(arch, expected):
    assert parse_kernel_identity(b"vm\n", b"6.18.44\n", b"Linux\n", arch) == KernelIdentity(
        hostname="vm", osrelease="6.18.44", ostype="Linux", arch=expected
    )
