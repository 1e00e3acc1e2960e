"""The bundled sample corpus and the README's quickstart pipeline."""

from __future__ import annotations

import collections
import os
import shutil
from pathlib import Path

from dolma_tools.io import read_rows
from dolma_tools.sample import build_sample

REPO = Path(__file__).resolve().parents[2]


def test_sample_is_deterministic_real_text_with_planted_redundancy(tmp_path):
    a = build_sample(str(tmp_path / "a"), shards=3, seed=5, limit=800)
    build_sample(str(tmp_path / "b"), shards=3, seed=5, limit=800)
    files = sorted(os.listdir(tmp_path / "a" / "documents"))
    assert files == ["part-0000.jsonl.gz", "part-0001.jsonl.gz", "part-0002.jsonl.gz"]
    for f in files:
        assert (tmp_path / "a/documents" / f).read_bytes() == (tmp_path / "b/documents" / f).read_bytes()
    rows = [r for f in files for r in read_rows(str(tmp_path / "a/documents" / f))]
    assert len(rows) == a.documents > 800
    assert len({r["id"] for r in rows}) == len(rows)
    texts = collections.Counter(r["text"] for r in rows)
    assert sum(c - 1 for c in texts.values() if c > 1) >= a.exact_duplicates > 0
    langs = collections.Counter(r["metadata"]["language"] for r in rows)
    assert langs["en"] > 700 and langs["fr"] and langs["de"] and langs["es"]
    # real prose: most documents are multi-line English with ordinary words
    assert sum(" the " in r["text"] for r in rows) > 0.5 * len(rows)


def test_quickstart_pipeline_runs_from_a_fresh_directory(tmp_path, cli):
    shutil.copytree(REPO / "configs", tmp_path / "configs")
    proc = cli("pipeline", "-c", "configs/quickstart.yaml", cwd=tmp_path)
    assert "[tag] summary" in proc.stderr and "0 failed" in proc.stderr
    assert "[pipeline] done" in proc.stderr
    docs = sorted(os.listdir(tmp_path / "quickstart-output/sample/documents"))
    attrs = tmp_path / "quickstart-output/sample/attributes"
    assert docs and all(sorted(os.listdir(attrs / t)) == docs for t in os.listdir(attrs) if (attrs / t).is_dir())
    # a second run resumes: nothing is redone
    again = cli("pipeline", "-c", "configs/quickstart.yaml", cwd=tmp_path)
    assert "0 files processed" in again.stderr
