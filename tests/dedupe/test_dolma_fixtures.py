"""Dolma's own dedupe test configs run unchanged (only paths rewritten) and give Dolma 1.2.1's results.

DOLMA_1_2_1 holds the attribute values `dolma dedupe` 1.2.1 wrote for the 10 fixture documents with each
config (None: no attribute). Ours differ only where docs/dedupe.md says so:
* a duplicate document's span covers its whole text ([0, len(text), 1]); Dolma's ends at the key's byte length;
* span ends never pass the end of the text (Dolma adds one for a missing newline after the last paragraph
  of non-ASCII texts);
* n-gram overlap scores are rounded to 5 decimals.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dolma_tools.cli.main import main as cli_main
from dolma_tools.io.jsonl import read_rows

DOLMA_1_2_1 = {
    "dedupe-by-url": [None, [[0, 44, 1]], None, None, None, None, None, None, None, None],
    "dedupe-paragraphs": [
        [],
        [[0, 10, 1], [10, 25, 1], [25, 43, 1], [43, 62, 1], [62, 75, 1], [2790, 2873, 1], [2873, 2933, 1],
         [2933, 2959, 1], [2959, 2990, 1], [2990, 3058, 1], [3058, 3099, 1], [3099, 3141, 1], [3141, 3181, 1],
         [3181, 3195, 1], [3195, 3209, 1], [3209, 3227, 1], [3227, 3246, 1], [3246, 3271, 1], [3271, 3283, 1],
         [3283, 3299, 1], [3299, 3319, 1], [3319, 3332, 1], [3332, 3355, 1], [3355, 3366, 1], [3366, 3384, 1],
         [3384, 3403, 1], [3403, 3418, 1], [3418, 3446, 1], [3446, 3466, 1], [3466, 3485, 1], [3485, 3500, 1],
         [3500, 3519, 1], [3519, 3539, 1], [3539, 3560, 1], [3560, 3577, 1], [3577, 3593, 1], [3593, 5557, 1],
         [5557, 5570, 1], [5570, 5583, 1], [5583, 5610, 1], [5610, 5651, 1], [5651, 5788, 1], [5788, 5836, 1]],
        [], [], [], [], [], [], [], [],
    ],
    "dedupe-paragraph-ngrams": [
        [],
        "same spans as dedupe-paragraphs, with score 1.0",
        [[2174, 2246, 0.5]], [], [], [], [], [[3207, 3907, 0.8684210777282715]], [], [[1768, 1833, 0.5]],
    ],
}


@pytest.fixture
def fixture_root(dolma_fixtures: Path, tmp_path: Path) -> Path:
    """Dolma's deduper inputs at the relative paths its configs use, in a scratch folder."""
    src = dolma_fixtures / "data" / "provided" / "deduper"
    dst = tmp_path / "tests" / "data" / "provided" / "deduper"
    shutil.copytree(src, dst)
    return tmp_path


def _run_config(dolma_fixtures: Path, root: Path, name: str, monkeypatch) -> list[dict]:
    config = json.loads((dolma_fixtures / "config" / f"{name}.json").read_text())
    (root / f"{name}.json").write_text(json.dumps(config))  # unchanged: relative paths resolve in `root`
    monkeypatch.chdir(root)
    assert cli_main(["-c", f"{name}.json", "dedupe"]) == 0
    attr_dir = root / "tests" / "data" / "provided" / "deduper" / "attributes" / config["dedupe"]["name"]
    assert sorted(p.name for p in attr_dir.iterdir()) == ["000.json.gz"]
    assert (root / config["bloom_filter"]["file"]).is_file()
    return read_rows(str(attr_dir / "000.json.gz"))


def _docs(root: Path) -> list[dict]:
    return read_rows(str(root / "tests" / "data" / "provided" / "deduper" / "documents" / "000.json.gz"))


def _clip(spans: list, text: str, digits: bool = False) -> list:
    return [[min(s, len(text)), min(e, len(text)), round(v, 5) if digits else v] for s, e, v in spans]


def test_dedupe_by_url(dolma_fixtures: Path, fixture_root: Path, monkeypatch):
    rows = _run_config(dolma_fixtures, fixture_root, "dedupe-by-url", monkeypatch)
    docs = _docs(fixture_root)
    assert [r["id"] for r in rows] == [d["id"] for d in docs]
    for doc, row, dolma in zip(docs, rows, DOLMA_1_2_1["dedupe-by-url"]):
        if dolma is None:
            assert row["attributes"] == {}
        else:
            assert dolma == [[0, len(doc["metadata"]["url"].encode()), 1]]
            assert row["attributes"] == {"bff_duplicate_url": [[0, len(doc["text"]), 1]]}


def test_dedupe_paragraphs(dolma_fixtures: Path, fixture_root: Path, monkeypatch):
    rows = _run_config(dolma_fixtures, fixture_root, "dedupe-paragraphs", monkeypatch)
    for doc, row, dolma in zip(_docs(fixture_root), rows, DOLMA_1_2_1["dedupe-paragraphs"]):
        assert row["attributes"] == {"bff_duplicate_paragraph_spans": _clip(dolma, doc["text"])}
    # the output bytes are Dolma's layout: sorted keys, no spaces, integer scores
    assert json.dumps(rows[1], separators=(",", ":")).startswith('{"attributes":{"bff_duplicate_paragraph_spans":[[0,10,1]')


def test_dedupe_paragraph_ngrams(dolma_fixtures: Path, fixture_root: Path, monkeypatch):
    rows = _run_config(dolma_fixtures, fixture_root, "dedupe-paragraph-ngrams", monkeypatch)
    expected = list(DOLMA_1_2_1["dedupe-paragraph-ngrams"])
    expected[1] = [[s, e, 1.0] for s, e, _ in DOLMA_1_2_1["dedupe-paragraphs"][1]]
    for doc, row, dolma in zip(_docs(fixture_root), rows, expected):
        assert row["attributes"] == {"bff_duplicate_paragraph_spans": _clip(dolma, doc["text"], digits=True)}


def test_documents_outside_a_documents_folder_are_ignored_by_the_glob(dolma_fixtures: Path, fixture_root: Path,
                                                                      monkeypatch):
    """Dolma's config globs doc*/: the pathnotd0cumentz/ copy does not match and gets no attributes."""
    _run_config(dolma_fixtures, fixture_root, "dedupe-paragraphs", monkeypatch)
    assert not (fixture_root / "tests" / "data" / "provided" / "attributes").exists()
