"""Statistics over shards and worker processes equal one pass over all the rows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dolma_tools.io.jsonl import write_jsonl
from dolma_tools.stats.attributes import QUANTILES
from dolma_tools.stats.corpus import SummaryOptions
from dolma_tools.stats.export import quantile_name, result_to_json
from dolma_tools.stats.scan import plan_units, run_scan

N = 3000


def _rows(scores: np.ndarray, lengths: np.ndarray, offset: int) -> list[dict]:
    rows = []
    for i, (score, n) in enumerate(zip(scores, lengths)):
        n = int(n)
        rows.append({"id": f"d{offset + i}", "source": "s", "attributes": {
            "e__t__score": [[0, n, float(score)]],
            "e__t__words": [[k * 10, k * 10 + 5, float(k)] for k in range(n // 10)],
        }})
    return rows


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    root = tmp_path_factory.mktemp("merge")
    rng = np.random.default_rng(42)
    scores = np.round(rng.lognormal(0, 2, N), 5)
    lengths = rng.integers(10, 400, N)
    rows = _rows(scores, lengths, 0)
    whole = root / "one" / "attributes" / "e" / "all.jsonl.gz"
    write_jsonl(str(whole), rows)
    parts = []
    for k, chunk in enumerate(np.array_split(np.arange(N), 5)):
        path = root / "many" / "attributes" / "e" / f"part-{k}.jsonl.gz"
        write_jsonl(str(path), [rows[i] for i in chunk])
        parts.append(str(path))
    words = [float(k) for n in lengths for k in range(int(n) // 10)]
    return str(whole), parts, scores, np.array(words)


def _without_sums(data):
    if isinstance(data, dict):
        return {k: _without_sums(v) for k, v in data.items() if k not in ("sum", "mean")}
    if isinstance(data, list):
        return [_without_sums(v) for v in data]
    return data


def test_workers_and_shards_merge_to_the_single_pass(shards):
    whole, parts, scores, words = shards
    options = SummaryOptions()
    single, _ = run_scan(plan_units([], [whole]), options, processes=1, quiet=True)
    merged, summary = run_scan(plan_units([], parts), options, processes=2, quiet=True)
    assert summary.ok and len(summary.results) == 5
    a, b = result_to_json(single, bins=50), result_to_json(merged, bins=50)
    assert a.pop("files") == 1 and b.pop("files") == 5
    assert _without_sums(a) == _without_sums(b)
    for key in ("e__t__score", "e__t__words"):
        assert a["attributes"][key]["score"]["sum"] == pytest.approx(b["attributes"][key]["score"]["sum"], rel=1e-12)

    # and the merged numbers are right: exact counts/extremes, quantiles within 1% of the exact ranks
    for key, values in (("e__t__score", scores), ("e__t__words", words)):
        got = b["attributes"][key]["score"]
        assert got["count"] == len(values)
        assert (got["min"], got["max"]) == (values.min(), values.max())
        ordered = np.sort(values)
        for q in QUANTILES:
            want = ordered[math.floor(q * (len(values) - 1))]
            assert abs(got["quantiles"][quantile_name(q)] - want) <= 0.01 * abs(want) + 1e-12
    assert b["attributes"]["e__t__score"]["level"] == "document"
    assert b["attributes"]["e__t__words"]["level"] == "span"
