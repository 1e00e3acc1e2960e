"""Dolma's own mixer test configs run unchanged, only their paths pointed at local copies.

The documents and attributes are Dolma's test fixtures (read in place); expectations are worked out by hand
from the attribute values listed in the comments.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mixer_helpers import DOLMA_FIXTURES, read_docs, run_mix, write_docs
from dolma_tools.cli.main import main

CONFIGS = DOLMA_FIXTURES / "config"
PROVIDED = DOLMA_FIXTURES / "data" / "provided"
DOCS = read_docs(PROVIDED / "documents" / "000.json.gz")
IDS = [d["id"] for d in DOCS]
TEXT = {d["id"]: d["text"] for d in DOCS}


def _localise(name: str, tmp: Path, replacements: dict[str, str]) -> Path:
    """The fixture config with its paths rewritten (the only change)."""
    text = (CONFIGS / name).read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    out = tmp / name
    out.write_text(text)
    return out


def _run_fixture(name: str, tmp: Path, *extra: str) -> list[dict]:
    cfg = _localise(name, tmp, {"tests/data/provided": str(PROVIDED), "tests/work": str(tmp / "work")})
    assert main(["-c", str(cfg), "mix", *extra]) == 0  # Dolma's argument order
    out_dirs = {p.parent for p in (tmp / "work" / "output").rglob("*.jsonl.gz")}
    assert len(out_dirs) == 1
    return [row for f in sorted(next(iter(out_dirs)).glob("*.jsonl.gz")) for row in read_docs(f)]


def test_mixer_json(tmp_path: Path) -> None:
    rows = _run_fixture("mixer.json", tmp_path)
    # include metadata.length < 10000 drops doc 6 (10856); exclude length < 500 drops doc 9 (333),
    # pii.too_much_pii == true drops doc 8, toxicity > 0.8 drops docs 9 (0.9) and 10 (1.0)
    assert [r["id"] for r in rows] == [IDS[i] for i in (0, 1, 2, 3, 4, 6)]
    # Dolma's output: the merged attributes, and the provenance "<file>:<line>"
    assert rows[0]["attributes"] == {"toxicity": 0.1}
    assert rows[2]["attributes"]["pii"]["email"] == [[5407, 5422, 0.8], [5430, 5447, 0.1]]
    assert [r["metadata"]["provenance"] for r in rows] == [f"000.json.gz:{i}" for i in (1, 2, 3, 4, 5, 7)]
    assert all(r["text"] == TEXT[r["id"]] for r in rows)


def _email(text: str, start: int, end: int) -> str:
    return text[:start] + "[B-EMAIL]" + text[start:end] + "[E-EMAIL]" + text[end:]


@pytest.mark.parametrize("name", ["email-spans.json", "email-spans-jq.yaml"])
def test_email_spans(tmp_path: Path, name: str) -> None:
    rows = {r["id"]: r["text"] for r in _run_fixture(name, tmp_path)}
    assert list(rows) == IDS  # no filter: everything kept
    # doc 3: email spans [5407,5422,0.8] (replaced) and [5430,5447,0.1] (below min_score 0.5)
    assert rows[IDS[2]] == _email(TEXT[IDS[2]], 5407, 5422)
    assert rows[IDS[3]] == _email(TEXT[IDS[3]], 4436, 4450)
    # doc 7: email [4613,4625,0.8] and company_name [0,6,0.9]; the jq config has max_score 0.9, which is
    # exclusive (Dolma), so the company name is removed only by the JSONPath config
    expected = _email(TEXT[IDS[6]], 4613, 4625)
    assert rows[IDS[6]] == (expected[6:] if name.endswith(".json") else expected)
    for i in (0, 1, 4, 5, 7, 8, 9):
        assert rows[IDS[i]] == TEXT[IDS[i]]


def test_paragraph_spans(tmp_path: Path) -> None:
    rows = {r["id"]: r["text"] for r in _run_fixture("paragraph-spans.json", tmp_path)}
    spans = {r["id"]: r["attributes"]["bff_duplicate_paragraph_spans"]
             for r in read_docs(PROVIDED / "attributes" / "duplicate_paragraphs" / "000.json.gz")}
    for doc_id, text in TEXT.items():
        keep, pos = [], 0
        for start, end, _ in sorted(spans[doc_id]):  # score 1 >= 0.5: every span goes
            keep.append(text[pos:start])
            pos = end
        assert rows[doc_id] == "".join(keep) + text[pos:], doc_id
    assert rows[IDS[0]] == TEXT[IDS[0]] and rows[IDS[1]] != TEXT[IDS[1]]


def test_filter_by_spans_has_a_dead_rule(tmp_path: Path, capsys) -> None:
    # its exclude names `dummy`, which no attribute file carries: an error before any output...
    cfg = _localise("filter-by-spans.json", tmp_path, {"tests/data/provided": str(PROVIDED),
                                                       "tests/work": str(tmp_path / "work")})
    assert main(["-c", str(cfg), "mix"]) == 2
    err = capsys.readouterr().err
    assert "attribute 'dummy'" in err and "streams[0].filter.exclude[0]" in err
    assert "closest first: sample__random_number_v1__random" in err
    assert not (tmp_path / "work").exists()
    # ...unless allowed, as Dolma would run it: include random < 0.5 keeps docs 1,2,4,6,9,10
    rows = _run_fixture("filter-by-spans.json", tmp_path, "--allow_missing_attributes")
    assert [r["id"] for r in rows] == [IDS[i] for i in (0, 1, 3, 5, 8, 9)]
    # discard_fields drops attributes, metadata, added, created; the provenance is added afterwards
    assert all(set(r) == {"id", "text", "source", "metadata"} and set(r["metadata"]) == {"provenance"} for r in rows)


def _validator_corpus(root: Path) -> None:
    """Fixture documents plus attributes under the names the mixer-validator configs use."""
    prefix = "cc_tiny_subset_analysis_october__"
    values = [  # per document: the attribute values the 9 exclude rules look at
        dict(cld2=0.95, ft=0.9, length=6320, nsfw=0.1, words=900, symbols=0.01, bff=0, bullets=0.0, repeat=0.0),
        dict(cld2=0.5, ft=0.9, length=5835, nsfw=0.1, words=900, symbols=0.01, bff=0, bullets=0.0, repeat=0.0),
        dict(cld2=0.95, ft=0.7, length=5469, nsfw=0.1, words=900, symbols=0.01, bff=0, bullets=0.0, repeat=0.0),
        dict(cld2=0.95, ft=0.9, length=80, nsfw=0.1, words=900, symbols=0.01, bff=0, bullets=0.0, repeat=0.0),
        dict(cld2=0.95, ft=0.9, length=8583, nsfw=0.8, words=900, symbols=0.01, bff=0, bullets=0.0, repeat=0.0),
        dict(cld2=0.95, ft=0.9, length=10856, nsfw=0.1, words=20, symbols=0.01, bff=0, bullets=0.0, repeat=0.0),
        dict(cld2=0.95, ft=0.9, length=4625, nsfw=0.1, words=900, symbols=0.2, bff=0, bullets=0.0, repeat=0.0),
        dict(cld2=0.95, ft=0.9, length=3420, nsfw=0.1, words=900, symbols=0.01, bff=1, bullets=0.0, repeat=0.0),
        dict(cld2=0.95, ft=0.9, length=333, nsfw=0.1, words=900, symbols=0.01, bff=0, bullets=0.6, repeat=0.0),
        dict(cld2=0.95, ft=0.9, length=8460, nsfw=0.1, words=900, symbols=0.01, bff=0, bullets=0.0, repeat=0.0),
    ]
    docs_dir = root / "documents" / "part"
    write_docs(docs_dir / "000.jsonl.gz", DOCS)
    analysis, bff = [], []
    for doc, v in zip(DOCS, values):
        n = len(doc["text"])
        a = {
            prefix + "cld2_en_paragraph_with_doc_score_v2__doc_en": [[0, n, v["cld2"]]],
            prefix + "ft_lang_id_en_paragraph_with_doc_score_v2__doc_en": [[0, n, v["ft"]]],
            prefix + "char_length_with_paragraphs_v1__document": [[0, n, v["length"]]],
            prefix + "jigsaw_nsfw_document_v1____label__nsfw": [[0, n, v["nsfw"]]],
            prefix + "gopher_v2__word_count": [[0, n, v["words"]]],
            prefix + "gopher_v2__symbol_to_word_ratio": [[0, n, v["symbols"]]],
            prefix + "c4_v2__line_bullets": [[0, n, v["bullets"]]],
            prefix + "c4_v2__phrase_repeat": [[0, n, v["repeat"]]],
            prefix + "pii_regex_with_counts_fast_v2__EMAIL_ADDRESS": [[0, 4, 1.0]],  # first 4 characters
        }
        if doc is DOCS[0]:
            a[prefix + "pii_regex_with_counts_fast_v2__PHONE_NUMBER"] = [[10, 14, 1.0]]
        if doc is DOCS[9]:
            a[prefix + "pii_regex_with_counts_fast_v2__IP_ADDRESS"] = [[10, 14, 1.0], [20, 30, 0.2]]
        analysis.append({"id": doc["id"], "attributes": a})
        bff.append({"id": doc["id"], "attributes": {"bff_duplicate_paragraph_spans_new": [[0, n, v["bff"]]] if v["bff"] else []}})
    write_docs(root / "attributes" / "cc_tiny_subset_analysis_october" / "part" / "000.jsonl.gz", analysis)
    write_docs(root / "attributes" / "bff_duplicate_paragraph_spans_new" / "part" / "000.jsonl.gz", bff)


@pytest.mark.parametrize("name", ["mixer-validator-jsonpath.yaml", "mixer-validator-jq.yaml"])
def test_mixer_validator_configs(tmp_path: Path, name: str) -> None:
    root = tmp_path / "data"
    _validator_corpus(root)
    cfg = _localise(name, tmp_path, {"s3://ai2-oe-data/mashai/tiny-DCLM-pool-subset-october": str(root),
                                     "/tmp/cc_tiny_subset_mix": str(tmp_path / "work")})
    assert run_mix("-c", cfg, "--processes", "1") == 0
    out = next(p for p in root.iterdir() if p.name.startswith("mixed-output"))
    rows = [r for f in sorted(out.glob("*.jsonl.gz")) for r in read_docs(f)]
    # dropped: 2 (cld2 0.5), 3 (fasttext 0.7), 4 (length 80), 5 (nsfw 0.8), 6 (20 words), 7 (symbols 0.2),
    # 8 (duplicate paragraphs, integer score 1 >= 1.0), 9 (bullets 0.6); kept: 1 and 10
    assert [r["id"] for r in rows] == [IDS[0], IDS[9]]
    first, last = TEXT[IDS[0]], TEXT[IDS[9]]
    assert rows[0]["text"] == " |||EMAIL_ADDRESS||| " + first[4:10] + " |||PHONE_NUMBER||| " + first[14:]
    assert rows[1]["text"] == " |||EMAIL_ADDRESS||| " + last[4:10] + " |||IP_ADDRESS||| " + last[14:]
    assert all("attributes" not in r for r in rows)  # discard_fields


def test_c4_cleaned_json(tmp_path: Path) -> None:
    root = tmp_path / "c4"
    doc = DOCS[0]
    lines = doc["text"].split("\n")
    starts = [sum(len(x) + 1 for x in lines[:i]) for i in range(len(lines))]
    # mark line 0 (no ending punctuation, score 1.0) and line 2 (too few words, score 0.4: kept)
    attrs = {"c4_rules__c4_v1__lines_with_no_ending_punctuation": [[starts[0], starts[1], 1.0]],
             "c4_rules__c4_v1__lines_with_too_few_words": [[starts[2], starts[3], 0.4]]}
    write_docs(root / "documents" / "head" / "0000.json.gz", [doc])
    write_docs(root / "attributes" / "c4_rules" / "head" / "0000.json.gz", [{"id": doc["id"], "attributes": attrs}])
    cfg = _localise("c4-cleaned.json", tmp_path, {
        "s3://ai2-llm/pretraining-data/tests/mixer/inputs/c4": str(root),
        "s3://ai2-llm/pretraining-data/tests/mixer/outputs/c4-cleaned": str(tmp_path / "out"),
        "tests/work": str(tmp_path / "work")})
    assert run_mix("-c", cfg) == 0
    (row,) = read_docs(tmp_path / "out" / "documents" / "head" / "c4-cleaned-0000.jsonl.gz")
    assert row["text"] == "\n".join(lines[1:])


def test_shuffle_false_mirrors_the_input_layout(tmp_path: Path) -> None:
    shutil.copytree(PROVIDED, tmp_path / "provided")
    cfg = {"streams": [{"name": "m", "documents": [str(tmp_path / "provided/documents/*.gz")],
                        "attributes": ["toxicity"], "filter": {"exclude": ["$.attributes[?(@.toxicity > 0.45)]"]},
                        "output": {"path": str(tmp_path / "out"), "max_size_in_bytes": 1000}}],
           "shuffle": False}
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    assert run_mix("-c", tmp_path / "c.json") == 0
    rows = read_docs(tmp_path / "out" / "documents" / "000.json.gz")
    assert [r["id"] for r in rows] == IDS[:4]  # toxicity 0.1 .. 0.4
