"""The ``--plan`` table: per source what is available, what is asked, and what will be drawn."""

from __future__ import annotations

from typing import Any

from .sampling import ALL


def _tokens(n: float) -> str:
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f}{unit}"
    return f"{int(n)}"


def _copies(selection: Any, counts: list[dict[str, int]]) -> str:
    unique = sum(c["unique_tokens"] for c in counts)
    if selection.full == 1 and selection.extra_below == 0:
        return "1" if selection.unique_below >= ALL else "1 (subset)"
    selected = sum(c["tokens"] for c in counts)
    return f"{selected / unique:.2f} (max {selection.full + (1 if selection.extra_below else 0)})" if unique else "-"


def render_plan(runs: list[Any], counts: dict[str, list[dict[str, int]]], requested: int) -> str:
    header = ["source", "owner", "docs", "tokens", "target", "budget", "rate", "copies", "selected", "share"]
    total = sum(c["tokens"] for run in runs for c in counts[run.name])
    rows = []
    for run in runs:
        b, sel = run.budget, run.selection
        c = counts[run.name]
        selected = sum(x["tokens"] for x in c)
        rows.append([
            run.name,
            run.cfg.owner or "-",
            f"{run.available_docs:,}",
            _tokens(run.available_tokens),
            f"{b.ratio:.2%}",
            _tokens(b.needed),
            f"{b.rate:.3f}",
            _copies(sel, c),
            _tokens(selected),
            f"{selected / total:.2%}" if total else "-",
        ])
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)) for r in rows]
    lines.append(f"requested {_tokens(requested)} tokens ({requested:,}); selected {_tokens(total)} ({total:,})")
    return "\n".join(lines)
