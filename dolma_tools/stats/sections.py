"""The report's sections, each a function from collected numbers to (anchor, title, HTML body)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from . import html as h
from . import plots
from .attributes import KeyStats
from .corpus import CorpusSummary
from .tables import (
    attribute_rows,
    counter_rows,
    counter_title,
    duplicate_rows,
    fmt_share,
    language_rows,
    share,
    totals_rows,
    what_if_notes,
    what_if_rows,
)
from .thresholds import Threshold

#: Most attribute histograms drawn (keys with thresholds first); the table lists every key.
MAX_HISTOGRAMS = 48
TOP = 20

Section = tuple[str, str, str]


@dataclass
class FunnelRow:
    label: str
    docs: int
    tokens: int
    note: str = ""


@dataclass
class RuleDrop:
    """What one filter rule would drop on its own."""

    rule: str
    docs: int
    tokens: int
    short: str = ""  # a shorter label for plots (default: ``rule``)


@dataclass
class WhatIf:
    """Per-rule and combined drops of one stream's (or source's) filter, computed without writing the mix.

    Tokens are those of the documents as read (before span replacement), in ``unit``. ``kept_*`` is what the
    mix would write (tokens after span replacement); ``span_tokens`` is what span replacement removes from the
    kept documents (negative when replacements are longer than the spans). ``selected`` (source mixtures) is
    what the sampler would then take: selected_docs, selected_tokens (with repeats) and target_tokens."""

    label: str
    total_docs: int
    total_tokens: int
    rules: list[RuleDrop] = field(default_factory=list)
    combined_docs: int = 0
    combined_tokens: int = 0
    unit: str = "tokens"
    kept_docs: int | None = None
    kept_tokens: int | None = None
    span_changed_docs: int = 0
    span_tokens: int = 0
    skipped_docs: int = 0
    selected: dict[str, int] | None = None
    notes: list[str] = field(default_factory=list)


def funnel_section(rows: Sequence[FunnelRow], unit: str) -> Section:
    if not rows:
        return "funnel", "Funnel", h.note("No stages with documents to count.")
    first = rows[0]
    plot = plots.paired_bars([r.label for r in rows], [r.docs for r in rows], [r.tokens for r in rows], unit)
    table = h.table(
        ["stage", "documents", "% of input", unit, "% of input", "note"],
        [[r.label, r.docs, share(r.docs, first.docs), r.tokens,
          share(r.tokens, first.tokens), r.note] for r in rows],
    )
    body = h.figure(plot, "funnel", "Documents and tokens remaining after each stage") + table
    return "funnel", "Funnel", body


def corpus_section(c: CorpusSummary) -> Section:
    unit = c.options.token_unit
    parts = [h.table(*totals_rows(c))]
    if c.has_text and c.docs:
        for what, counter in (("source", c.by_source), ("domain", c.by_domain)):
            headers, rows = counter_rows(c, what, counter, TOP)
            plot = plots.paired_bars([r[0] for r in rows], [r[1] for r in rows], [r[4] for r in rows], unit,
                                     share_of="total")
            parts.append(f"<h3>{h.esc(counter_title(what, counter, len(rows)))}</h3>")
            parts.append(h.figure(plot, f"by_{what}") + h.table(headers, rows))
    if c.duplicate_keys:
        parts.append("<h3>Duplicates</h3>" + h.table(*duplicate_rows(c)))
    for tagger, counter in sorted(c.languages.items()):
        headers, rows = language_rows(counter, TOP)
        plot = plots.bar_plot([r[0] for r in rows], [r[1] for r in rows], f"languages ({tagger})", "documents")
        parts.append(f"<h3>Languages ({h.esc(tagger)})</h3>")
        parts.append(f'<div class="grid">{h.figure(plot, f"languages_{tagger}")}{h.table(headers, rows)}</div>')
    return "corpus", "Corpus", "".join(parts)


def _histogram_order(keys: dict[str, KeyStats], thresholds: Sequence[Threshold]) -> list[str]:
    with_thresholds = [k for k in dict.fromkeys(t.key for t in thresholds) if k in keys]
    rest = [k for k in sorted(keys) if k not in with_thresholds]
    return [k for k in with_thresholds + rest if keys[k].score.count]


def attributes_section(keys: dict[str, KeyStats], thresholds: Sequence[Threshold], alpha: float) -> Section:
    if not keys:
        return "attributes", "Attributes", h.note("No attribute files were found.")
    table = h.table(*attribute_rows(keys), numeric_from=2)
    missing = sorted({t.key for t in thresholds} - set(keys))
    order = _histogram_order(keys, thresholds)
    figures = []
    for name in order[:MAX_HISTOGRAMS]:
        mine = [t for t in thresholds if t.key == name]
        plot = plots.histogram_plot(name, keys[name].score, keys[name].level, mine)
        caption = "; ".join(f"{t.where}: {t.label()}" if t.where else t.label() for t in mine)
        figures.append(h.figure(plot, f"hist:{name}", caption))
    parts = [
        h.note(f"Quantiles are within {alpha:.0%} relative error (a mergeable log-bucket sketch); counts, min, "
               "max and mean are exact. Document-level keys have one span over the whole text per document."),
        table,
        f'<div class="grid">{"".join(figures)}</div>',
    ]
    if len(order) > MAX_HISTOGRAMS:
        parts.append(h.note(f"{len(order) - MAX_HISTOGRAMS} more keys are listed in the table but not drawn."))
    if missing:
        parts.append(h.note("Filter thresholds on attributes not found in the data: " + ", ".join(missing)))
    return "attributes", "Attributes", "".join(parts)


def _number(x: Any) -> Any:
    return x if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def manifest_section(label: str, path: str, manifest: dict[str, Any], targets: dict[str, float]) -> str:
    """One mix manifest: per source selected/available tokens and realised share against the target."""
    sources = manifest.get("sources")
    if isinstance(sources, dict) and sources:
        names = sorted(sources)
        selected = {n: _number((sources[n] or {}).get("selected_tokens")) or 0 for n in names}
        total = sum(selected.values())
        target = {n: targets.get(n, _number((sources[n] or {}).get("target_ratio"))) for n in names}
        realised = {n: selected[n] / total if total else 0.0 for n in names}
        rows = []
        for n in names:
            e = sources[n] or {}
            rows.append([n, _number(e.get("selected_docs")), selected[n], _number(e.get("available_tokens")),
                         _number(e.get("repetition")), fmt_share(target[n]), fmt_share(realised[n])])
        plot = plots.shares_plot(names, [target[n] for n in names], [realised[n] for n in names])
        table = h.table(["source", "selected documents", "selected tokens", "available tokens", "repetition",
                         "target share", "realised share"], rows)
        meta = h.note(f"{path} - seed {manifest.get('seed', '-')}, config sha256 "
                      f"{str(manifest.get('config_sha256', '-'))[:16]}")
        return f"<h3>{h.esc(label)}</h3>{meta}" + f'<div class="grid">{h.figure(plot, f"shares:{label}")}{table}</div>'
    streams = manifest.get("streams")
    if isinstance(streams, dict) and streams:
        rows = [[n, _number(e.get("documents_in")), _number(e.get("documents_out")), _number(e.get("filtered")),
                 _number(e.get("too_short")), len(e.get("outputs") or [])]
                for n, e in sorted(streams.items()) if isinstance(e, dict)]
        return f"<h3>{h.esc(label)}</h3>" + h.note(path) + h.table(
            ["stream", "documents in", "documents out", "filtered", "too short", "output files"], rows)
    return f"<h3>{h.esc(label)}</h3>" + h.note(f"{path}: no sources or streams listed")


def what_if_section(results: Sequence[WhatIf]) -> Section:
    """Per rule: documents and tokens it would drop alone; and all rules together."""
    parts = []
    for w in results:
        plot = plots.drops_plot([r.short or r.rule for r in w.rules], [r.docs for r in w.rules], w.total_docs,
                                "documents", combined=w.combined_docs)
        parts.append(f"<h3>{h.esc(w.label)}</h3>")
        parts.append(h.figure(plot, f"whatif:{w.label}", "Documents each rule would drop if it were the only "
                              "rule (red), and all rules together (grey): what the mix drops"))
        parts.append(h.table(*what_if_rows(w)))
        parts.extend(h.note(line) for line in what_if_notes(w))
    return "what-if", "What-if for filters", "".join(parts)
