"""``dolma-tools stats`` on a hand-made corpus: every count is worked out by hand in tests/stats/corpus.py."""

from __future__ import annotations

import gzip
import json

import orjson
import pytest

from dolma_tools.io.jsonl import write_jsonl

from . import corpus as C

TOKENIZER = "data/tokenizer/gpt-neo-test-tokenizer.json"


@pytest.fixture
def made(tmp_path):
    C.write_corpus(tmp_path)
    return tmp_path


def _stats(cli, root, *extra, cwd=None):
    out = root / "stats.json"
    proc = cli("stats", "--documents", f"{root}/documents/*", "--attributes", f"{root}/attributes/*/*",
               "--json", str(out), *extra, cwd=cwd)
    return json.loads(out.read_text()), proc


def test_corpus_counts_by_source_domain_duplicates_and_languages(made, cli):
    data, proc = _stats(cli, made, "--processes", "2")
    corpus = data["corpus"]
    assert corpus["documents"] == C.DOCUMENTS
    assert corpus["characters"] == C.CHARACTERS
    assert corpus["whitespace_tokens"] == C.WS_TOKENS
    assert corpus["tokens"] == C.WS_TOKENS and corpus["token_unit"] == "whitespace tokens"
    by_source = corpus["by_source"]["items"]
    assert {k: v["docs"] for k, v in by_source.items()} == C.BY_SOURCE_DOCS
    assert {k: v["chars"] for k, v in by_source.items()} == C.BY_SOURCE_CHARS
    assert corpus["by_source"]["exact"] is True
    assert {k: v["docs"] for k, v in corpus["by_domain"]["items"].items()} == C.BY_DOMAIN_DOCS
    dup = corpus["duplicates"]
    assert dup["documents"] == C.DUPLICATE_DOCS
    assert dup["document_fraction"] == pytest.approx(C.DUPLICATE_DOCS / C.DOCUMENTS)
    assert dup["characters"] == C.DUPLICATE_CHARS
    assert dup["by_attribute"]["bff_duplicate_docs"] == {"docs": 2, "docs_with_spans": 2, "chars": 18}
    assert dup["by_attribute"]["bff_duplicate_paragraph_spans"] == {"docs": 1, "docs_with_spans": 2, "chars": 23}
    assert corpus["languages"] == {"lang__ft_lang_id_doc_v1": C.LANGUAGES}
    # the printed table carries the same numbers
    assert "stdlib" not in proc.stdout and "example.com" in proc.stdout and "Languages" in proc.stdout


def test_attribute_statistics_exact_parts_and_levels(made, cli):
    data, _ = _stats(cli, made)
    attrs = data["attributes"]
    length = attrs[C.LENGTH_KEY]
    assert length["level"] == "document"
    assert length["rows"] == 10 and length["spans"] == 10
    assert (length["score"]["count"], length["score"]["min"], length["score"]["max"]) == (10, 0, 21)
    assert length["score"]["mean"] == pytest.approx(C.CHARACTERS / 10)
    # small integers are reported exactly: sorted lengths 0 5 5 7 13 13 16 16 16 21; rank floor(0.5 * 9) = 4
    assert length["score"]["quantiles"]["p50"] == 13
    assert sum(length["score"]["histogram"]["counts"]) == 10

    para = attrs[C.PARAGRAPH_KEY]
    assert para["level"] == "span"  # two rows have two spans; a5 has none
    assert (para["rows"], para["rows_without_spans"], para["spans"], para["max_spans_per_row"]) == (10, 1, 11, 2)
    assert para["score"]["sum"] == 110 and para["score"]["min"] == 5 and para["score"]["max"] == 21

    assert attrs["bff_duplicate_docs"]["level"] == "document"
    assert attrs["bff_duplicate_docs"]["spans"] == 2 and attrs["bff_duplicate_docs"]["rows_without_spans"] == 8
    assert attrs["bff_duplicate_paragraph_spans"]["level"] == "span"  # b3's span is not the whole text
    en = attrs["lang__ft_lang_id_doc_v1__en"]
    assert en["level"] == "document" and en["rows"] == 9  # a5 has no language key
    assert en["score"]["min"] == 0.03 and en["score"]["max"] == 0.9
    # constant scores are exact: every span of bff_duplicate_docs has score 1.0
    assert attrs["bff_duplicate_docs"]["score"]["quantiles"]["p1"] == 1.0


def test_levels_are_inferred_without_documents(made, cli):
    out = made / "attrs-only.json"
    cli("stats", "--attributes", f"{made}/attributes/*/*", "--json", str(out))
    data = json.loads(out.read_text())
    levels = {k: v["level"] for k, v in data["attributes"].items()}
    assert levels[C.LENGTH_KEY] == "document"
    assert levels[C.PARAGRAPH_KEY] == "span"
    assert levels["bff_duplicate_docs"] == "document"
    assert levels["bff_duplicate_paragraph_spans"] == "span"
    assert data["corpus"]["documents"] == 10 and data["corpus"]["characters"] is None
    # attribute rows carry the source too
    assert {k: v["docs"] for k, v in data["corpus"]["by_source"]["items"].items()} == C.BY_SOURCE_DOCS
    assert data["corpus"]["duplicates"]["documents"] == C.DUPLICATE_DOCS


