import pytest

from sysmon.adapters.procfs.os_release import parse_os_release

# Debian 12, as shipped.
DEBIAN_12 = b"""PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
"""
# Alpine 3.19: mostly unquoted.
ALPINE = b"""NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
"""


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            DEBIAN_12,
            {
                "PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)",
                "NAME": "Debian GNU/Linux",
                "VERSION_ID": "12",
                "VERSION": "12 (bookworm)",
                "VERSION_CODENAME": "bookworm",
                "ID": "debian",
                "HOME_URL": "https://www.debian.org/",
            },
            id="debian-12",
        ),
        pytest.param(
            ALPINE,
            {
                "NAME": "Alpine Linux",
                "ID": "alpine",
                "VERSION_ID": "3.19.1",
                "PRETTY_NAME": "Alpine Linux v3.19",
            },
            id="alpine",
        ),
        pytest.param(b"# comment\n\n   \nID=x\n  # indented comment\n", {"ID": "x"}, id="comments"),
        pytest.param(b"ID_LIKE='debian ubuntu'\n", {"ID_LIKE": "debian ubuntu"}, id="single"),
        pytest.param(b"A='no \\$ escapes'\n", {"A": "no \\$ escapes"}, id="single-is-literal"),
        pytest.param(
            b'PRETTY_NAME="Odd \\"Quirk\\" \\$HOME \\`uname\\` back\\\\slash \\n"\n',
            {"PRETTY_NAME": 'Odd "Quirk" $HOME `uname` back\\slash \\n'},
            id="double-quoted-escapes",
        ),
        pytest.param(b"A=one\\ two\n", {"A": "one two"}, id="unquoted-escape"),
        pytest.param(b'A=""\nB=\n', {"A": "", "B": ""}, id="empty-values"),
        pytest.param(b"A=1\nA=2\n", {"A": "2"}, id="last-wins"),
        pytest.param(b'A="x=y"\n', {"A": "x=y"}, id="equals-in-value"),
        pytest.param(
            b"no equals\n=x\n1A=x\nA B=x\nC=\"unclosed\nD='\nE=ok\n", {"E": "ok"}, id="malformed"
        ),
        pytest.param(b"NAME=caf\xc3\xa9\nX=\xff\n", {"NAME": "café", "X": "\ufffd"}, id="utf8"),
        pytest.param(b"", {}, id="empty"),
    ],
)
def test_parses(data, expected):
    assert parse_os_release(data) == expected
