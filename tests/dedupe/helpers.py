"""Helpers for the dedupe tests: run the command in-process, read documents and attributes back."""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path
from typing import Any

from dolma_tools.cli.main import main as cli_main
from dolma_tools.io.jsonl import read_rows


def ground_truth(corpus_root: Path) -> dict[str, Any]:
    with gzip.open(corpus_root / "ground_truth_ids.json.gz") as f:
        return json.load(f)


def dedupe(*args: str) -> int:
    """Run ``dolma-tools dedupe ARGS`` in this process; returns the exit code."""
    return cli_main(["dedupe", *map(str, args)])


def documents(root: Path) -> list[dict[str, Any]]:
    """Every document in canonical order (sorted files, then rows)."""
    return [row for f in sorted((root / "documents").glob("*")) for row in read_rows(str(f))]


def attributes(root: Path, name: str) -> list[dict[str, Any]]:
    """Every attribute row of attributes/<name>/, in the same order as ``documents``."""
    return [row for f in sorted((root / "attributes" / name).glob("*")) for row in read_rows(str(f))]


def output_bytes(root: Path, name: str) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted((root / "attributes" / name).glob("*"))}


def filter_bits(path_or_bytes: Path | bytes) -> bytes:
    """The bit array of a dolma-tools Bloom filter file (its metadata records absolute input paths)."""
    blob = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    offset, bits = struct.unpack_from("<Q", blob, 64)[0], struct.unpack_from("<Q", blob, 16)[0]
    return blob[offset:offset + bits // 8]


def paragraph_spans(text: str, sep: str = "\n") -> list[tuple[int, int, str]]:
    """Paragraphs with code-point spans that include the separator after them (worked out independently)."""
    out, start = [], 0
    pieces = text.split(sep)
    for i, p in enumerate(pieces):
        end = start + len(p) + (len(sep) if i < len(pieces) - 1 else 0)
        out.append((start, end, p))
        start = end
    return out


def doc_args(root: Path, *, key: str = "$.text", name: str = "dup", filter_name: str = "docs.bin",
             count: int = 10_000, rate: float = 0.001) -> list[str]:
    return ["--documents", str(root / "documents" / "*.jsonl.gz"), "--dedupe.documents.key", key,
            "--dedupe.documents.attribute_name", name, "--bloom_filter.file", str(root / filter_name),
            "--bloom_filter.estimated_doc_count", str(count), "--bloom_filter.desired_false_positive_rate", str(rate)]


def para_args(root: Path, *, name: str = "para", filter_name: str = "para.bin", count: int = 100_000,
              rate: float = 0.001) -> list[str]:
    return ["--documents", str(root / "documents" / "*.jsonl.gz"), "--dedupe.paragraphs.attribute_name", name,
            "--bloom_filter.file", str(root / filter_name), "--bloom_filter.estimated_doc_count", str(count),
            "--bloom_filter.desired_false_positive_rate", str(rate)]
