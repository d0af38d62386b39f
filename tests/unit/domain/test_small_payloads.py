import pytest

from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.load import load_payload
from sysmon.domain.models import (
    CpuTimes,
    KernelIdentity,
    KernelStat,
    LoadAvg,
    NetDev,
    ProcessTally,
    Uptime,
)
from sysmon.domain.network import network_payload
from sysmon.domain.processes import process_payload
from sysmon.domain.sysinfo import iso_utc, sysinfo_payload
from sysmon.domain.uptime import uptime_payload


def test_load_payload():
    assert load_payload(LoadAvg(0.02, 0.04, 0.05, 1, 497, 11947)) == {
        "load1": 0.02, "load5": 0.04, "load15": 0.05,
        "runnable_tasks": 1, "existing_tasks": 497, "last_pid": 11947,
    }  # fmt: skip


def test_uptime_payload_keeps_idle_above_uptime():
    assert uptime_payload(Uptime(100.5, 190.25)) == {"uptime": 100.5, "idle_time": 190.25}


def dev(name, rx, tx):
    return NetDev(name, rx, 2, 3, 4, tx, 6, 7, 8)


def test_network_totals_leave_out_loopback():
    payload = network_payload([dev("lo", 1000, 1000), dev("eth0", 10, 20), dev("wlan0", 5, 7)])
    assert payload["total_rx"] == 15
    assert payload["total_tx"] == 27
    assert payload["network"]["lo"] == {
        "rx_bytes": 1000, "tx_bytes": 1000, "rx_packets": 2, "tx_packets": 6,
        "rx_errors": 3, "tx_errors": 7, "rx_dropped": 4, "tx_dropped": 8,
    }  # fmt: skip
    assert list(payload["network"]) == ["lo", "eth0", "wlan0"]


def test_processes_count_states_as_top_does():
    tally = ProcessTally(
        states={"R": 2, "S": 10, "D": 1, "I": 4, "T": 1, "t": 2, "Z": 3, "X": 1, "W": 1, "P": 1},
        threads=57,
    )
    assert process_payload(tally, 1) == {
        "processes_running": 2,
        "processes_sleeping": 10 + 1 + 4 + 1 + 1 + 1,
        "processes_stopped": 3,
        "processes_zombie": 3,
        "processes_total": 26,
        "threads": 57,
        "procs_blocked": 1,
    }


def test_iso_utc():
    assert iso_utc(1795765262) == "2026-11-27T07:41:02Z"
    assert iso_utc(0) == "1970-01-01T00:00:00Z"
    # the calendar's last second: 2,932,897 days after 1970-01-01, less one second
    assert iso_utc(2_932_897 * 86400 - 1) == "9999-12-31T23:59:59Z"


def test_sysinfo_payload_prefers_kernel_arch_and_names_the_distribution():
    identity = KernelIdentity("box", "6.1.0-13-amd64", "Linux", "x86_64")
    stat = KernelStat(cpu=CpuTimes(), online_cpus=8, boot_time=1795765262)
    payload = sysinfo_payload(identity, stat, {"PRETTY_NAME": "Debian GNU/Linux 12"}, "aarch64")
    assert payload == {
        "hostname": "box", "kernel": "6.1.0-13-amd64", "os": "Linux", "platform": "x86_64",
        "processors": 8, "boot_time": "2026-11-27T07:41:02Z", "boot_time_unix": 1795765262,
        "distribution": "Debian GNU/Linux 12",
    }  # fmt: skip


def test_sysinfo_without_arch_or_os_release_uses_the_machine_name():
    identity = KernelIdentity("box", "2.6.32", "Linux", None)
    payload = sysinfo_payload(identity, KernelStat(cpu=CpuTimes(), online_cpus=1), None, "i686")
    assert payload["platform"] == "i686"
    assert "distribution" not in payload
    assert payload["boot_time"] is None


def test_a_boot_time_no_calendar_holds_is_a_garbled_stat():
    with pytest.raises(
        ProcfsFormatError, match=r"^/proc/stat: btime 1200000000000 is out of range$"
    ):
        iso_utc(1_200_000_000_000)
    with pytest.raises(ProcfsFormatError, match="out of range"):
        iso_utc(2_932_897 * 86400)  # the year 10000
    with pytest.raises(ProcfsFormatError, match="out of range"):
        iso_utc(10**30)
