"""Readable plain-text tables of attribute statistics and corpus counts (what ``dolma-tools stats`` prints)."""

from __future__ import annotations

import math
from typing import Any, Sequence

from .attributes import KeyStats
from .scan import ScanResult
from .sketch import LogSketch
from .tokens import token_unit

SHOWN_QUANTILES = (0.01, 0.25, 0.5, 0.75, 0.99)
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


def fmt_share(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.2f}%"


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
    headers = ["attribute", "level", "rows", "spans", "min", *(f"p{q * 100:g}" for q in SHOWN_QUANTILES), "max",
               "mean"]
    rows = []
    for name in sorted(keys):
        s = keys[name]
        sk = s.score
        shown = [float(round(q)) if sk.integral else q for q in sk.quantiles(SHOWN_QUANTILES)]
        rows.append([name, s.level, s.rows, s.spans, sk.min if sk.count else None, *shown,
                     sk.max if sk.count else None, sk.mean])
    return table(headers, rows, title="Attribute scores")


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
    unit = token_unit(c.options.tokenizer)
    parts = []
    totals = [["documents", c.docs]]
    if c.has_text:
        totals += [["characters", c.chars], ["whitespace tokens", c.ws_tokens]]
        if c.options.tokenizer:
            totals.append([unit, c.tokens])
    parts.append(table(["corpus", "count"], totals, title="Corpus"))
    if c.has_text:
        for title, counter in (("By source", c.by_source), ("By domain", c.by_domain)):
            rows = [[k, v["docs"], fmt_share(v["docs"] / c.docs if c.docs else None), v["chars"], v["tokens"]]
                    for k, v in counter.top(top)]
            note = "" if counter.exact else f" (approximate: counts may be low by up to {counter.error:,})"
            parts.append(table([title.split()[-1], "documents", "share", "characters", unit], rows,
                               title=f"{title} (top {top} of {len(counter.counts):,}){note}"))
    if c.duplicate_keys:
        rows = [[k, v.docs, fmt_share(v.docs / c.docs if c.docs else None), v.docs_with_spans, v.chars]
                for k, v in sorted(c.duplicate_keys.items())]
        rows.append(["(any)", c.duplicate_docs, fmt_share(c.duplicate_fraction), "", c.duplicate_chars])
        parts.append(table(["attribute", "duplicate docs", "share", "docs with spans", "chars in spans"], rows,
                           title="Duplicates"))
    for tagger, counter in sorted(c.languages.items()):
        total = sum(counter.values()) or 1
        rows = [[lang, n, fmt_share(n / total)] for lang, n in counter.most_common(top)]
        parts.append(table(["language", "documents", "share"], rows, title=f"Languages ({tagger})"))
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
