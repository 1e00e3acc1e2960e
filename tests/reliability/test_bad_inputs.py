"""The bad-input corpus (``tests/data/bad``) through every command that reads it, in-process.

For each bad document file: ``tag``, ``dedupe``, ``mix`` and ``stats`` with ``--on-error raise`` (an error
naming file, line and problem, exit 1, no output for the file) and ``skip`` (the line skipped and counted,
and the same rows kept by every command, so the mixer can join the tag and dedupe attributes).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from dolma_tools.cli.main import main
from dolma_tools.io.jsonl import read_rows

from .catalogue import BAD_ATTRIBUTES, BAD_CONFIGS, BAD_DOCUMENTS, BAD_FILTERS, Case

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
AROUND = ["d0", "d1", "d3", "d4"]  # the good documents around a bad line 3


@dataclass(frozen=True)
class Expect:
    file: str
    line: int | None = None  # the bad line (None: nothing is wrong)
    problem: str = ""  # as the Python reader (tag, mix, stats) words it
    rust_problem: str | None = None  # as dedupe's Rust reader words it (None: the same)
    kept: tuple[str, ...] = tuple(AROUND)  # ids kept under --on-error skip, or read when nothing is wrong
    dedupe_accepts: bool = False


def _first(n: int) -> tuple[str, ...]:
    return tuple(f"d{i}" for i in range(n))


EXPECT = {
    "malformed_json": Expect("malformed_json.jsonl", 3, "malformed JSON: unexpected control character",
                             "malformed JSON: EOF while parsing a string"),
    "invalid_utf8": Expect("invalid_utf8.jsonl", 3, "invalid UTF-8: byte 0xff at column 27"),
    "lone_surrogate": Expect("lone_surrogate.jsonl", 3, "malformed JSON: no low surrogate",
                             "malformed JSON: lone leading surrogate"),
    "truncated_gz": Expect("truncated.jsonl.gz", 175, "truncated gzip stream", kept=_first(174)),
    "truncated_zst": Expect("truncated.jsonl.zst", 177, "truncated zstd stream", kept=_first(176)),
    "zero_byte": Expect("zero_byte.jsonl", kept=()),
    "blank_lines": Expect("blank_lines.jsonl", kept=()),
    "missing_id": Expect("missing_id.jsonl", 3, "missing required field 'id'"),
    "missing_text": Expect("missing_text.jsonl", 3, "missing required field 'text'"),
    "non_string_id": Expect("non_string_id.jsonl", 3, "field 'id' must be a string, got int",
                            "field 'id' must be a string, got number"),
    "non_string_text": Expect("non_string_text.jsonl", 3, "field 'text' must be a string, got list",
                              "field 'text' must be a string, got array"),
    "duplicate_ids": Expect("duplicate_ids.jsonl", kept=("d0", "d1", "d1", "d3", "d4")),
    "deep_nesting": Expect("deep_nesting.jsonl", 3, "JSON nested more than 1024 levels deep", dedupe_accepts=True),
    "nested_500": Expect("nested_500.jsonl", kept=_first(5)),
}


def cli(capsys: pytest.CaptureFixture, *args: object) -> tuple[int, str]:
    """``dolma-tools ARGS`` in this process: exit code and stderr."""
    capsys.readouterr()
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def _tag(capsys, doc: Path, policy: str) -> tuple[int, str]:
    return cli(capsys, "tag", "--documents", doc, "--taggers", "char_length_v1", "--processes", "1",
               "--on_error", policy)


def _dedupe(capsys, doc: Path, policy: str) -> tuple[int, str]:
    return cli(capsys, "dedupe", "--documents", doc, "--dedupe.name", "dups", "--dedupe.documents.key", "$.text",
               "--dedupe.documents.attribute_name", "dup", "--bloom_filter.file", doc.parent.parent / f"{policy}.bin",
               "--bloom_filter.size_in_bytes", 65536, "--processes", "1", "--on_error", policy)


def _mix(capsys, doc: Path, policy: str, attributes: list[str]) -> tuple[int, str, Path]:
    out = doc.parent.parent / f"mixed-{policy}"
    cfg = doc.parent.parent / f"mix-{policy}.json"
    cfg.write_text(json.dumps({"streams": [{"name": "s", "documents": [str(doc)], "attributes": attributes,
                                            "output": {"path": str(out)}}]}))
    code, err = cli(capsys, "mix", "-c", cfg, "--on_error", policy, "--processes", "1")
    return code, err, out


def _stats(capsys, doc: Path, policy: str) -> tuple[int, str]:
    return cli(capsys, "stats", "--documents", doc, "--on_error", policy, "--processes", "1", "--no-histograms")


def _ids(path: Path) -> list[str]:
    return [r["id"] for r in read_rows(str(path))]


def _mixed_ids(out: Path) -> list[str]:
    return [i for p in sorted(out.glob("*.jsonl.gz")) for i in _ids(p)]


def _attributes(doc: Path, name: str) -> Path:
    return doc.parent.parent / "attributes" / name / doc.name


@pytest.fixture
def bad_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BAD, tmp_path / "bad"))


def _document(bad: Path, case: Case, tmp_path: Path) -> Path:
    doc = tmp_path / "corpus" / "documents" / (EXPECT[case.id].file if case.id in EXPECT else "huge.jsonl")
    doc.parent.mkdir(parents=True)
    if case.id == "huge_line":
        with open(doc, "wb") as f:  # 100 MB of text: "word été " (9 code points, 12 bytes) x 8.4 million
            f.write(b'{"id": "d0", "text": "small"}\n{"id": "d1", "text": "')
            f.write("word été ".encode() * (100_000_008 // 12))
            f.write(b'"}\n{"id": "d2", "text": "small"}\n')
    else:
        shutil.copy(bad / "documents" / doc.name, doc)
    return doc


@pytest.mark.parametrize("case", BAD_DOCUMENTS.params())
def test_bad_document_file(case: Case, bad_copy: Path, tmp_path: Path, capsys) -> None:
    doc = _document(bad_copy, case, tmp_path)
    exp = EXPECT.get(case.id, Expect("huge.jsonl", kept=_first(3)))
    if exp.line is None:  # nothing is wrong with the file: every command reads every document
        for run in (_tag, _dedupe, _stats):
            code, err = run(capsys, doc, "raise")
            assert code == 0, err
        assert _ids(_attributes(doc, "char_length_v1")) == list(exp.kept) == _ids(_attributes(doc, "dups"))
        code, err, out = _mix(capsys, doc, "raise", ["char_length_v1", "dups"])
        assert code == 0, err
        assert _mixed_ids(out) == list(exp.kept)
        if case.id == "huge_line":
            lengths = [r["attributes"]["char_length_v1__char_length_v1__length"][0][2]
                       for r in read_rows(str(_attributes(doc, "char_length_v1")))]
            assert lengths == [5.0, 9 * (100_000_008 // 12), 5.0]
        return

    where = f"{doc}:{exp.line}: "
    for run, problem in ((_tag, exp.problem), (_stats, exp.problem), (_dedupe, exp.rust_problem or exp.problem)):
        code, err = run(capsys, doc, "raise")
        if run is _dedupe and exp.dedupe_accepts:
            assert code == 0, err
            continue
        assert code == 1 and where + problem in err, err
    assert not _attributes(doc, "char_length_v1").exists(), "a failed file has no attribute file"
    code, err, out = _mix(capsys, doc, "raise", [])
    assert code == 1 and where + exp.problem in err, err
    assert not list(out.glob("*.jsonl.gz"))

    for run in (_tag, _dedupe, _stats):
        code, err = run(capsys, doc, "skip")
        assert code == 0, err
        if not (run is _dedupe and exp.dedupe_accepts):
            assert "skipped 1 bad lines" in err, err
    assert _ids(_attributes(doc, "char_length_v1")) == list(exp.kept)
    code, err, out = _mix(capsys, doc, "skip", ["char_length_v1", "dups"])
    if exp.dedupe_accepts:  # dedupe kept the row tag skipped: the join stops instead of misaligning
        assert code == 1 and "does not match document id" in err, err
        return
    assert _ids(_attributes(doc, "dups")) == list(exp.kept), "dedupe and tag kept different rows"
    assert code == 0 and "skipped 1 bad lines" in err, err
    assert _mixed_ids(out) == list(exp.kept)


@pytest.mark.parametrize("case", BAD_ATTRIBUTES.params())
def test_misaligned_attribute_file(case: Case, bad_copy: Path, capsys) -> None:
    doc = bad_copy / "documents" / "good.jsonl"
    attr = bad_copy / "attributes" / case.id / "good.jsonl"
    problem = {"short": f"{attr}: ends before the documents do: no row for document id='d3' ({doc}:4)",
               "long": f"{attr}:6: has more rows than {doc} has documents (5)",
               "out_of_order": f"{attr}:2: id 'd2' does not match document id 'd1' ({doc}:2)"}[case.id]
    for policy in ("raise", "skip"):
        code, err, out = _mix(capsys, doc, policy, [case.id])
        assert code == 1 and problem in err, err
        assert not list(out.glob("*.jsonl.gz")) and not (out / "manifest.json").exists()
    code, err = cli(capsys, "stats", "--documents", doc, "--attributes", attr, "--processes", "1")
    assert code == 1 and str(attr) in err, err


@pytest.mark.parametrize("case", BAD_FILTERS.params())
def test_bad_bloom_filter(case: Case, bad_copy: Path, capsys) -> None:
    bloom = bad_copy / "bloom" / f"{case.id}.bin"
    before = bloom.read_bytes()
    problem = {"truncated": "file is 11304 bytes but its header describes 12304 bytes (truncated or appended to)",
               "bad_checksum": "checksum mismatch"}[case.id]
    for extra in ([], ["--bloom_filter.read_only"]):
        code, err = cli(capsys, "dedupe", "--documents", bad_copy / "documents" / "good.jsonl",
                        "--dedupe.documents.key", "$.text", "--dedupe.documents.attribute_name", "dup",
                        "--bloom_filter.file", bloom, "--bloom_filter.size_in_bytes", 8192, *extra)
        assert code == 1, err
        assert f"cannot load the Bloom filter: {bloom}: not a valid dolma-tools Bloom filter: {problem}" in err
    assert bloom.read_bytes() == before, "a corrupt filter is never overwritten"
    assert not (bad_copy / "attributes" / "dup").exists()


@pytest.mark.parametrize("case", BAD_CONFIGS.params())
def test_bad_config(case: Case, bad_copy: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(bad_copy)
    command = "tag" if case.id in ("unknown_key", "wrong_type") else "mix"
    code, err = cli(capsys, command, "-c", f"configs/{case.id}.yaml")
    assert code == 2, err
    expected = {
        "unknown_key": "config key 'taggerz': unknown key; did you mean 'taggers'",
        "wrong_type": "config key 'processes': expected an integer, got 'two' (str)",
        "jsonpath_error": "config key 'streams[0].filter.exclude[0]': invalid JSONPath: expected '@', '$' or a "
                          "literal, found '>' at position 38",
        "jq_error": "config key 'streams[0].filter.exclude[0]': invalid jq expression",
        "unknown_attribute": "attribute 'x__len__scor' (used in streams[0].filter.exclude[0]) is not in any attribute "
                             "file of stream 's' (attribute sets: out_of_order); attribute names that exist, closest "
                             "first: x__len__score",
    }[case.id]
    assert expected in err, err
    assert not (bad_copy / "out").exists() and not (bad_copy / "attributes" / "char_length_v1").exists()
