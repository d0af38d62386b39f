"""A snapshot laid out as lines of styled text, for a given width (and height).

One layout serves both outputs: the plain frame (``plain``) drops the styles, the
terminal view gives each style a colour. Bars tell their segments apart by character
too, so a plain frame still reads: ``|`` user, ``#`` system, ``!`` steal, ``~`` iowait;
``|`` used memory, ``*`` buffers and cache.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from sysmon.app.top import units
from sysmon.app.top.snapshot import Payload, Snapshot
from sysmon.domain.cpu_shares import CpuShares

Span = tuple[str, str]  # (text, style); style "" is the terminal's default
Line = list[Span]
MIN_WIDTH = 40
CPU_COLUMN_WIDTH = 40  # one CPU's bar, label and figure; as many columns as fit
LABEL = 5
METER = 2 + 7  # a bar's brackets and the figure after it, " 100.0%"
ALL_BUT_LO = "all but lo"  # the totals row: sysmon's totals leave loopback out
BAR_CHARS = {"user": "|", "system": "#", "steal": "!", "iowait": "~", "used": "|", "cache": "*"}


def plain(lines: Sequence[Line]) -> str:
    """The frame as text, one line each, no escape codes."""
    return "\n".join("".join(text for text, _ in line).rstrip() for line in lines)


def bar(parts: Sequence[tuple[float, str]], cells: int) -> Line:
    """``[|||##~~    ]``: each part (percent, style) gets the cells between its cumulative
    edges, each rounded half up, so the parts never overflow and add up as the figures do."""
    spans: Line = [("[", "frame")]
    edge, used = 0.0, 0
    for share, style in parts:
        edge += max(share, 0.0)
        upto = min(cells, math.floor(edge / 100.0 * cells + 0.5))
        if upto > used:
            spans.append((BAR_CHARS[style] * (upto - used), style))
            used = upto
    spans.append((" " * (cells - used), ""))
    spans.append(("]", "frame"))
    return spans


def printable(text: str) -> str:
    """Control characters written as escapes (a mount point with a newline, a hostname
    with an escape sequence): they must not move the cursor or break the layout."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def fit(line: Line, width: int) -> Line:
    """The line cut to ``width`` columns, an ellipsis where something was cut; control
    characters escaped."""
    out: Line = []
    room = width
    for raw, style in line:
        text = printable(raw)
        if len(text) <= room:
            out.append((text, style))
            room -= len(text)
            continue
        if room > 0:
            out.append((_cut(text, room), style))
        break
    return out


def _cpu_parts(shares: CpuShares) -> list[tuple[float, str]]:
    return [
        (shares.user, "user"),
        (shares.system, "system"),
        (shares.steal, "steal"),
        (shares.iowait, "iowait"),
    ]


def _figure(value: float) -> str:
    return f"{value:5.1f}%"


@dataclass
class Block:
    """A section: ``head`` lines always shown, ``rows`` cut to fit a short screen."""

    head: list[Line]
    rows: list[Line] = field(default_factory=list)
    what: str = "rows"
    shown: int | None = None  # None: every row

    @property
    def visible(self) -> int:
        return len(self.rows) if self.shown is None else self.shown

    def lines(self) -> list[Line]:
        rows = self.rows[: self.visible]
        hidden = len(self.rows) - len(rows)
        more = [[(f"  … {hidden} more {self.what}", "dim")]] if hidden else []
        return [*self.head, *rows, *more]


class Layout:
    """The frame's sections for one width; ``lines(height)`` fits them to a height."""

    def __init__(self, snapshot: Snapshot, width: int) -> None:
        self._snapshot = snapshot
        self._width = max(width, MIN_WIDTH)
        self._blocks = [
            self._header(),
            self._cpu(),
            self._memory(),
            self._disk(),
            self._network(),
            self._container(),
        ]

    def lines(self, height: int | None = None) -> list[Line]:
        """Every line, or, given a height, as many as fit: the longest list gives way
        first (to ``… N more``), then lines at the bottom."""
        blocks = [block for block in self._blocks if block.head or block.rows]
        if height is not None:
            _shrink(blocks, height)
        lines = [line for block in blocks for line in block.lines()]
        if height is not None:
            lines = lines[:height]
        return [fit(line, self._width) for line in lines]

    # -- the sections --------------------------------------------------------------

    def _problem(self, section: str, title: str) -> Line | None:
        error = self._snapshot.errors.get(section)
        return None if error is None else [(f"{title:<{LABEL}}", "label"), (error, "warn")]

    def _header(self) -> Block:
        system, uptime = self._snapshot.get("system"), self._snapshot.get("uptime")
        first: Line = []
        if system is not None:
            first.append((system["hostname"], "title"))
        if uptime is not None:
            first.append((f"{' · ' if first else ''}up {units.uptime(uptime['uptime'])}", ""))
        if system is not None:
            first.append((f" · {system['os']} {system['kernel']} {system['platform']}", ""))
            if system.get("distribution"):
                first.append((f" · {system['distribution']}", ""))
        head = [first] if first else []
        for section, title in (("system", "Host"), ("uptime", "Up")):
            problem = self._problem(section, title)
            if problem:
                head.append(problem)
        head.append(self._load_line())
        head.append(self._process_line())
        return Block(head)

    def _load_line(self) -> Line:
        load, procs = self._snapshot.get("load"), self._snapshot.get("processes")
        if load is None:
            return self._problem("load", "Load") or []
        line: Line = [
            ("Load ", "label"),
            (f"{load['load1']:.2f} {load['load5']:.2f} {load['load15']:.2f}", ""),
            ("  Tasks ", "label"),
            (f"{load['runnable_tasks']} runnable of {load['existing_tasks']}", ""),
        ]
        if procs is not None:
            line += [("  Threads ", "label"), (str(procs["threads"]), "")]
        return line

    def _process_line(self) -> Line:
        procs = self._snapshot.get("processes")
        if procs is None:
            return self._problem("processes", "Procs") or []
        return [
            ("Procs", "label"),
            (
                f" {procs['processes_total']}: {procs['processes_running']} running, "
                f"{procs['processes_sleeping']} sleeping, {procs['processes_stopped']} "
                f"stopped, {procs['processes_zombie']} zombie, {procs['procs_blocked']} "
                "blocked on I/O",
                "",
            ),
        ]

    def _cpu(self) -> Block:
        cpu = self._snapshot.cpu
        if cpu is None:
            return Block([[], self._problem("cpu", "CPU") or []])
        total = cpu.total
        detail = (
            f"  user {total.user:.1f}  sys {total.system:.1f}  steal {total.steal:.1f}"
            f"  wait {total.iowait:.1f}"
        )
        cells = self._width - LABEL - METER - len(detail)
        if cells < 10:
            detail, cells = "", self._width - LABEL - METER
        line: Line = [
            (f"{'CPU':<{LABEL}}", "label"),
            *bar(_cpu_parts(total), cells),
            (f" {_figure(total.busy)}", "figure"),
            (detail, ""),
        ]
        return Block([[], line], self._per_cpu_rows(), what="CPU rows")

    def _per_cpu_rows(self) -> list[Line]:
        cpu = self._snapshot.cpu
        assert cpu is not None
        numbers = sorted(cpu.per_cpu)
        if len(numbers) < 2:
            return []  # one CPU: its line is the total's
        columns = max(1, min(len(numbers), (self._width + 1) // CPU_COLUMN_WIDTH))
        column_width = (self._width + 1) // columns - 1
        rows = math.ceil(len(numbers) / columns)
        label = max(LABEL, len(f"cpu{numbers[-1]}") + 1)
        cells = column_width - label - METER
        lines: list[Line] = []
        for row in range(rows):
            line: Line = []
            for column in range(columns):
                index = column * rows + row
                if index >= len(numbers):
                    break
                shares = cpu.per_cpu[numbers[index]]
                if column:
                    line.append((" ", ""))
                line += [
                    (f"{'cpu' + str(numbers[index]):<{label}}", "label"),
                    *bar(_cpu_parts(shares), cells),
                    (f" {_figure(shares.busy)}", "figure"),
                ]
            lines.append(line)
        return lines

    def _memory(self) -> Block:
        memory = self._snapshot.get("memory")
        if memory is None:
            return Block([[], self._problem("memory", "Mem") or []])
        total, used = memory["total"], memory["used"]
        cache = min(memory["buffers"] + memory["cached"], max(total - used, 0))
        cells = self._width - LABEL - METER - 21  # 21: "  used / total"
        mem = self._meter(
            "Mem",
            used,
            total,
            memory["usage_percent"],
            cells,
            [(_share(used, total), "used"), (_share(cache, total), "cache")],
        )
        swap_total = memory["swap_total"]
        if swap_total:
            swap = self._meter(
                "Swap",
                memory["swap_used"],
                swap_total,
                memory["swap_usage_percent"],
                cells,
                [(_share(memory["swap_used"], swap_total), "used")],
            )
        else:
            swap = [(f"{'Swap':<{LABEL}}", "label"), ("none", "dim")]
        detail: Line = [
            (" " * LABEL, ""),
            ("used ", "dim"),
            (units.size(used), ""),
            ("  buff/cache ", "dim"),
            (units.size(memory["buffers"] + memory["cached"]), ""),
            ("  available ", "dim"),
            (units.size(memory["available"]), ""),
            ("  free ", "dim"),
            (units.size(memory["free"]), ""),
        ]
        return Block([[], mem, swap, detail])

    @staticmethod
    def _meter(
        title: str,
        used: int,
        total: int,
        percent: float,
        cells: int,
        parts: list[tuple[float, str]],
    ) -> Line:
        return [
            (f"{title:<{LABEL}}", "label"),
            *bar(parts, cells),
            (f" {_figure(percent)}", "figure"),
            (f"  {units.size(used):>8} / {units.size(total):>8}", ""),
        ]

    def _disk(self) -> Block:
        disk = self._snapshot.get("disk")
        if disk is None:
            return Block([[], self._problem("disk", "Disk") or []])
        mounts = {printable(path): usage for path, usage in disk.get("disk", {}).items()}
        unavailable = {printable(path): why for path, why in disk.get("unavailable", {}).items()}
        names = [*mounts, *unavailable]
        path_width = min(max([len("Mount"), *map(len, names)]), max(self._width - 45, 10))
        head = [
            [],
            [
                (
                    f"{'Mount':<{path_width}} {'Type':<8} {'Used':>8} {'Total':>8} {'Use%':>6}",
                    "header",
                )
            ],
        ]
        rows: list[Line] = []
        cells = self._width - path_width - 37
        for path, usage in mounts.items():
            row: Line = [
                (
                    f"{_cut(path, path_width):<{path_width}} "
                    f"{_cut(usage['fstype'], 8):<8} {units.size(usage['used']):>8} "
                    f"{units.size(usage['total']):>8} ",
                    "",
                ),
                (f"{_figure(usage['used_percent']):>6}", "figure"),
            ]
            if cells >= 10:
                row += [(" ", ""), *bar([(usage["used_percent"], "used")], cells)]
            rows.append(row)
        for path, reason in unavailable.items():
            rows.append([(f"{_cut(path, path_width):<{path_width}} ", ""), (reason, "warn")])
        return Block(head, rows, what="mounts")

    def _network(self) -> Block:
        network = self._snapshot.get("network")
        if network is None:
            return Block([[], self._problem("network", "Net") or []])
        interfaces = {printable(name): dev for name, dev in network["network"].items()}
        name_width = min(max([len(ALL_BUT_LO), len("Interface"), *map(len, interfaces)]), 16)
        head = [
            [],
            [
                (
                    f"{'Interface':<{name_width}} {'rx/s':>12} {'tx/s':>12} "
                    f"{'rx total':>10} {'tx total':>10}",
                    "header",
                )
            ],
        ]
        rows = [
            self._interface_row(
                _cut(name, name_width),
                name_width,
                dev["rx_bytes_per_s"],
                dev["tx_bytes_per_s"],
                dev["rx_bytes"],
                dev["tx_bytes"],
            )
            for name, dev in interfaces.items()
        ]
        total = self._interface_row(
            ALL_BUT_LO,
            name_width,
            network["total_rx_bytes_per_s"],
            network["total_tx_bytes_per_s"],
            network["total_rx"],
            network["total_tx"],
            style="dim",
        )
        return Block(head, [*rows, total], what="interfaces")

    @staticmethod
    def _interface_row(
        name: str,
        width: int,
        rx_rate: float | None,
        tx_rate: float | None,
        rx: int,
        tx: int,
        style: str = "",
    ) -> Line:
        return [
            (f"{name:<{width}} ", style),
            (f"{units.rate(rx_rate):>12} ", "figure"),
            (f"{units.rate(tx_rate):>12} ", "figure"),
            (f"{units.size(rx):>10} {units.size(tx):>10}", style),
        ]

    def _container(self) -> Block:
        head: list[Line] = []
        container, pressure = self._snapshot.get("container"), self._snapshot.get("pressure")
        if container is not None and container["cgroup_version"] is not None:
            head += self._cgroup_lines(container)
        else:
            problem = self._problem("container", "Cgroup")
            head += [problem] if problem else []
        if pressure is not None and any(pressure.get(r) for r in ("cpu", "memory", "io")):
            head.append(self._pressure_line(pressure))
        return Block([[], *head] if head else [])

    @staticmethod
    def _cgroup_lines(container: Payload) -> list[Line]:
        memory, cpu, pids = container["memory"], container["cpu"], container["pids"]
        first: Line = [
            ("Cgroup", "label"),
            (f" v{container['cgroup_version']} {container['path']}", ""),
        ]
        if memory["limit"] is not None:
            mem = (
                f"{units.size(memory['usage'])} of {units.size(memory['limit'])} "
                f"({units.percent(memory['usage_percent'])})"
            )
        else:
            mem = f"{units.size(memory['usage'])}, no limit"
        if memory.get("oom_kills"):
            mem += f", {memory['oom_kills']} OOM kills"
        if pids["current"] is not None:
            limit = "no limit" if pids["limit"] is None else f"limit {pids['limit']}"
            mem += f"  ·  pids {pids['current']}, {limit}"
        if cpu["quota_cores"] is not None:
            used = f"{units.percent(cpu['usage_percent'])} of a {cpu['quota_cores']:g}-core quota"
        else:
            used = f"{units.percent(cpu['usage_percent'])} of {cpu['cpus']} CPUs, no quota"
        if cpu["periods"]:
            used += f", throttled in {cpu['throttled_periods']} of {cpu['periods']} periods"
        return [
            first,
            [(" mem ", "label"), (mem, "")],
            [(" cpu ", "label"), (used, "")],
        ]

    @staticmethod
    def _pressure_line(pressure: Payload) -> Line:
        """avg10 of each resource, ``some`` (and ``/full`` where the kernel keeps it)."""
        line: Line = [("PSI  ", "label"), ("some/full avg10", "dim")]
        for resource in ("cpu", "memory", "io"):
            figures = pressure.get(resource)
            if not figures:
                continue
            text = f"  {resource} {figures['some']['avg10']:.2f}%"
            if resource != "cpu" and figures.get("full"):
                text += f"/{figures['full']['avg10']:.2f}%"
            line.append((text, ""))
        return line


def _share(part: int, total: int) -> float:
    return part / total * 100.0 if total else 0.0


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _shrink(blocks: list[Block], height: int) -> None:
    """Cut the longest lists, a row at a time, until the blocks fit ``height``."""

    def total() -> int:
        return sum(len(block.lines()) for block in blocks)

    while total() > height:
        cuttable = [block for block in blocks if block.visible > 0]
        if not cuttable:
            return
        longest = max(cuttable, key=lambda block: block.visible)
        longest.shown = longest.visible - 1
