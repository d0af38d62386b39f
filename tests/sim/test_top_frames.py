"""``sysmon top``'s frames from fake hosts in simulated time, against text worked out by hand.

Each frame is what the view draws after one interval: the fake host plays one step of
simulated time (here 1 s, one tick of the scenario), then every section is read through
the same container and ports as ``sysmon call``. The expected frames below are written
out from the scenario's figures; the arithmetic is in the comments.
"""

from __future__ import annotations

import json

import pytest
from top_frames import BUSY, BUSY_FRAME

from sysmon.app.config import Settings
from sysmon.app.container import build_container
from sysmon.app.fake_host_mode import fake_host_session
from sysmon.app.top.frames import FrameClock
from sysmon.app.top.layout import Layout, plain
from sysmon.app.top.snapshot import SnapshotSource


def frames_of(source: str, count: int, *, width: int = 80, height: int | None = None,
              interval: float = 1.0) -> list[str]:  # fmt: skip
    """``count`` frames of the view over ``source``, one simulated interval apart."""
    container = build_container(Settings(cache_duration=0.0))
    with fake_host_session(source, container, default_step=interval) as session:
        assert session.time is not None
        snapshots = SnapshotSource(container.metrics(), container.procfs(), container.clock())
        waited: list[float] = []
        frames = FrameClock(snapshots, interval, waited.append, session.time.step)
        frames.start()
        out = []
        for _ in range(count):
            frames.advance(pace=False)
            out.append(plain(Layout(frames.next(), width).lines(height)))
        assert waited == []  # simulated time: nothing waits on the wall clock
        return out


def test_the_busy_scenario_draws_the_frame_worked_out_by_hand():
    assert frames_of(str(BUSY), 1)[0] == BUSY_FRAME


def test_each_frame_is_one_more_step_of_simulated_time():
    third = frames_of(str(BUSY), 3)[2]
    # three ticks: up 1003 s; /data 53 GiB of 100 (53.0 %, 38 cells × 0.53 = 20.14 → 20);
    # the rates stay at one tick's worth; the totals are three ticks' worth
    assert third.splitlines()[0].startswith("simhost · up 0:16:43 ·")
    assert "/data xfs      53.0 GiB  100 GiB  53.0% [" + "|" * 20 + " " * 18 + "]" in third
    assert "eth0         1.00 MiB/s    256 KiB/s   3.00 MiB    768 KiB" in third


def test_a_two_second_interval_halves_the_rates_of_one_tick_a_second(tmp_path):
    # two ticks a frame: 2 MiB over 2 s is still 1.00 MiB/s; the totals after one frame
    # are 2 MiB and 512 KiB; the CPU shares are those of each tick
    frame = frames_of(str(BUSY), 1, interval=2.0)[0]
    assert "eth0         1.00 MiB/s    256 KiB/s   2.00 MiB    512 KiB" in frame
    assert " 65.0%  user 50.0  sys 10.0  steal 5.0  wait 5.0" in frame
    assert frame.splitlines()[0].startswith("simhost · up 0:16:42 ·")


# k8s-v2 (sysmon/hosts/k8s-v2): a cgroup-v2 pod, memory.current 256 MiB under the
# pod's 384 MiB limit (the app's own 512 MiB is larger: the smallest binds), 2 OOM
# kills; cpu.max 150000/100000 = 1.5 cores, 250 of 1000 periods throttled; pids 12 of
# 50; PSI some avg10 cpu 12.50, memory 4.00 (full 2.00), io 1.00 (full 0.50). The tree
# itself does not move, so every CPU share and rate is 0.
K8S_TAIL = """\
Cgroup v2 /kubepods/burstable/pod-1/app
 mem 256 MiB of 384 MiB (50.0%), 2 OOM kills  ·  pids 12, limit 50
 cpu 0.0% of a 1.5-core quota, throttled in 250 of 1000 periods
PSI  some/full avg10  cpu 12.50%  memory 4.00%/2.00%  io 1.00%/0.50%"""


def test_a_pod_shows_its_limits_and_pressure():
    frame = frames_of("k8s-v2", 1)[0]
    assert frame.endswith("\n\n" + K8S_TAIL)
    assert "CPU  [" + " " * 26 + "]   0.0%  user 0.0  sys 0.0  steal 0.0  wait 0.0" in frame


def test_odd_names_are_escaped_and_offline_cpus_keep_their_numbers():
    frame = frames_of("odd-host", 1)[0]
    # /proc/stat has cpu0, cpu1 and cpu3 (cpu2 offline): column-major, 2 rows
    assert "\ncpu0 [" in frame and "\ncpu1 [" in frame and "% cpu3 [" in frame
    assert "/mnt/new\\nline  ext4" in frame
    assert "/mnt/tab\\there  ext4" in frame
    assert all(len(line) <= 80 for line in frame.splitlines())


def test_a_short_screen_cuts_the_longest_list_first():
    frame = frames_of("odd-host", 1, height=24)[0]
    lines = frame.splitlines()
    assert len(lines) == 24
    # 11 mounts and 6 interface rows compete; the mounts give way first, to "… N more"
    assert any(line.startswith("  … ") and line.endswith(" more mounts") for line in lines)
    assert lines[0].startswith("odd-host · up ")


@pytest.mark.parametrize("width", [40, 60, 120, 200])
def test_every_width_keeps_lines_within_it(width):
    frame = frames_of(str(BUSY), 1, width=width)[0]
    assert all(len(line) <= width for line in frame.splitlines())
    assert "65.0%" in frame


def test_a_section_that_fails_is_named_and_the_rest_is_drawn(tmp_path):
    scenario = tmp_path / "broken.json"
    scenario.write_text(json.dumps({"steps": [{"do": "break_file", "path": "/proc/meminfo",
                                               "how": "garbage"}]}))  # fmt: skip
    frame = frames_of(str(scenario), 1)[0]
    mem = next(line for line in frame.splitlines() if line.startswith("Mem  "))
    assert mem.startswith("Mem  InternalError: ") and "/proc/meminfo" in mem
    assert "\nCPU  [" in frame and "\nMount " in frame  # the rest is there


def test_the_frames_in_the_docs_are_the_frames_drawn():
    doc = (BUSY.parents[1] / "top.md").read_text()
    blocks = [b.split("```", 1)[0].strip("\n") for b in doc.split("```text\n")[1:]]
    assert blocks[0] == BUSY_FRAME
    assert blocks[1] == frames_of("k8s-v2", 1)[0]


SHIPPED = sorted(p.name for p in (BUSY.parents[2] / "sysmon" / "hosts").iterdir() if p.is_dir())


@pytest.mark.parametrize("tree", SHIPPED)
def test_every_shipped_tree_draws_a_whole_frame(tree):
    hosts = BUSY.parents[2] / "sysmon" / "hosts"
    hostname = (hosts / tree / "proc" / "sys" / "kernel" / "hostname").read_text().strip()
    frame = frames_of(tree, 2)[1]
    lines = frame.splitlines()
    assert lines[0].startswith(f"{hostname} · up ")
    for start in ("Load ", "Procs ", "CPU  [", "Mem  [", "Mount ", "Interface "):
        assert any(line.startswith(start) for line in lines), (start, frame)
    assert all(len(line) <= 80 for line in lines)
    assert "Error" not in frame  # every section of every tree is read
