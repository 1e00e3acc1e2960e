"""Every bad-input case stops its file with an error naming file, line and problem (or is skipped and counted)."""

from __future__ import annotations

import gzip
import os

import orjson
import pytest
import zstandard

from dolma_tools.errors import InputError
from dolma_tools.io import iter_documents
from dolma_tools.io.jsonl import ReadStats

GOOD = [orjson.dumps({"id": str(i), "text": f"document number {i}"}) for i in range(1, 6)]


def _write(path, lines: list[bytes], compression: str | None = None) -> str:
    data = b"\n".join(lines) + b"\n"
    if compression == "gz":
        data = gzip.compress(data)
    elif compression == "zst":
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)
    return str(path)


CASES = {
    "malformed_json": (GOOD[:2] + [b'{"id": "3", "text": "unterminated'] + GOOD[3:], 3, "malformed JSON"),
    "invalid_utf8": (GOOD[:3] + [b'{"id": "4", "text": "caf\xe9"}'] + GOOD[4:], 4, "invalid UTF-8: byte 0xe9"),
    "lone_surrogate": (GOOD[:1] + [b'{"id": "2", "text": "x\\ud800y"}'] + GOOD[2:], 2, "malformed JSON"),
    "missing_id": (GOOD[:4] + [b'{"text": "no id here"}'], 5, "missing required field 'id'"),
    "missing_text": ([b'{"id": "1"}'] + GOOD[1:], 1, "missing required field 'text'"),
    "non_string_text": (GOOD[:2] + [b'{"id": "3", "text": 42}'] + GOOD[3:], 3, "field 'text' must be a string, got int"),
    "non_string_id": (GOOD[:2] + [b'{"id": 3, "text": "x"}'] + GOOD[3:], 3, "field 'id' must be a string, got int"),
    "not_an_object": (GOOD[:1] + [b'["id", "text"]'] + GOOD[2:], 2, "expected a JSON object, got list"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_line_raises_with_file_line_and_problem(tmp_path, case):
    lines, line_no, problem = CASES[case]
    path = _write(tmp_path / "docs.jsonl", lines)
    with pytest.raises(InputError) as info:
        list(iter_documents(path))
    err = info.value
    assert (err.path, err.line) == (path, line_no)
    assert problem in err.problem
    assert str(err).startswith(f"{path}:{line_no}: ")


@pytest.mark.parametrize("case", sorted(CASES))
def test_skip_policy_skips_and_counts_the_bad_line(tmp_path, case):
    lines, line_no, _ = CASES[case]
    path = _write(tmp_path / "docs.jsonl.gz", lines, "gz")
    stats = ReadStats()
    got = [row["id"] for _, row in iter_documents(path, "skip", stats)]
    assert len(got) == len(lines) - 1
    assert stats.skipped_total == 1
    assert stats.rows == len(lines) - 1
    assert f":{line_no}:" in stats.first_errors[0]


@pytest.mark.parametrize("compression", ["gz", "zst"])
def test_truncated_stream_is_an_error_after_the_readable_lines(tmp_path, compression):
    many = [orjson.dumps({"id": str(i), "text": "x" * 200 + str(i)}) for i in range(2000)]
    path = tmp_path / f"docs.jsonl.{compression}"
    _write(path, many, compression)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    seen = 0
    with pytest.raises(InputError) as info:
        for _ in iter_documents(str(path)):
            seen += 1
    name = "gzip" if compression == "gz" else "zstd"
    assert f"truncated {name} stream" in info.value.problem
    assert 0 < seen < 2000
    assert info.value.line == seen + 1 or info.value.line == seen + 2  # the line being read when the stream ended


def test_truncated_stream_under_skip_keeps_the_readable_prefix_and_counts_it(tmp_path):
    many = [orjson.dumps({"id": str(i), "text": "y" * 300}) for i in range(2000)]
    path = tmp_path / "docs.jsonl.gz"
    _write(path, many, "gz")
    path.write_bytes(path.read_bytes()[:-100])
    stats = ReadStats()
    rows = list(iter_documents(str(path), "skip", stats))
    assert 0 < len(rows) < 2000
    assert stats.skipped == {"truncated gzip stream": 1}


def test_zero_byte_and_blank_files_have_no_documents(tmp_path):
    empty = tmp_path / "empty.jsonl.gz"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.jsonl"
    blank.write_bytes(b"\n\n   \n\t\n")
    assert list(iter_documents(str(blank))) == []
    # a zero-byte .gz is not a gzip stream at all, but it has no content to lose: zero documents
    assert list(iter_documents(str(empty))) == []


def test_blank_lines_are_ignored_but_line_numbers_stay_true(tmp_path):
    path = _write(tmp_path / "d.jsonl", [GOOD[0], b"", GOOD[1], b"  ", b'{"id": "x"}'])
    got = []
    with pytest.raises(InputError) as info:
        for line, row in iter_documents(path):
            got.append((line, row["id"]))
    assert got == [(1, "1"), (3, "2")]
    assert info.value.line == 5


def test_cli_reports_failed_files_and_keeps_the_good_ones(tmp_path, cli):
    docs = tmp_path / "documents"
    docs.mkdir()
    _write(docs / "a.jsonl.gz", GOOD, "gz")
    _write(docs / "b.jsonl.gz", CASES["malformed_json"][0], "gz")
    _write(docs / "c.jsonl.gz", GOOD, "gz")
    proc = cli("tag", "--documents", f"{docs}/*.jsonl.gz", "--taggers", "char_length_v1", "--processes", "2",
               check=False)
    assert proc.returncode == 1
    bad = f"{docs}/b.jsonl.gz"
    assert f"{bad}:3: malformed JSON" in proc.stderr
    assert "2 files processed" in proc.stderr and "1 failed" in proc.stderr
    out = tmp_path / "attributes" / "char_length_v1"
    assert sorted(os.listdir(out)) == ["a.jsonl.gz", "c.jsonl.gz"]
    # fixing the file and rerunning resumes: only b is redone
    _write(docs / "b.jsonl.gz", GOOD, "gz")
    proc = cli("tag", "--documents", f"{docs}/*.jsonl.gz", "--taggers", "char_length_v1")
    assert "1 files processed, 2 already done" in proc.stderr
    assert sorted(os.listdir(out)) == ["a.jsonl.gz", "b.jsonl.gz", "c.jsonl.gz"]


def test_cli_skip_policy_reports_counts_per_file(tmp_path, cli):
    docs = tmp_path / "documents"
    docs.mkdir()
    _write(docs / "a.jsonl", CASES["missing_id"][0])
    _write(docs / "b.jsonl", CASES["invalid_utf8"][0])
    proc = cli("tag", "--documents", f"{docs}/*.jsonl", "--taggers", "char_length_v1", "--on-error", "skip")
    assert "skipped 2 bad lines" in proc.stderr
    assert f"{docs}/a.jsonl: 1 skipped" in proc.stderr and f"{docs}/b.jsonl: 1 skipped" in proc.stderr
    rows = (tmp_path / "attributes" / "char_length_v1" / "a.jsonl").read_bytes().splitlines()
    assert [orjson.loads(r)["id"] for r in rows] == ["1", "2", "3", "4"]
