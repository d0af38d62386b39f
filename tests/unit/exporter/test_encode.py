"""sysmon's encoders write byte for byte what prometheus_client's own write."""

import math

import pytest
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics
from prometheus_client.utils import floatToGoString

from sysmon.adapters.deadline import InlineDeadline
from sysmon.adapters.fake_clock import FakeClock
from sysmon.adapters.fake_host import FakeHost
from sysmon.app.exporter.collectors import ScrapeCollector, realized
from sysmon.app.exporter.encode import encode_openmetrics, encode_text, number
from sysmon.domain.disk import DiskPolicy
from sysmon.domain.metrics import MetricsService


class Families:
    def __init__(self, families):
        self.families = families

    def collect(self):
        return self.families


@pytest.mark.parametrize("tree", ["odd-host", "this-vm", "legacy-2.6.18"])
def test_the_same_bytes_as_the_librarys_encoders(tmp_path, tree):
    clock = FakeClock()
    host = FakeHost.from_tree(tree, str(tmp_path / "host"), clock=clock)
    # label values that need escaping: a backslash, quotes, a newline
    host.mount('/mnt/a "quoted"\\path\nline', "ext4", total=1 << 30, source='say"what"')
    metrics = MetricsService(host.reader(), clock, InlineDeadline(), host.facts, DiskPolicy(), 0)
    families = list(ScrapeCollector(metrics).collect())
    ours_text, ours_openmetrics = encode_text(families), encode_openmetrics(families)
    theirs = Families([realized(family) for family in families])
    assert ours_text == generate_latest(theirs)
    assert ours_openmetrics == generate_openmetrics(theirs)
    assert b'mountpoint="/mnt/a \\"quoted\\"\\\\path\\nline"' in ours_text
    assert b'device="say\\"what\\""' in ours_text


@pytest.mark.parametrize(
    "value",
    [0, 1, 999_999, 1_000_000, 2**64 - 1, 270553174016, 0.5, 1e-9, 123456.789, 1234567.8,
     -3, -12345678.0, math.inf, -math.inf, math.nan, 7.0, 1e300],
)  # fmt: skip
def test_numbers_as_go_prints_them(value):
    assert number(value) == floatToGoString(value)
