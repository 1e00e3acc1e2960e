"""Decontamination: one command builds a read-only filter from eval sets and tags a corpus against it."""

from __future__ import annotations

import json
from pathlib import Path

from dolma_tools._rust import BloomFilter
from dolma_tools.cli.main import main as cli_main

from .helpers import attributes, dedupe, documents, paragraph_spans
from .test_semantics import write_docs


def _decon(*args: str) -> int:
    return cli_main(["decon", *args])


def _eval_set(tmp_path: Path, corpus: Path) -> tuple[Path, set[str]]:
    """Eval documents: a few real paragraphs of the corpus (leaked) plus text found nowhere in it."""
    docs = documents(corpus)
    leaked = [docs[10]["text"].split("\n")[2], docs[200]["text"].split("\n")[0], docs[400]["text"].split("\n")[1]]
    evals = [{"id": f"q{i}", "text": f"Question {i}: what is this?\n{p}"} for i, p in enumerate(leaked)]
    evals.append({"id": "q9", "text": "A question nobody wrote into the corpus.\nIts answer, neither."})
    root = tmp_path / "evals"
    write_docs(root, evals, name="evals.jsonl.gz")
    return root, {p for e in evals for p in e["text"].split("\n")}


def test_build_then_tag_marks_leaked_paragraphs(corpus: Path, tmp_path: Path, capsys):
    evals, eval_paragraphs = _eval_set(tmp_path, corpus)
    filter_path = tmp_path / "decon.bin"
    args = ["--eval_documents", str(evals / "documents" / "*.jsonl.gz"),
            "--documents", str(corpus / "documents" / "*.jsonl.gz"),
            "--dedupe.paragraphs.attribute_name", "contaminated", "--dedupe.skip_empty",
            "--bloom_filter.file", str(filter_path), "--bloom_filter.estimated_doc_count", "1000",
            "--bloom_filter.desired_false_positive_rate", "1e-6"]
    assert _decon(*args) == 0
    assert not (evals / "attributes").exists()  # building writes no attributes for the eval set
    record = json.loads(BloomFilter.load(str(filter_path), read_only=True).metadata)["dolma_tools"]
    assert record["purpose"] == "decontamination"
    built = filter_path.read_bytes()

    marked_total = 0
    for doc, row in zip(documents(corpus), attributes(corpus, "contaminated")):
        expected = [[s, e, 1] for s, e, p in paragraph_spans(doc["text"]) if p.strip() and p in eval_paragraphs]
        assert row["attributes"]["contaminated"] == expected, doc["id"]
        marked_total += len(expected)
    assert marked_total >= 3
    assert filter_path.read_bytes() == built  # tagging never changes the read-only filter

    # a second run reuses the filter and has nothing left to tag
    capsys.readouterr()
    assert _decon(*args) == 0
    err = capsys.readouterr().err
    assert "reusing it" in err and "3 of 3 files already done" in err


def test_ngram_decontamination_catches_edited_copies(tmp_path: Path):
    question = "the committee announced on tuesday that the new bridge across the river would open in june"
    write_docs(tmp_path / "evals", [{"id": "e1", "text": question}])
    edited = question.replace("tuesday", "monday")  # 1 of 16 words changed
    write_docs(tmp_path / "corpus", [{"id": "c1", "text": f"Intro line here.\n{edited}"},
                                     {"id": "c2", "text": "nothing to see here at all, move along please"}])
    assert _decon("--eval_documents", str(tmp_path / "evals" / "documents" / "*"),
                  "--documents", str(tmp_path / "corpus" / "documents" / "*"),
                  "--dedupe.paragraphs.attribute_name", "decon", "--dedupe.paragraphs.by_ngram.ngram_length", "4",
                  "--dedupe.paragraphs.by_ngram.overlap_threshold", "0.5",
                  "--bloom_filter.file", str(tmp_path / "f.bin"), "--bloom_filter.estimated_doc_count", "100",
                  "--bloom_filter.desired_false_positive_rate", "1e-6") == 0
    rows = attributes(tmp_path / "corpus", "decon")
    # 13 four-grams, 4 of them contain "monday": 9 / 13 = 0.69231 seen
    assert rows[0]["attributes"]["decon"] == [[17, 17 + len(edited), 0.69231]]
    assert rows[1]["attributes"]["decon"] == []


def test_an_existing_filter_from_other_evals_is_not_overwritten(tmp_path: Path, capsys):
    write_docs(tmp_path / "a", [{"id": "1", "text": "alpha"}])
    write_docs(tmp_path / "b", [{"id": "2", "text": "beta"}])
    common = ["--dedupe.documents.key", "$.text", "--dedupe.documents.attribute_name", "d",
              "--bloom_filter.file", str(tmp_path / "f.bin"), "--bloom_filter.size_in_bytes", "4096"]
    assert _decon("--eval_documents", str(tmp_path / "a" / "documents" / "*"), *common) == 0
    capsys.readouterr()
    assert _decon("--eval_documents", str(tmp_path / "b" / "documents" / "*"), *common) == 1
    assert "not built from these eval files" in capsys.readouterr().err
    assert _decon("--eval_documents", str(tmp_path / "b" / "documents" / "*"), *common, "--ignore-existing") == 0
    bloom = BloomFilter.load(str(tmp_path / "f.bin"), read_only=True)
    assert bloom.contains("beta") and not bloom.contains("alpha")


def test_tagging_against_a_decon_filter_with_dedupe(tmp_path: Path):
    """The second step alone is plain `dedupe` with a read-only filter (Dolma's decontamination recipe)."""
    write_docs(tmp_path / "evals", [{"id": "e", "text": "leaked answer"}])
    write_docs(tmp_path / "corpus", [{"id": "1", "text": "leaked answer"}, {"id": "2", "text": "fresh"},
                                     {"id": "3", "text": "fresh"}])
    assert _decon("--eval_documents", str(tmp_path / "evals" / "documents" / "*"),
                  "--dedupe.documents.key", "$.text", "--dedupe.documents.attribute_name", "d",
                  "--bloom_filter.file", str(tmp_path / "f.bin"), "--bloom_filter.estimated_doc_count", "10",
                  "--bloom_filter.desired_false_positive_rate", "1e-6") == 0
    assert dedupe("--documents", str(tmp_path / "corpus" / "documents" / "*"), "--dedupe.documents.key", "$.text",
                  "--dedupe.documents.attribute_name", "d", "--bloom_filter.file", str(tmp_path / "f.bin"),
                  "--bloom_filter.read_only") == 0
    # read-only: "fresh" is never inserted, so its repeat is not marked either
    assert [r["attributes"] for r in attributes(tmp_path / "corpus", "d")] == [{"d": [[0, 13, 1]]}, {}, {}]
