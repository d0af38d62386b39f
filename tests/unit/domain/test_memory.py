import pytest

from sysmon.domain.errors import ProcfsFormatError
from sysmon.domain.memory import estimate_available, memory_payload

KIB = 1024
MODERN = {
    "MemTotal": 8000 * KIB,
    "MemFree": 1000 * KIB,
    "MemAvailable": 5000 * KIB,
    "Buffers": 200 * KIB,
    "Cached": 3000 * KIB,
    "SReclaimable": 400 * KIB,
    "Shmem": 50 * KIB,
    "SwapTotal": 2000 * KIB,
    "SwapFree": 1500 * KIB,
}


def test_modern_kernel_uses_memavailable():
    payload = memory_payload(MODERN, None, 4096)
    assert payload == {
        "total": 8000 * KIB,
        "available": 5000 * KIB,
        "used": 3000 * KIB,
        "usage_percent": 37.5,
        "free": 1000 * KIB,
        "buffers": 200 * KIB,
        "cached": 3400 * KIB,
        "shared": 50 * KIB,
        "swap_total": 2000 * KIB,
        "swap_free": 1500 * KIB,
        "swap_used": 500 * KIB,
        "swap_usage_percent": 25.0,
    }


def test_no_swap_is_zero_percent():
    info = dict(MODERN, SwapTotal=0, SwapFree=0)
    payload = memory_payload(info, None, 4096)
    assert (payload["swap_used"], payload["swap_usage_percent"]) == (0, 0.0)


OLD = {
    "MemTotal": 4_000_000 * KIB,
    "MemFree": 1_000_000 * KIB,
    "Cached": 900_000 * KIB,
    "Active(file)": 600_000 * KIB,
    "Inactive(file)": 200_000 * KIB,
    "SReclaimable": 100_000 * KIB,
}


def test_estimate_for_kernels_without_memavailable():
    # low watermark 1000 pages of 4 KiB = 4,096,000 bytes
    low = 1000 * 4096
    free = 1_000_000 * KIB
    page_cache = 800_000 * KIB
    slab = 100_000 * KIB
    expected = free - low + page_cache - min(page_cache / 2, low) + slab - min(slab / 2, low)
    # worked by hand: 1,024,000,000 - 4,096,000 + 819,200,000 - 4,096,000
    #                 + 102,400,000 - 4,096,000 = 1,933,312,000
    assert int(expected) == 1_933_312_000
    assert estimate_available(OLD, 1000, 4096) == 1_933_312_000
    payload = memory_payload(OLD, 1000, 4096)
    assert payload["available"] == 1_933_312_000
    assert payload["used"] == 4_096_000_000 - 1_933_312_000


@pytest.mark.parametrize(
    ("info", "low"),
    [
        (OLD, None),  # no zoneinfo
        ({k: v for k, v in OLD.items() if k != "SReclaimable"}, 1000),  # field missing
    ],
)
def test_estimate_falls_back_to_free_plus_cached(info, low):
    assert estimate_available(info, low, 4096) == (1_000_000 + 900_000) * KIB


def test_memavailable_zero_is_estimated():
    info = dict(OLD, MemAvailable=0)
    assert memory_payload(info, None, 4096)["available"] == 1_900_000 * KIB


def test_available_above_total_uses_free():
    info = dict(MODERN, MemAvailable=9000 * KIB)
    assert memory_payload(info, None, 4096)["available"] == 1000 * KIB


def test_missing_memtotal_names_the_file():
    with pytest.raises(ProcfsFormatError, match=r"^/proc/meminfo: no MemTotal line$"):
        memory_payload({"MemFree": 1}, None, 4096)


def test_memfree_above_memtotal_is_a_garbled_file():
    # "MemTotal: 8000" without its kB unit: 8000 bytes against 1000 KiB free
    info = dict(MODERN, MemTotal=8000)
    with pytest.raises(
        ProcfsFormatError, match=r"^/proc/meminfo: MemFree 1024000 exceeds MemTotal 8000$"
    ):
        memory_payload(info, None, 4096)
