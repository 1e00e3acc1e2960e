"""Readable plain-text tables of attribute statistics and corpus counts (what ``dolma-tools stats`` prints)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

from .attributes import KeyStats
from .scan import ScanResult
from .sketch import LogSketch
from .tables import (
    attribute_rows,
    counter_rows,
    counter_title,
    duplicate_rows,
    fmt_share,
    language_rows,
    totals_rows,
    what_if_notes,
    what_if_rows,
)

if TYPE_CHECKING:
    from .whatif import WhatIfResult

BAR_WIDTH = 30


def fmt_number(x: Any) -> str:
    """Compact numbers: integers with thousands separators, floats with 4 significant digits."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return f"{int(x):,}"
    if abs(x) >= 1e7 or abs(x) < 1e-3:
        return f"{x:.3e}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> str:
    """A fixed-width table; the first column is left-aligned, the others right-aligned."""
    cells = [[str(c) for c in headers]] + [[c if isinstance(c, str) else fmt_number(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    out = [title, "=" * len(title)] if title else []
    out.append(line(cells[0]))
    out.append("  ".join("-" * w for w in widths))
    out.extend(line(r) for r in cells[1:])
    return "\n".join(out)


def attributes_table(keys: dict[str, KeyStats]) -> str:
    return table(*attribute_rows(keys), title="Attribute scores")


def histogram_text(name: str, sketch: LogSketch, bins: int = 10) -> str:
    """A small text histogram (value range, share, count, bar) like Dolma's ``stat`` tables."""
    edges, counts = sketch.histogram(bins)
    total = sum(counts) or 1
    top = max(counts) or 1
    rows = []
    for i, n in enumerate(counts):
        close = "]" if i == len(counts) - 1 else ")"
        rows.append([f"[{fmt_number(edges[i])}, {fmt_number(edges[i + 1])}{close}", fmt_share(n / total), n,
                     "#" * round(BAR_WIDTH * n / top)])
    return table(["value", "share", "count", ""], rows, title=name)


def corpus_text(result: ScanResult, top: int = 15) -> str:
    c = result.corpus
    parts = [table(*totals_rows(c), title="Corpus")]
    if c.has_text:
        for what, counter in (("source", c.by_source), ("domain", c.by_domain)):
            headers, rows = counter_rows(c, what, counter, top)
            parts.append(table(headers, rows, title=counter_title(what, counter, len(rows))))
    if c.duplicate_keys:
        parts.append(table(*duplicate_rows(c), title="Duplicates"))
    for tagger, counter in sorted(c.languages.items()):
        parts.append(table(*language_rows(counter, top), title=f"Languages ({tagger})"))
    return "\n\n".join(parts)


def render(result: ScanResult, histograms: bool = True) -> str:
    parts = []
    if result.corpus.docs and (result.corpus.has_text or result.corpus.duplicate_keys or result.corpus.languages):
        parts.append(corpus_text(result))
    keys = result.attributes.keys
    if keys:
        parts.append(attributes_table(keys))
        if histograms:
            for name in sorted(keys):
                if keys[name].score.count:
                    parts.append(histogram_text(f"{name} ({keys[name].level}-level score)", keys[name].score))
    return "\n\n".join(parts) + "\n"


def what_if_text(result: "WhatIfResult") -> str:
    """Per stream or source: the rules' drops, what the mix would write; a mixture's sampling plan."""
    parts = [table(*what_if_rows(w, short=True), title=f"What-if: {w.label}") + "\n" + "\n".join(what_if_notes(w))
             for w in result.results]
    if result.plan_table:
        parts.append("Sampling plan after the filters\n" + "=" * 31 + "\n" + result.plan_table)
    parts.extend(f"note: {n}" for n in result.notes)
    return "\n\n".join(parts)
