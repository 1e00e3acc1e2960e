"""Exact semantics on small hand-made documents: spans, filters, n-grams, keys, partitions, formats."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest
import zstandard

from .helpers import attributes, dedupe, doc_args, para_args


def write_docs(root: Path, docs: list[dict[str, Any]], name: str = "a.jsonl.gz") -> Path:
    path = root / "documents" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(orjson.dumps(d) + b"\n" for d in docs)
    if name.endswith(".gz"):
        data = gzip.compress(data)
    elif name.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return path


def spans(root: Path, name: str = "para") -> list[Any]:
    return [r["attributes"].get(name) for r in attributes(root, name)]


def test_paragraph_spans_are_code_points_and_tile_the_text(tmp_path: Path):
    # "é" is 2 bytes, "日本" 6: spans count code points, and include the newline after the paragraph
    write_docs(tmp_path, [
        {"id": "1", "text": "é\n日本\nshared"},
        {"id": "2", "text": "日本\nshared\n"},
        {"id": "3", "text": ""},
    ])
    assert dedupe(*para_args(tmp_path)) == 0
    # doc 2: "日本\n" = [0, 3); "shared\n" = [3, 10); the trailing empty paragraph is [10, 10)
    assert spans(tmp_path) == [[], [[0, 3, 1], [3, 10, 1]], None]
    rows = attributes(tmp_path, "para")
    assert rows[2]["attributes"] == {}  # empty text: no attribute, as Dolma


def test_empty_paragraphs_repeat_unless_skip_empty(tmp_path: Path):
    write_docs(tmp_path, [{"id": "1", "text": "a\n\nb\n\nc"}])
    assert dedupe(*para_args(tmp_path)) == 0
    assert spans(tmp_path) == [[[5, 6, 1]]]  # the second empty paragraph
    assert dedupe(*para_args(tmp_path, name="p2", filter_name="p2.bin"), "--dedupe.skip_empty") == 0
    assert spans(tmp_path, "p2") == [[]]


def test_min_length_and_min_words_filters(tmp_path: Path):
    text = "short\nshort\none two three four\none two three four\nx, y, z\nx, y, z"
    write_docs(tmp_path, [{"id": "1", "text": text}])
    assert dedupe(*para_args(tmp_path), "--dedupe.min_length", "6") == 0
    # "short" (5 code points) is not deduplicated; "x, y, z" (7) is
    assert spans(tmp_path) == [[[31, 50, 1], [58, 65, 1]]]
    assert dedupe(*para_args(tmp_path, name="w", filter_name="w.bin"), "--dedupe.min_words", "4") == 0
    # words are Unicode word segments, punctuation included: "x, y, z" has 5 ("x" "," "y" "," "z")
    assert spans(tmp_path, "w") == [[[31, 50, 1], [58, 65, 1]]]
    assert dedupe(*para_args(tmp_path, name="w6", filter_name="w6.bin"), "--dedupe.min_words", "6") == 0
    assert spans(tmp_path, "w6") == [[]]


def test_document_min_words_still_deduplicates_long_enough_documents(tmp_path: Path):
    """Dolma 1.2.1 never deduplicates anything when min_words > 0 (its if/else chain); we apply the filter."""
    write_docs(tmp_path, [{"id": "1", "text": "a b c"}, {"id": "2", "text": "a b c"},
                          {"id": "3", "text": "a"}, {"id": "4", "text": "a"}])
    assert dedupe(*doc_args(tmp_path), "--dedupe.min_words", "2") == 0
    assert spans(tmp_path, "dup") == [None, [[0, 5, 1]], [], []]


def test_ngram_overlap_fraction_and_short_paragraphs(tmp_path: Path):
    write_docs(tmp_path, [
        {"id": "1", "text": "the quick brown fox jumps over\nhello world"},
        # 3-grams of "the quick brown fox jumps now": 4, of which 3 were seen -> 0.75
        {"id": "2", "text": "the quick brown fox jumps now\nhello world\nhello"},
    ])
    args = para_args(tmp_path) + ["--dedupe.paragraphs.by_ngram.ngram_length", "3",
                                  "--dedupe.paragraphs.by_ngram.overlap_threshold", "0.5"]
    assert dedupe(*args) == 0
    # "hello world" has no 3-gram: the whole paragraph decides (1.0); "hello" was never seen (0.0 < 0.5)
    assert spans(tmp_path) == [[], [[0, 30, 0.75], [30, 42, 1.0]]]
    assert dedupe(*para_args(tmp_path, name="s", filter_name="s.bin"), "--dedupe.paragraphs.by_ngram.ngram_length",
                  "3", "--dedupe.paragraphs.by_ngram.overlap_threshold", "0.5",
                  "--dedupe.paragraphs.by_ngram.skip_short_paragraphs") == 0
    assert spans(tmp_path, "s") == [[], [[0, 30, 0.75]]]


def test_ngram_threshold_one_means_all_ngrams_seen(tmp_path: Path):
    write_docs(tmp_path, [{"id": "1", "text": "a b c d e"}, {"id": "2", "text": "a b c d e"},
                          {"id": "3", "text": "a b c d x"}])
    args = para_args(tmp_path) + ["--dedupe.paragraphs.by_ngram.ngram_length", "2"]
    assert dedupe(*args) == 0
    assert spans(tmp_path) == [[], [[0, 9, 1.0]], []]


def test_document_keys_by_jsonpath(tmp_path: Path):
    write_docs(tmp_path, [
        {"id": "1", "text": "x", "metadata": {"url": "https://a", "tags": ["p", "q"]}},
        {"id": "2", "text": "yy", "metadata": {"url": "https://b", "tags": ["p", "r"]}},
        {"id": "3", "text": "zzz", "metadata": {"url": "https://a", "tags": ["s", "q"]}},
    ])
    assert dedupe(*doc_args(tmp_path, key="$.metadata.url")) == 0
    assert spans(tmp_path, "dup") == [None, None, [[0, 3, 1]]]
    assert dedupe(*doc_args(tmp_path, key="$.metadata.tags[1]", name="t", filter_name="t.bin")) == 0
    assert spans(tmp_path, "t") == [None, None, [[0, 3, 1]]]
    assert dedupe(*doc_args(tmp_path, key="$['metadata']['tags'][0]", name="u", filter_name="u.bin")) == 0
    assert spans(tmp_path, "u") == [None, [[0, 2, 1]], None]


def test_key_partitions_split_the_work_without_changing_results(tmp_path: Path):
    docs = [{"id": str(i), "text": "\n".join(f"p{(i * 7 + j) % 23}" for j in range(5))} for i in range(40)]
    write_docs(tmp_path, docs)
    assert dedupe(*para_args(tmp_path)) == 0
    full = spans(tmp_path)
    parts = []
    for index in (0, 1):
        assert dedupe(*para_args(tmp_path, name="part", filter_name=f"part{index}.bin"), "--dedupe.num_partitions",
                      "2", "--dedupe.partition_index", str(index)) == 0
        # Dolma's naming: folder and attribute carry the partition index
        parts.append(spans(tmp_path, f"part_{index}"))
    merged = [sorted(a + b) for a, b in zip(*parts)]
    assert merged == [sorted(s) for s in full]
    marks = [sum(len(s) for s in part) for part in parts]
    assert all(0 < m < sum(len(s) for s in full) for m in marks)  # each partition marks only its own keys


@pytest.mark.parametrize("name", ["a.jsonl", "a.jsonl.zst", "a.json.gz"])
def test_outputs_use_the_inputs_compression(tmp_path: Path, name: str):
    write_docs(tmp_path, [{"id": "1", "text": "same"}, {"id": "2", "text": "same"}], name=name)
    assert dedupe(*doc_args(tmp_path)[:0], "--documents", str(tmp_path / "documents" / "*"),
                  *doc_args(tmp_path)[2:]) == 0
    out = tmp_path / "attributes" / "dup" / name
    raw = out.read_bytes()
    if name.endswith(".zst"):
        raw = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    elif name.endswith(".gz"):
        raw = gzip.decompress(raw)
    assert raw == b'{"attributes":{},"id":"1"}\n{"attributes":{"dup":[[0,4,1]]},"id":"2"}\n'


def test_parquet_documents_are_read_through_python(tmp_path: Path):
    from dolma_tools.io.parquet import write_parquet

    (tmp_path / "documents").mkdir()
    write_parquet(str(tmp_path / "documents" / "a.parquet"),
                  [{"id": "1", "text": "p\nq", "metadata": {"u": 1}}, {"id": "2", "text": "q", "metadata": {}}])
    args = para_args(tmp_path)
    args[1] = str(tmp_path / "documents" / "*.parquet")
    assert dedupe(*args) == 0
    assert [r["attributes"] for r in attributes(tmp_path, "para")] == [{"para": []}, {"para": [[0, 1, 1]]}]
    assert (tmp_path / "attributes" / "para" / "a.jsonl.gz").is_file()


def test_ids_are_written_like_dolma(tmp_path: Path):
    write_docs(tmp_path, [{"id": 'quote " and é and \u2028', "text": "t"}])
    assert dedupe(*doc_args(tmp_path)) == 0
    raw = gzip.decompress((tmp_path / "attributes" / "dup" / "a.jsonl.gz").read_bytes())
    assert raw == '{"attributes":{},"id":"quote \\" and é and \u2028"}\n'.encode()
