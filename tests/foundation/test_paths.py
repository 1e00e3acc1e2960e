"""Glob expansion (local and S3, ``*`` and ``**``) and documents -> attributes path mapping."""

from __future__ import annotations

import pytest

from dolma_tools.io import attribute_path, glob_paths, write_jsonl
from dolma_tools.io.paths import make_destination_paths, matches

LAYOUT = [
    "documents/a.jsonl.gz",
    "documents/b.jsonl.gz",
    "documents/sub/c.jsonl.gz",
    "documents/sub/deeper/d.jsonl.gz",
    "documents/sub/deeper/e.txt",
    "documents/.hidden.jsonl.gz",
    "documents/.hiddendir/f.jsonl.gz",
]


def _make(root, names):
    for n in names:
        p = root / n
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"")


def _rel(root, paths):
    return [p[len(str(root)) + 1 :] for p in paths]


def test_star_stays_in_one_folder(tmp_path):
    _make(tmp_path, LAYOUT)
    assert _rel(tmp_path, glob_paths(f"{tmp_path}/documents/*.jsonl.gz")) == ["documents/a.jsonl.gz", "documents/b.jsonl.gz"]


def test_double_star_matches_zero_or_more_folders(tmp_path):
    _make(tmp_path, LAYOUT)
    assert _rel(tmp_path, glob_paths(f"{tmp_path}/documents/**/*.jsonl.gz")) == [
        "documents/a.jsonl.gz",
        "documents/b.jsonl.gz",
        "documents/sub/c.jsonl.gz",
        "documents/sub/deeper/d.jsonl.gz",
    ]


def test_glob_agrees_with_python_recursive_glob(tmp_path):
    import glob

    _make(tmp_path, LAYOUT)
    for pattern in ["documents/**/*.jsonl.gz", "documents/*/*.jsonl.gz", "documents/**", "**/d.jsonl.gz",
                    "documents/sub/**/*", "documents/?.jsonl.gz", "documents/[ab].jsonl.gz"]:
        ours = glob_paths(f"{tmp_path}/{pattern}")
        theirs = sorted(p for p in glob.glob(f"{tmp_path}/{pattern}", recursive=True) if __import__("os").path.isfile(p))
        assert ours == theirs, pattern


def test_plain_path_and_missing(tmp_path):
    _make(tmp_path, LAYOUT)
    assert glob_paths(f"{tmp_path}/documents/a.jsonl.gz") == [f"{tmp_path}/documents/a.jsonl.gz"]
    assert glob_paths(f"{tmp_path}/nothing/*.gz") == []


def test_matches_segments():
    assert matches("**/*.gz", "x.gz")
    assert matches("**/*.gz", "a/b/x.gz")
    assert not matches("*/*.gz", "x.gz")
    assert not matches("*.gz", ".x.gz")


def test_s3_globs(s3_bucket):
    for n in ["documents/a.jsonl.gz", "documents/sub/b.jsonl.gz", "documents/sub/x.txt", "other/c.jsonl.gz"]:
        write_jsonl(f"s3://{s3_bucket}/{n}", [{"id": "1", "text": "t"}])
    assert glob_paths(f"s3://{s3_bucket}/documents/*.jsonl.gz") == [f"s3://{s3_bucket}/documents/a.jsonl.gz"]
    assert glob_paths(f"s3://{s3_bucket}/documents/**/*.jsonl.gz") == [
        f"s3://{s3_bucket}/documents/a.jsonl.gz",
        f"s3://{s3_bucket}/documents/sub/b.jsonl.gz",
    ]
    assert glob_paths(f"s3://{s3_bucket}/**/*.jsonl.gz") == [
        f"s3://{s3_bucket}/documents/a.jsonl.gz",
        f"s3://{s3_bucket}/documents/sub/b.jsonl.gz",
        f"s3://{s3_bucket}/other/c.jsonl.gz",
    ]


@pytest.mark.parametrize(
    "doc,expected",
    [
        ("/data/cc/documents/2024/part-0.jsonl.gz", "/data/cc/attributes/gopher/2024/part-0.jsonl.gz"),
        ("s3://bkt/x/documents/a.json.zst", "s3://bkt/x/attributes/gopher/a.json.zst"),
        ("/d/documents/sub/documents/f.jsonl", "/d/documents/sub/attributes/gopher/f.jsonl"),
        ("/d/documents/f.parquet", "/d/attributes/gopher/f.jsonl.gz"),
    ],
)
def test_attribute_path_keeps_relative_path_and_compression(doc, expected):
    assert attribute_path(doc, "gopher") == expected


def test_attribute_path_requires_documents_folder():
    with pytest.raises(ValueError, match="documents"):
        attribute_path("/data/x/file.jsonl.gz", "gopher")


def test_destination_mapping_keeps_relative_paths():
    out = make_destination_paths(["/in/docs/a/b.gz", "/in/docs/c.gz"], ["/in/docs"], "/out/exp")
    assert out == ["/out/exp/a/b.gz", "/out/exp/c.gz"]
