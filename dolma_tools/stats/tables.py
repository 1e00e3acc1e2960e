"""The tables of a statistics result as plain (headers, rows), shared by the text output and the HTML report."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from .attributes import KeyStats
from .corpus import CorpusSummary
from .topk import TopCounter

if TYPE_CHECKING:
    from .sections import WhatIf

#: Quantiles shown in tables (the JSON has more).
SHOWN_QUANTILES = (0.01, 0.25, 0.5, 0.75, 0.99)

Table = tuple[list[str], list[list[Any]]]


def fmt_share(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.2f}%"


def share(part: float, whole: float) -> str:
    """``part`` as a percentage of ``whole`` ('-' when ``whole`` is zero)."""
    return fmt_share(part / whole if whole else None)


def attribute_rows(keys: dict[str, KeyStats]) -> Table:
    """Per key: level, rows, spans, min, quantiles, max and mean of the scores. Quantiles of integer-valued
    keys are rounded to integers for reading (the JSON keeps the sketch's values)."""
    headers = ["attribute", "level", "rows", "spans", "min", *(f"p{q * 100:g}" for q in SHOWN_QUANTILES), "max",
               "mean"]
    rows = []
    for name in sorted(keys):
        s = keys[name]
        sk = s.score
        shown = [float(round(q)) if sk.integral else q for q in sk.quantiles(SHOWN_QUANTILES)]
        rows.append([name, s.level, s.rows, s.spans, sk.min if sk.count else None, *shown,
                     sk.max if sk.count else None, sk.mean])
    return headers, rows


def totals_rows(c: CorpusSummary) -> Table:
    rows: list[list[Any]] = [["documents", c.docs]]
    if c.has_text:
        rows += [["characters", c.chars], ["whitespace tokens", c.ws_tokens]]
        if not c.options.whitespace_only:
            rows.append([c.options.token_unit, c.tokens])
    if c.duplicate_fraction is not None:
        rows.append(["duplicate documents", f"{c.duplicate_docs:,} ({fmt_share(c.duplicate_fraction)})"])
    return ["corpus", "count"], rows


def counter_rows(c: CorpusSummary, what: str, counter: TopCounter, top: int) -> Table:
    """The ``top`` sources or domains with their documents, characters and tokens (and shares)."""
    unit = c.options.token_unit
    rows = [[k, v["docs"], share(v["docs"], c.docs), v["chars"], v["tokens"], share(v["tokens"], c.tokens)]
            for k, v in counter.top(top)]
    return [what, "documents", "share", "characters", unit, "share"], rows


def counter_title(what: str, counter: TopCounter, shown: int) -> str:
    approx = "" if counter.exact else f"; approximate: counts may be low by up to {counter.error:,}"
    return f"By {what} (top {shown} of {len(counter.counts):,}{approx})"


def duplicate_rows(c: CorpusSummary) -> Table:
    rows = [[k, v.docs, share(v.docs, c.docs), v.docs_with_spans, v.chars] for k, v in sorted(c.duplicate_keys.items())]
    rows.append(["any", c.duplicate_docs, fmt_share(c.duplicate_fraction), None, c.duplicate_chars])
    return ["attribute", "duplicate documents", "share", "documents with duplicate spans",
            "characters in duplicate spans"], rows


def language_rows(counter: Counter, top: int) -> Table:
    total = sum(counter.values())
    return ["language", "documents", "share"], [[k, n, share(n, total)] for k, n in counter.most_common(top)]


def what_if_rows(w: "WhatIf", short: bool = False) -> Table:
    """Per rule what it drops alone, then all rules together (what the mix drops); ``short``: rules by their
    short labels (``drop if KEY < 50``) where they have one."""
    rows = [[(r.short or r.rule) if short else r.rule, r.docs, share(r.docs, w.total_docs), r.tokens,
             share(r.tokens, w.total_tokens)] for r in w.rules]
    rows.append(["all rules together", w.combined_docs, share(w.combined_docs, w.total_docs), w.combined_tokens,
                 share(w.combined_tokens, w.total_tokens)])
    return ["rule", "documents dropped", "share", f"{w.unit} dropped", "share"], rows


def what_if_notes(w: "WhatIf") -> list[str]:
    """The sentences under a what-if table: input, what the mix would write, span replacement, sampling."""
    lines = [f"Input: {w.total_docs:,} documents, {w.total_tokens:,} {w.unit}. A rule's drop is counted over "
             "every input document, as if it were the only rule."]
    if w.kept_docs is not None and w.kept_tokens is not None:
        lines.append(f"The mix would write {w.kept_docs:,} documents ({share(w.kept_docs, w.total_docs)}), "
                     f"{w.kept_tokens:,} {w.unit} after span replacement.")
    if w.span_changed_docs:
        verb = "removes" if w.span_tokens >= 0 else "adds"
        lines.append(f"Span replacement changes {w.span_changed_docs:,} of the kept documents and {verb} "
                     f"{abs(w.span_tokens):,} {w.unit}.")
    if w.skipped_docs:
        lines.append(f"{w.skipped_docs:,} documents were skipped as bad input (--on-error skip).")
    if w.selected:
        s = w.selected
        lines.append(f"The sampler would then select {s['selected_docs']:,} documents, {s['selected_tokens']:,} "
                     f"{w.unit} (target {s['target_tokens']:,}).")
    return lines + list(w.notes)
