"""Bad configs, bad filters and bad input lines give clear errors (or are skipped and counted)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from .helpers import attributes, dedupe, doc_args, para_args


def _docs(root: Path, name: str, lines: list[str]) -> None:
    (root / "documents").mkdir(parents=True, exist_ok=True)
    with gzip.open(root / "documents" / name, "wt") as f:
        f.write("\n".join(lines) + "\n")


def test_read_only_filter_that_does_not_exist_is_an_error(corpus: Path, capsys):
    code = dedupe(*para_args(corpus, filter_name="missing.bin"), "--bloom_filter.read_only")
    err = capsys.readouterr().err
    assert code == 1
    assert "missing.bin does not exist" in err and "read-only filter must exist" in err
    assert not (corpus / "missing.bin").exists()
    assert not (corpus / "attributes").exists()


@pytest.mark.parametrize("read_only", ["--bloom_filter.read_only", "--no-bloom_filter.read_only"])
def test_truncated_or_corrupt_filter_files_are_errors(corpus: Path, capsys, read_only: str):
    assert dedupe(*doc_args(corpus, name="first")) == 0
    blob = (corpus / "docs.bin").read_bytes()
    (corpus / "docs.bin").write_bytes(blob[: len(blob) // 2])
    assert dedupe(*doc_args(corpus, name="second"), read_only) == 1
    assert "truncated" in capsys.readouterr().err
    corrupt = bytearray(blob)
    corrupt[len(blob) // 2] ^= 0x40
    (corpus / "docs.bin").write_bytes(bytes(corrupt))
    assert dedupe(*doc_args(corpus, name="second"), read_only) == 1
    assert "checksum mismatch" in capsys.readouterr().err
    assert not (corpus / "attributes" / "second").exists()


def test_bad_line_stops_at_that_file_with_file_and_line(tmp_path: Path, capsys):
    _docs(tmp_path, "a.jsonl.gz", ['{"id": "1", "text": "one"}', '{"id": "2", "text": "two"}'])
    _docs(tmp_path, "b.jsonl.gz", ['{"id": "3", "text": "one"}', '{"id": "4", "text": "x"', '{"id": "5"}'])
    _docs(tmp_path, "c.jsonl.gz", ['{"id": "6", "text": "two"}'])
    assert dedupe(*doc_args(tmp_path)) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'documents' / 'b.jsonl.gz'}:2: malformed JSON" in err
    assert "1 later file(s) not processed" in err
    outputs = sorted(p.name for p in (tmp_path / "attributes" / "dup").iterdir())
    assert outputs == ["a.jsonl.gz"]  # the prefix before the bad file is committed, nothing after it


def test_on_error_skip_counts_bad_lines_and_keeps_going(tmp_path: Path, capsys):
    _docs(tmp_path, "a.jsonl.gz", ['{"id": "1", "text": "one"}', "not json", '{"id": 7, "text": "z"}',
                                   '{"id": "2", "text": "one"}', '{"text": "no id"}'])
    assert dedupe(*doc_args(tmp_path), "--on-error", "skip") == 0
    err = capsys.readouterr().err
    assert "skipped 3 bad lines" in err
    rows = attributes(tmp_path, "dup")
    assert [r["id"] for r in rows] == ["1", "2"]
    assert rows[1]["attributes"] == {"dup": [[0, 3, 1]]}


def test_missing_dedupe_key(tmp_path: Path, capsys):
    _docs(tmp_path, "a.jsonl.gz", ['{"id": "1", "text": "a", "metadata": {"url": "u"}}',
                                   '{"id": "2", "text": "b", "metadata": {}}'])
    assert dedupe(*doc_args(tmp_path, key="$.metadata.url")) == 1
    assert ":2: dedupe key $.metadata.url is missing or null" in capsys.readouterr().err
    assert dedupe(*doc_args(tmp_path, key="$.metadata.url"), "--on-error", "skip") == 0
    assert [r["attributes"] for r in attributes(tmp_path, "dup")] == [{}, {"dup": []}]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--dedupe.paragraphs.attribute_name", "p"], "set exactly one of dedupe.documents, dedupe.paragraphs"),
        (["--dedupe.documents.key", "metadata.url"], "unsupported JSONPath"),
        (["--bloom_filter.estimated_doc_count", "0"], "bloom_filter.size_in_bytes"),
        (["--dedupe.num_partitions", "2", "--dedupe.partition_index", "2"], "partition_index"),
    ],
)
def test_config_errors_name_the_key(corpus: Path, capsys, extra: list[str], message: str):
    assert dedupe(*doc_args(corpus), *extra) == 2
    assert message in capsys.readouterr().err


def test_document_folder_is_required(tmp_path: Path, capsys):
    (tmp_path / "docs").mkdir()
    with gzip.open(tmp_path / "docs" / "a.jsonl.gz", "wt") as f:
        f.write('{"id": "1", "text": "x"}\n')
    args = doc_args(tmp_path)
    args[1] = str(tmp_path / "docs" / "*.jsonl.gz")
    assert dedupe(*args) == 2
    assert "documents" in capsys.readouterr().err


def test_dry_run_prints_the_plan_and_writes_nothing(corpus: Path, capsys):
    assert dedupe(*doc_args(corpus), "--dry-run") == 0
    out = capsys.readouterr().out
    assert out.count("todo\t") == 3 and '"bloom_filter"' in out
    assert not (corpus / "attributes").exists() and not (corpus / "docs.bin").exists()
    assert dedupe(*doc_args(corpus)) == 0
    sorted((corpus / "attributes" / "dup").iterdir())[0].unlink()
    capsys.readouterr()
    assert dedupe(*doc_args(corpus), "--dry-run") == 0
    out = capsys.readouterr().out
    # the first output is gone: everything is redone, and the filter (which holds all three files) rebuilt
    assert out.count("todo\t") == 3
