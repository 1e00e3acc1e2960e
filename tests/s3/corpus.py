"""Small corpora and object snapshots shared by the S3 and cluster tests."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson

from dolma_tools.io import s3, write_jsonl
from support.runs import SLOW_PLUGIN, kill_when, local_files, popen_cli, settled

__all__ = ["SLOW_PLUGIN", "attribute_rows", "kill_when", "local_files", "popen_cli", "rows_for", "s3_objects",
           "settled", "tag_args", "write_corpus"]


def rows_for(file_index: int, docs: int) -> list[dict]:
    """Every fifth document's text is the same in every file (duplicates for dedupe to find)."""
    return [
        {"id": f"f{file_index}-d{d}", "source": "t",
         "text": f"a text every file has, number {d}." if d % 5 == 4 else f"document {d} of file {file_index}. " * (d % 7 + 1)}
        for d in range(docs)
    ]


def write_corpus(root: str, files: int = 6, docs: int = 30) -> list[str]:
    """``root/documents/part-NNN.jsonl.gz`` (local folder or s3:// prefix); returns the file paths."""
    paths = []
    for f in range(files):
        path = f"{root.rstrip('/')}/documents/part-{f:03d}.jsonl.gz"
        write_jsonl(path, rows_for(f, docs))
        paths.append(path)
    return paths


def s3_objects(bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object under the prefix, read with a plain client (not through the code under test)."""
    client = s3.client()
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            out[obj["Key"][len(prefix):]] = client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
    return out


def attribute_rows(data: bytes) -> list[dict]:
    """Decode a committed .jsonl.gz attribute file; raises if it is truncated or corrupt."""
    return [orjson.loads(line) for line in gzip.decompress(data).splitlines() if line.strip()]


def tag_args(documents: str, destination: str, plugin: Path, *extra: str,
             taggers: tuple[str, ...] = ("slow_length_test", "char_length_v1")) -> list[str]:
    """CLI arguments of a tag run with the slow plugin (one experiment, so one output per input)."""
    return ["tag", "--documents", documents, "--destination", destination, "--taggers", *taggers,
            "--experiment", "exp", "--tagger-modules", str(plugin), *extra]


