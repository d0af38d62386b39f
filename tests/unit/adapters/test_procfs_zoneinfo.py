import pytest

from sysmon.adapters.procfs.zoneinfo import parse_zoneinfo
from sysmon.domain.errors import InternalError

# 2.6.18 layout: watermarks under "pages free".
LINUX_2_6_18 = b"""Node 0, zone      DMA
  pages free     2000
        min      10
        low      12
        high     15
        active   0
  pagesets
    cpu: 0 pcp: 0
              count: 0
              high:  0
              batch: 1
Node 0, zone    DMA32
  pages free     250000
        min      1000
        low      1250
        high     1500
"""
# 2.6.1x per-cpu pagesets had a "low:" line of their own: it is not a watermark.
LINUX_2_6_14_PAGESET = b"""Node 0, zone   Normal
  pages free     4000
        min      190
        low      238
        high     285
  pagesets
    cpu: 0 pcp: 0
              count: 2
              low:   0
              high:  6
"""
# 6.x: per-node stats first, "boost" and "promo" lines, empty zones with 0 watermarks.
LINUX_6_8 = b"""Node 0, zone      DMA
  per-node stats
      nr_inactive_anon 93750
  pages free     30000
        boost    0
        min      1600
        low      2000
        high     2400
        promo    2800
Node 0, zone  Movable
  pages free     0
        boost    0
        min      0
        low      0
        high     0
"""


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(LINUX_2_6_18, 12 + 1250, id="2.6.18"),
        pytest.param(LINUX_2_6_14_PAGESET, 238, id="2.6.14-pageset-low"),
        pytest.param(LINUX_6_8, 2000, id="6.8"),
        pytest.param(b"low 5\n\tlow 6\n", 11, id="any-indent"),
    ],
)
def test_parses(data, expected):
    assert parse_zoneinfo(data) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "/proc/zoneinfo: empty", id="empty"),
        pytest.param(
            b"Node 0, zone DMA\n  pages free 5\n", "/proc/zoneinfo: no low watermark", id="no-low"
        ),
        pytest.param(
            b"        low      x\n",
            "/proc/zoneinfo: bad number 'x' in low watermark",
            id="non-numeric",
        ),
        pytest.param(
            b"        low      1 2\n",
            "/proc/zoneinfo: bad low watermark line 'low      1 2'",
            id="extra-field",
        ),
    ],
)
def test_rejects(data, message):
    with pytest.raises(InternalError) as caught:
        parse_zoneinfo(data)
    assert str(caught.value) == message
