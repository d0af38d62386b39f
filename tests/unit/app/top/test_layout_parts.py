"""The view's pieces: units as ``free -h`` writes them, bars, cutting, escaping, fitting."""

import pytest

from sysmon.app.top import units
from sysmon.app.top.command import plain_width, wants_screen
from sysmon.app.top.layout import Block, bar, fit, plain, printable
from sysmon.app.top.layout import _shrink as shrink


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0 B"), (1023, "1023 B"), (1024, "1.00 KiB"), (1536, "1.50 KiB"),
        (10 * 1024, "10.0 KiB"), (1023 * 1024, "1023 KiB"), (1 << 20, "1.00 MiB"),
        (479 * (1 << 20), "479 MiB"), (int(7.7 * (1 << 30)), "7.70 GiB"), (1 << 40, "1.00 TiB"),
        (None, "—"),
    ],
)  # fmt: skip
def test_sizes_in_binary_units(value, text):
    assert units.size(value) == text


def test_rates_percentages_and_uptime():
    assert units.rate(1048576.0) == "1.00 MiB/s"
    assert units.rate(None) == "—"
    assert units.percent(12.345) == "12.3%"
    assert units.uptime(1001) == "0:16:41"
    assert units.uptime(86400 + 3723) == "1 day, 01:02:03"
    assert units.uptime(3 * 86400) == "3 days, 00:00:00"


def text_of(line):
    return "".join(text for text, _ in line)


def test_a_bars_parts_take_the_cells_between_rounded_edges():
    # edges 33.3 %, 66.6 % and 100 % of 10 cells: 3.33 → 3, 6.66 → 7, 10
    parts = [(33.3, "user"), (33.3, "system"), (33.4, "steal")]
    assert text_of(bar(parts, 10)) == "[|||####!!!]"
    # half up: 25 % of 10 = 2.5 → 3; nothing overflows past 100 %
    assert text_of(bar([(25.0, "used"), (90.0, "cache")], 10)) == "[|||*******]"
    assert text_of(bar([(0.0, "user")], 4)) == "[    ]"


def test_fit_cuts_with_an_ellipsis_and_keeps_styles():
    line = [("abc", "label"), ("defgh", "")]
    assert fit(line, 8) == line
    assert fit(line, 6) == [("abc", "label"), ("de…", "")]
    assert fit(line, 3) == [("abc", "label")]


def test_control_characters_are_escaped_before_they_reach_the_terminal():
    assert printable("/mnt/new\nline") == "/mnt/new\\nline"
    assert printable("host\x1b[2Jname") == "host\\x1b[2Jname"
    assert printable("ok as it is") == "ok as it is"
    assert plain([fit([("a\tb", "")], 10)]) == "a\\tb"


def test_shrinking_cuts_the_longest_list_first_and_says_how_many_are_hidden():
    rows = [[(f"row {n}", "")] for n in range(10)]
    long, short = Block([[("long", "")]], list(rows), what="mounts"), Block([], rows[:3])
    shrink([long, short], 8)
    # 1 head + 3 short rows leave 4 lines: 3 rows and "… 7 more mounts"
    assert [text_of(line) for line in long.lines()] == [
        "long", "row 0", "row 1", "row 2", "  … 7 more mounts",
    ]  # fmt: skip
    assert len(short.lines()) + len(long.lines()) == 8


class Output:
    def __init__(self, tty):
        self._tty = tty

    def isatty(self):
        return self._tty


def test_the_screen_is_for_a_terminal_without_no_color_and_plain_width_from_columns():
    assert wants_screen(Output(True), {})
    assert wants_screen(Output(True), {"NO_COLOR": ""})  # set but empty: colour stays
    assert not wants_screen(Output(True), {"NO_COLOR": "1"})
    assert not wants_screen(Output(False), {})
    assert plain_width({}) == 80
    assert plain_width({"COLUMNS": "132"}) == 132
    assert plain_width({"COLUMNS": "wide"}) == 80
    assert plain_width({"COLUMNS": "0"}) == 80
