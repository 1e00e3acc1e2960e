"""Bad configs and bad inputs give clear errors (file, line, key, closest names) before any output."""

from __future__ import annotations

import json
from pathlib import Path

from mixer_helpers import run_mix, write_docs

DOCS = [{"id": f"d{i}", "text": f"document number {i}"} for i in range(5)]


def _corpus(tmp: Path, attrs: list[dict] | None = None) -> Path:
    write_docs(tmp / "data" / "documents" / "a.jsonl.gz", DOCS)
    rows = attrs if attrs is not None else [
        {"id": d["id"], "attributes": {"exp__gopher__word_count": [[0, 3, i * 10]], "exp__gopher__ratio": [[0, 3, 0.1]]}}
        for i, d in enumerate(DOCS)]
    write_docs(tmp / "data" / "attributes" / "exp" / "a.jsonl.gz", rows)
    return tmp / "data"


def _config(tmp: Path, exclude: list[str], syntax: str = "jsonpath", **stream) -> Path:
    cfg = {"streams": [{"name": "s", "documents": [str(tmp / "data/documents/*.gz")], "attributes": ["exp"],
                        "filter": {"exclude": exclude, "syntax": syntax},
                        "output": {"path": str(tmp / "out")}, **stream}]}
    path = tmp / "cfg.json"
    path.write_text(json.dumps(cfg))
    return path


def test_unknown_attribute_lists_existing_names_closest_first(tmp_path: Path, capsys) -> None:
    _corpus(tmp_path)
    cfg = _config(tmp_path, ["$.attributes[?(@.exp__gopher__wordcount[0][2] < 20)]"])
    assert run_mix("-c", cfg) == 2
    err = capsys.readouterr().err
    assert "attribute 'exp__gopher__wordcount' (used in streams[0].filter.exclude[0])" in err
    assert "closest first: exp__gopher__word_count, exp__gopher__ratio" in err
    assert not (tmp_path / "out").exists()


def test_unknown_attribute_in_jq_filter(tmp_path: Path, capsys) -> None:
    _corpus(tmp_path)
    cfg = _config(tmp_path, [".attributes.exp__gopher__ratoi[0][2] > 0.5"], syntax="jq")
    assert run_mix("-c", cfg) == 2
    assert "closest first: exp__gopher__ratio, exp__gopher__word_count" in capsys.readouterr().err


def test_name_found_only_in_a_later_file_is_accepted(tmp_path: Path) -> None:
    # sparse attributes: the key appears in the last row of the second file only
    _corpus(tmp_path)
    write_docs(tmp_path / "data" / "documents" / "b.jsonl.gz", [{"id": "e0", "text": "x"}, {"id": "e1", "text": "y"}])
    write_docs(tmp_path / "data" / "attributes" / "exp" / "b.jsonl.gz",
               [{"id": "e0", "attributes": {}}, {"id": "e1", "attributes": {"exp__rare": [[0, 1, 1.0]]}}])
    cfg = _config(tmp_path, ["$.attributes[?(@.exp__rare[0][2] > 0.5)]"])
    assert run_mix("-c", cfg) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["streams"]["s"]["documents_out"] == 6  # e1 dropped


def test_jsonpath_syntax_error(tmp_path: Path, capsys) -> None:
    _corpus(tmp_path)
    cfg = _config(tmp_path, ["$.attributes[?(@.exp__gopher__ratio[0][2] >> 1)]"])
    assert run_mix("-c", cfg) == 2
    err = capsys.readouterr().err
    assert "streams[0].filter.exclude[0]" in err and "invalid JSONPath" in err and "^" in err


def test_jq_syntax_error(tmp_path: Path, capsys) -> None:
    _corpus(tmp_path)
    cfg = _config(tmp_path, [".attributes.exp__gopher__ratio[0][2] >"], syntax="jq")
    assert run_mix("-c", cfg) == 2
    err = capsys.readouterr().err
    assert "streams[0].filter.exclude[0]" in err and "invalid jq expression" in err


def test_misaligned_attribute_file_names_file_and_line(tmp_path: Path, capsys) -> None:
    rows = [{"id": d["id"], "attributes": {"exp__x": [[0, 1, 1.0]]}} for d in DOCS]
    rows[2], rows[3] = rows[3], rows[2]
    _corpus(tmp_path, rows)
    cfg = _config(tmp_path, ["$.attributes[?(@.exp__x[0][2] > 5)]"])
    assert run_mix("-c", cfg) == 1
    err = capsys.readouterr().err
    attr_file = tmp_path / "data" / "attributes" / "exp" / "a.jsonl.gz"
    assert f"{attr_file}:3: id 'd3' does not match document id 'd2'" in err
    assert not list((tmp_path / "out").glob("*.jsonl.gz")) if (tmp_path / "out").exists() else True


def test_short_attribute_file(tmp_path: Path, capsys) -> None:
    _corpus(tmp_path, [{"id": d["id"], "attributes": {"exp__x": [[0, 1, 1.0]]}} for d in DOCS[:3]])
    assert run_mix("-c", _config(tmp_path, ["$.attributes[?(@.exp__x[0][2] > 5)]"])) == 1
    assert "ends before the documents do: no row for document id='d3'" in capsys.readouterr().err


def test_missing_attribute_file(tmp_path: Path, capsys) -> None:
    _corpus(tmp_path)
    write_docs(tmp_path / "data" / "documents" / "b.jsonl.gz", DOCS)
    assert run_mix("-c", _config(tmp_path, ["$.attributes[?(@.exp__gopher__ratio[0][2] > 5)]"])) == 1
    err = capsys.readouterr().err
    assert "attributes/exp/b.jsonl.gz" in err and "does not exist" in err
    assert not (tmp_path / "out").exists()


def test_bad_document_line_names_file_and_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "data" / "documents" / "a.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text('{"id": "a", "text": "x"}\n{"id": "b", "text": \n')
    cfg = {"streams": [{"name": "s", "documents": [str(path)], "output": {"path": str(tmp_path / "out")}}]}
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    assert run_mix("-c", tmp_path / "c.json") == 1
    assert f"{path}:2: malformed JSON" in capsys.readouterr().err
    # under --on_error skip the line is skipped and counted
    assert run_mix("-c", tmp_path / "c.json", "--on_error", "skip") == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["streams"]["s"]["documents_out"] == 1 and manifest["streams"]["s"]["skipped_lines"] == 1


def test_ratios_must_sum_to_one(tmp_path: Path, capsys) -> None:
    write_docs(tmp_path / "a" / "x.jsonl.gz", DOCS)
    cfg = {"sources": [{"source_name": "a", "documents": [str(tmp_path / "a/*.gz")], "target_ratio": 0.5},
                       {"source_name": "b", "documents": [str(tmp_path / "a/*.gz")], "target_ratio": 0.3}],
           "requested_tokens": 10, "output": {"path": str(tmp_path / "out")}}
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    assert run_mix("-c", tmp_path / "c.json") == 2
    assert "target_ratio values must sum to 1, got 0.5 + 0.3 = 0.8" in capsys.readouterr().err
