"""The two exposition formats, written fast, byte for byte as prometheus_client writes them.

prometheus_client's encoders build every sample line through general code (name
validation, escaping schemes, exemplars, native histograms): about 5 µs a sample, 60 ms
for a host of 1,000 interfaces and 500 mounts, more than the whole scrape may cost.
sysmon's families hold only what these encoders handle (gauges and counters, valid
legacy names, no timestamps, exemplars or ``_created`` samples), and label strings
repeat across families, so each is escaped once per scrape. The library still does
the rest: the metric families, and content negotiation (``choose_encoder``). The tests
hold these encoders to the library's own output on the same families.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

OPENMETRICS = "application/openmetrics-text"


def number(value: float) -> str:
    """A value as Go (and prometheus_client's ``floatToGoString``) prints it."""
    if type(value) is int and 0 <= value < 1_000_000:  # the common case: "1500.0"
        return f"{value}.0"
    text = repr(float(value))
    if text[0] in "in-" and text in ("inf", "-inf", "nan"):
        return {"inf": "+Inf", "-inf": "-Inf", "nan": "NaN"}[text]
    dot = text.find(".")
    if dot > 6 and value > 0:  # Go switches to exponents sooner than Python
        mantissa = f"{text[0]}.{text[1:dot]}{text[dot + 1 :]}".rstrip("0.")
        return f"{mantissa}e+{dot - 1:02d}"
    return text


def _escape_value(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


class _Labels:
    """Label sets as exposition text, each escaped once per scrape.

    The collectors give the samples of one device the same dict in every family, so
    the dict itself is the key (the families, alive while encoding, keep ids stable).
    """

    def __init__(self) -> None:
        self._seen: dict[int, str] = {}

    def text(self, labels: dict[str, str]) -> str:
        if not labels:
            return ""
        found = self._seen.get(id(labels))
        if found is None:
            inner = ",".join(
                f'{name}="{_escape_value(value)}"' for name, value in sorted(labels.items())
            )
            found = self._seen[id(labels)] = "{" + inner + "}"
        return found


def _samples(out: list[str], family: Any, labels: _Labels) -> None:
    text = labels.text
    out.extend(f"{s.name}{text(s.labels)} {number(s.value)}\n" for s in family.samples)
    rows = getattr(family, "sysmon_rows", None)  # collectors.Rows: the bulk families
    if rows is not None:
        name = rows.name
        out.extend(f"{name}{text(labels_)} {number(value)}\n" for labels_, value in rows.rows)


def encode_text(families: Iterable[Any]) -> bytes:
    """The text format 0.0.4, as ``prometheus_client.exposition.generate_latest``."""
    labels = _Labels()
    out: list[str] = []
    for family in families:
        name = family.name + "_total" if family.type == "counter" else family.name
        kind = "untyped" if family.type == "unknown" else family.type
        help_text = family.documentation.replace("\\", r"\\").replace("\n", r"\n")
        out.append(f"# HELP {name} {help_text}\n# TYPE {name} {kind}\n")
        _samples(out, family, labels)
    return "".join(out).encode("utf-8")


def encode_openmetrics(families: Iterable[Any]) -> bytes:
    """OpenMetrics 1.0, as ``prometheus_client.openmetrics.exposition.generate_latest``."""
    labels = _Labels()
    out: list[str] = []
    for family in families:
        name = family.name
        out.append(f"# HELP {name} {_escape_value(family.documentation)}\n")
        out.append(f"# TYPE {name} {family.type}\n")
        if family.unit:
            out.append(f"# UNIT {name} {family.unit}\n")
        _samples(out, family, labels)
    out.append("# EOF\n")
    return "".join(out).encode("utf-8")
