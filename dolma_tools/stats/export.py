"""Statistics as plain data: the ``--json`` file, and Dolma's ``summaries.jsonl.gz`` for ``--report``."""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import orjson

from ..io.atomic import atomic_write
from ..io.jsonl import write_jsonl
from ..io.paths import join
from .attributes import QUANTILES, KeyStats
from .scan import ScanResult
from .sketch import LogSketch

if TYPE_CHECKING:
    from .whatif import WhatIfResult

FORMAT_VERSION = 1


def quantile_name(q: float) -> str:
    return f"p{q * 100:g}"


def _number(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def sketch_summary(sketch: LogSketch, bins: int) -> dict[str, Any]:
    """count, min, max, mean, sum, quantiles and a ``bins``-bin histogram of one sketch."""
    if not sketch.count:
        return {"count": 0, "non_finite": sketch.non_finite}
    edges, counts = sketch.histogram(bins)
    return {
        "count": sketch.count,
        "min": sketch.min,
        "max": sketch.max,
        "mean": _number(sketch.mean),
        "sum": sketch.sum,
        "quantiles": {quantile_name(q): v for q, v in zip(QUANTILES, sketch.quantiles(QUANTILES))},
        "histogram": {"edges": edges, "counts": counts},
        "non_finite": sketch.non_finite,
    }


def key_summary(stats: KeyStats, bins: int, with_sketch: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "level": stats.level,
        "rows": stats.rows,
        "rows_without_spans": stats.empty_rows,
        "spans": stats.spans,
        "max_spans_per_row": stats.max_spans_per_row,
        "score": sketch_summary(stats.score, bins),
        "length": sketch_summary(stats.length, bins),
    }
    if with_sketch:
        out["sketch"] = {"score": stats.score.to_json(), "length": stats.length.to_json()}
    return out


def result_to_json(result: ScanResult, bins: int = 1000, with_sketch: bool = True) -> dict[str, Any]:
    attrs = result.attributes
    return {
        "format_version": FORMAT_VERSION,
        "files": result.files,
        "relative_error": attrs.alpha,
        "attributes": {k: key_summary(attrs.keys[k], bins, with_sketch) for k in attrs.sorted_keys()},
        "corpus": result.corpus.to_json(),
        "skipped_lines": result.skipped,
    }


def write_json(path: str, data: dict[str, Any]) -> None:
    from ..io.compression import Compression

    with atomic_write(path, Compression.NONE) as f:
        f.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY) + b"\n")


def write_dolma_summaries(report_dir: str, result: ScanResult, bins: int) -> str:
    """Dolma ``stat --report DIR`` output: ``DIR/summaries.jsonl.gz``, one line per ``<key>/score`` and
    ``<key>/length`` with ``counts``, bin edges ``bins``, ``total`` and ``sum``."""
    rows = []
    for key in result.attributes.sorted_keys():
        stats = result.attributes.keys[key]
        for what, sketch in (("score", stats.score), ("length", stats.length)):
            edges, counts = sketch.histogram(bins)
            rows.append({"name": f"{key}/{what}", "counts": counts, "bins": edges, "total": sketch.count,
                         "sum": sketch.sum})
    path = join(report_dir, "summaries.jsonl.gz")
    write_jsonl(path, rows)
    return path


def what_if_to_json(result: "WhatIfResult") -> dict[str, Any]:
    """A what-if as plain data: per stream or source the rules' drops (and a mixture's sampling plan)."""
    return {"results": [dataclasses.asdict(w) for w in result.results], "sampling_plan": result.plan_table,
            "notes": list(result.notes)}