def test_tokenizer_tokens(made, cli, dolma_fixtures):
    from tokenizers import Tokenizer

    path = dolma_fixtures / TOKENIZER
    tok = Tokenizer.from_file(str(path))
    expected = sum(len(tok.encode(t, add_special_tokens=False).ids) for _, t, _, _ in C.DOCS_A + C.DOCS_B)
    data, proc = _stats(cli, made, "--tokenizer", str(path))
    assert data["corpus"]["tokens"] == expected
    assert data["corpus"]["whitespace_tokens"] == C.WS_TOKENS
    assert sum(v["tokens"] for v in data["corpus"]["by_source"]["items"].values()) == expected
    assert "gpt-neo-test-tokenizer.json" in proc.stdout


def test_bad_tokenizer_file_is_a_clear_error(made, cli, tmp_path):
    bad = tmp_path / "tok.json"
    bad.write_text("{}")
    proc = cli("stats", "--documents", f"{made}/documents/*", "--tokenizer", str(bad), check=False)
    assert proc.returncode == 2 and "tok.json is not a Hugging Face tokenizer.json" in proc.stderr


def test_regex_and_dolma_report_folder(made, cli):
    report = made / "dolma-report"
    cli("stats", "--attributes", f"{made}/attributes/len/*", "--report", str(report), "--bins", "7")
    with gzip.open(report / "summaries.jsonl.gz") as f:
        rows = [orjson.loads(line) for line in f]
    names = [r["name"] for r in rows]
    assert names == [f"{C.LENGTH_KEY}/score", f"{C.LENGTH_KEY}/length"]
    score = rows[0]
    assert score["total"] == 10 and score["sum"] == C.CHARACTERS
    assert len(score["counts"]) == 7 and len(score["bins"]) == 8 and sum(score["counts"]) == 10
    assert (score["bins"][0], score["bins"][-1]) == (0, 21)

    out = made / "only-lang.json"
    cli("stats", "--attributes", f"{made}/attributes/*/*", "--regex", "ft_lang_id", "--json", str(out))
    assert sorted(json.loads(out.read_text())["attributes"]) == sorted(C.LANG_KEYS)


def test_json_to_a_bare_file_name_in_the_current_directory(made, cli):
    cli("stats", "--attributes", "attributes/len/*", "--json", "stats-here.json", cwd=made)
    assert json.loads((made / "stats-here.json").read_text())["attributes"][C.LENGTH_KEY]["rows"] == 10


def test_misaligned_attribute_file_names_file_and_line(made, cli):
    path = made / "attributes" / "len" / "b.jsonl"
    rows = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    rows[2]["id"] = "zz"
    write_jsonl(str(path), rows)
    proc = cli("stats", "--documents", f"{made}/documents/*", "--attributes", f"{made}/attributes/*/*",
               check=False)
    assert proc.returncode == 1
    assert f"{path}:3: id 'zz' does not match id 'b3'" in proc.stderr


def test_malformed_spans_are_reported_with_line(made, cli):
    path = made / "attributes" / "para" / "b.jsonl"
    rows = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    rows[1]["attributes"][C.PARAGRAPH_KEY] = [[0, 3]]
    write_jsonl(str(path), rows)
    proc = cli("stats", "--documents", f"{made}/documents/b.jsonl", "--attributes", str(path), check=False)
    assert proc.returncode == 1
    assert "b.jsonl:2: malformed attribute spans" in proc.stderr and C.PARAGRAPH_KEY in proc.stderr


def test_stats_needs_some_input(cli):
    proc = cli("stats", check=False)
    assert proc.returncode == 2 and "--attributes" in proc.stderr


def test_documents_and_attributes_on_s3(made, cli, s3_bucket):
    """Same numbers when the shards live in an S3 bucket (a real S3 server on 127.0.0.1)."""
    from dolma_tools.io import s3

    for path in sorted(p for p in made.rglob("*") if p.is_file() and p.suffix in (".gz", ".jsonl")):
        s3.client().put_object(Bucket=s3_bucket, Key=str(path.relative_to(made)), Body=path.read_bytes())
    out = made / "s3-stats.json"
    cli("stats", "--documents", f"s3://{s3_bucket}/documents/*", "--attributes", f"s3://{s3_bucket}/attributes/*/*",
        "--json", str(out), "--processes", "2")
    data = json.loads(out.read_text())
    assert data["corpus"]["documents"] == C.DOCUMENTS and data["corpus"]["characters"] == C.CHARACTERS
    assert data["corpus"]["duplicates"]["documents"] == C.DUPLICATE_DOCS
    assert data["attributes"][C.PARAGRAPH_KEY]["level"] == "span"
    assert data["files"] == 2  # each document file is read together with its attribute files
