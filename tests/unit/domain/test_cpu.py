import pytest

from sysmon.adapters.fake_clock import FakeClock
from sysmon.domain.cpu import CpuSampler, busy_and_total, cpu_payload, usage_percent
from sysmon.domain.models import CpuTimes, KernelStat


def times(*columns: int) -> CpuTimes:
    return CpuTimes(*columns)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # 4-column kernel: Δuser 30, Δsystem 20, Δidle 50 -> 50 busy of 100
        (times(100, 0, 100, 1000), times(130, 0, 120, 1050), 50.0),
        # iowait is not busy: Δuser 10, Δiowait 30, Δidle 60 -> 10 %
        (times(0, 0, 0, 0, 0), times(10, 0, 0, 60, 30), 10.0),
        # guest (already inside user) is taken out of the total once:
        # Δuser 40 (of which guest 40), Δidle 60 -> total 100, busy 40
        (times(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), times(40, 0, 0, 60, 0, 0, 0, 0, 40, 0), 40.0),
        # guest_nice likewise, with steal counted as busy: Δnice 20 (guest_nice 20),
        # Δsteal 5, Δidle 75 -> busy 25 of 100
        (times(0, 0, 0, 0), times(0, 20, 0, 75, 0, 0, 0, 5, 0, 20), 25.0),
        # a counter stepping back (idle 1000 -> 990) is clamped at 0: Δuser 10 only
        (times(0, 0, 0, 1000), times(10, 0, 0, 990), 100.0),
        # nothing moved
        (times(5, 5, 5, 5), times(5, 5, 5, 5), 0.0),
        # rounding to 2 decimals: 1 busy of 3
        (times(0, 0, 0, 0), times(1, 0, 0, 2), 33.33),
    ],
)
def test_usage_percent(before, after, expected):
    assert usage_percent(before, after) == expected


def test_busy_and_total_subtracts_guest_columns():
    assert busy_and_total((10, 1, 2, 50, 3, 4, 5, 6, 7, 8)) == (10 + 1 + 2 + 4 + 5 + 6, 81)


class ScriptedStat:
    """A ProcfsPort stand-in for the sampler: returns the queued cpu lines in order."""

    def __init__(self, *samples: CpuTimes) -> None:
        self.samples = list(samples)
        self.reads = 0

    def kernel_stat(self) -> KernelStat:
        self.reads += 1
        cpu = self.samples.pop(0) if len(self.samples) > 1 else self.samples[0]
        return KernelStat(cpu=cpu, online_cpus=2)


def test_first_window_waits_out_100ms_on_the_clock():
    clock = FakeClock()
    stat = ScriptedStat(times(0, 0, 0, 0), times(25, 0, 0, 75))
    sampler = CpuSampler(stat, clock)  # type: ignore[arg-type]
    sampler.start()
    clock.advance(0.03)
    window = sampler.window()
    assert clock.slept == pytest.approx(0.07)
    assert window.seconds == pytest.approx(0.1)
    assert window.usage_percent == 25.0


def test_rapid_requests_reuse_the_last_full_window_without_reading():
    clock = FakeClock()
    stat = ScriptedStat(times(0, 0, 0, 0), times(50, 0, 0, 50), times(60, 0, 0, 140))
    sampler = CpuSampler(stat, clock)  # type: ignore[arg-type]
    sampler.start()
    clock.advance(1.0)
    first = sampler.window()
    clock.advance(0.01)
    again = sampler.window()
    assert again is first
    assert stat.reads == 2
    clock.advance(1.0)
    later = sampler.window()
    # Δuser 10, Δidle 90 since the previous window's sample
    assert later.usage_percent == 10.0
    assert clock.slept == 0


def test_start_on_a_broken_host_defers_the_error_to_the_request():
    class Broken:
        def kernel_stat(self) -> KernelStat:
            raise OSError("gone")

    sampler = CpuSampler(Broken(), FakeClock())  # type: ignore[arg-type]
    sampler.start()
    with pytest.raises(OSError):
        sampler.window()


def test_cpu_payload_reports_seconds_since_boot():
    clock = FakeClock()
    stat = ScriptedStat(times(0, 0, 0, 0), times(250, 50, 100, 1000, 20, 3, 7, 11, 13, 17))
    sampler = CpuSampler(stat, clock)  # type: ignore[arg-type]
    sampler.start()
    clock.advance(2)
    payload = cpu_payload(sampler.window(), user_hz=100)
    assert payload["user"] == 2.5
    assert payload["nice"] == 0.5
    assert payload["system"] == 1.0
    assert payload["idle"] == 10.0
    assert payload["iowait"] == 0.2
    assert payload["irq"] == 0.03
    assert payload["softirq"] == 0.07
    assert payload["steal"] == 0.11
    assert payload["guest"] == 0.13
    assert payload["guest_nice"] == 0.17
    # all columns sum to 1471; total = 1471 - 13 - 17 = 1441;
    # busy = 1441 - 1000 - 20 = 421 -> 421 / 1441 = 29.22 %
    assert payload["usage_percent"] == 29.22
    assert payload["window_seconds"] == 2.0
    assert payload["timestamp"] == clock.time()
