"""Plots for the HTML report, as PNG data URIs (matplotlib's Agg renderer; no display, no pyplot state)."""

from __future__ import annotations

import base64
import io
from typing import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from .sketch import LogSketch  # noqa: E402
from .thresholds import Threshold  # noqa: E402

BLUE = "#3b6ea8"
ORANGE = "#e08a2c"
GREY = "#9aa5b1"
RED = "#c0392b"
DPI = 96
HISTOGRAM_BINS = 40
#: A positive attribute whose right tail (max - median) is this many times longer than its left side
#: (median - min) gets a logarithmic x axis.
TAIL_RATIO = 10.0


def _compact(x: float, _pos: object = None) -> str:
    for bound, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= bound:
            return f"{x / bound:.3g}{suffix}"
    return f"{x:g}"


def to_data_uri(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")  # the constrained layout already fits
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height))
    fig.set_layout_engine("constrained")
    return fig


def paired_bars(labels: Sequence[str], docs: Sequence[int], tokens: Sequence[int], token_unit: str,
                share_of: str = "first") -> str:
    """Documents and tokens per row (two horizontal bar panels), each bar labelled with its share of the
    first row (a funnel, ``share_of="first"``) or of the total (``share_of="total"``)."""
    fig = _figure(9, 0.42 * len(labels) + 1.4)
    axes = fig.subplots(1, 2, sharey=True)
    positions = list(range(len(labels)))[::-1]
    for ax, values, title, color in ((axes[0], docs, "documents", BLUE), (axes[1], tokens, token_unit, ORANGE)):
        ax.barh(positions, values, color=color)
        reference = (values[0] if share_of == "first" else sum(values)) if values else 0
        for y, v in zip(positions, values):
            ax.text(v, y, f" {_compact(v)} ({100 * v / (reference or 1):.0f}%)", va="center", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.xaxis.set_major_formatter(FuncFormatter(_compact))
        ax.set_xlim(0, max(list(values) + [1]) * 1.35)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_yticks(positions, [str(x)[:40] for x in labels], fontsize=9)
    return to_data_uri(fig)


def bar_plot(labels: Sequence[str], values: Sequence[float], title: str, xlabel: str, color: str = BLUE) -> str:
    """Horizontal bars, the first label on top."""
    fig = _figure(6.4, 0.28 * len(labels) + 1.2)
    ax = fig.subplots()
    positions = list(range(len(labels)))[::-1]
    ax.barh(positions, values, color=color)
    ax.set_yticks(positions, [str(x)[:40] for x in labels], fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.xaxis.set_major_formatter(FuncFormatter(_compact))
    ax.spines[["top", "right"]].set_visible(False)
    return to_data_uri(fig)


def histogram_plot(name: str, sketch: LogSketch, level: str, thresholds: Sequence[Threshold] = ()) -> str:
    """Histogram of an attribute's scores from its sketch, with filter thresholds drawn on it."""
    fig = _figure(4.6, 2.8)
    ax = fig.subplots()
    log = use_log_scale(sketch)
    edges, counts = sketch.histogram(HISTOGRAM_BINS, log=log)
    if len(counts) == 1:  # a constant attribute: one bar around the value
        width = abs(edges[0]) * 0.05 or 0.05
        edges = [edges[0] - width, edges[0] + width]
    ax.stairs(counts, edges, fill=True, color=BLUE, alpha=0.85)
    if log:
        ax.set_xscale("log")
    lo, hi = edges[0], edges[-1]
    for t in thresholds:
        ax.axvline(t.value, color=RED, linestyle="--", linewidth=1.4)
        if t.drops == "above":
            ax.axvspan(t.value, max(hi, t.value), color=RED, alpha=0.12)
        elif t.drops == "below":
            ax.axvspan(min(lo, t.value), t.value, color=RED, alpha=0.12)
        ax.annotate(t.label(), xy=(t.value, 1), xycoords=("data", "axes fraction"), xytext=(3, -12),
                    textcoords="offset points", fontsize=7, color=RED)
    ax.set_title(_wrap(name), fontsize=8)
    ax.set_xlabel(f"{level}-level score" + (" (log scale)" if log else ""), fontsize=8)
    ax.set_ylabel("spans" if level == "span" else "documents", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.yaxis.set_major_formatter(FuncFormatter(_compact))
    ax.spines[["top", "right"]].set_visible(False)
    return to_data_uri(fig)


def use_log_scale(sketch: LogSketch) -> bool:
    """Positive data with a long right tail (lengths, counts) reads better on a log axis."""
    if sketch.min <= 0 or sketch.max <= sketch.min:
        return False
    median = sketch.quantile(0.5)
    return sketch.max - median > TAIL_RATIO * max(median - sketch.min, 1e-12)


def _wrap(name: str, width: int = 60) -> str:
    if len(name) <= width:
        return name
    cut = name.rfind("__", 0, width)
    cut = cut if cut > 0 else width
    return name[:cut] + "\n" + name[cut:]


def shares_plot(names: Sequence[str], target: Sequence[float | None], realised: Sequence[float]) -> str:
    """Per-source share of the mix: realised against target (grouped horizontal bars)."""
    fig = _figure(6.4, 0.5 * len(names) + 1.3)
    ax = fig.subplots()
    positions = list(range(len(names)))[::-1]
    h = 0.38
    ax.barh([p + h / 2 for p in positions], [100 * (t or 0) for t in target], height=h, color=GREY, label="target")
    ax.barh([p - h / 2 for p in positions], [100 * r for r in realised], height=h, color=BLUE, label="realised")
    ax.set_yticks(positions, names, fontsize=8)
    ax.set_xlabel("share of the mix's tokens (%)", fontsize=9)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return to_data_uri(fig)


def drops_plot(rules: Sequence[str], alone: Sequence[int], total: int, unit: str, combined: int | None = None) -> str:
    """Documents (or tokens) each filter rule would drop on its own (the what-if section), and, if given, all
    rules together (a grey bar at the bottom)."""
    labels = list(rules) + (["all rules together"] if combined is not None else [])
    values = list(alone) + ([combined] if combined is not None else [])
    fig = _figure(6.4, 0.35 * len(labels) + 1.3)
    ax = fig.subplots()
    positions = list(range(len(labels)))[::-1]
    colors = [RED] * len(rules) + [GREY] * (combined is not None)
    ax.barh(positions, values, color=colors, alpha=0.8)
    for y, v in zip(positions, values):
        ax.text(v, y, f" {_compact(v)} ({100 * v / (total or 1):.1f}%)", va="center", fontsize=8)
    ax.set_yticks(positions, [_shorten(r) for r in labels], fontsize=8)
    ax.set_xlabel(f"{unit} dropped", fontsize=9)
    ax.set_xlim(0, max(values + [1]) * 1.3)
    ax.spines[["top", "right"]].set_visible(False)
    return to_data_uri(fig)


def _shorten(label: str, limit: int = 50) -> str:
    """At most ``limit`` characters, cut in the middle (the end of a rule holds its threshold)."""
    if len(label) <= limit:
        return label
    head = (limit - 1) // 2
    return label[:head] + "\u2026" + label[-(limit - 1 - head):]
