"""Helpers for the mixer tests: run the CLI in-process, read outputs, build synthetic pools."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import yaml

from dolma_tools.cli.main import main
from dolma_tools.io.jsonl import read_rows, write_jsonl

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared").resolve()
DOLMA_FIXTURES = SHARED / "fixtures" / "dolma"
TOKENIZER = DOLMA_FIXTURES / "data" / "tokenizer" / "gpt-neo-test-tokenizer.json"

WORDS = ("the of and to in is was for on that with as by at from his her an which it be are this were had "
         "not but have they one all their there been has more when who will would can no out up so said what "
         "about into than them only other new some could time these two may then first any like now my such "
         "make over our even most me state after also made many did must before back see through way where").split()


def run_mix(*args: str) -> int:
    """``dolma-tools mix ARGS`` in this process; returns the exit code."""
    return main(["mix", *map(str, args)])


def approx_tokens(text: str) -> int:
    """The built-in counter's rule, written out independently: ceil(UTF-8 bytes / 4)."""
    return math.ceil(len(text.encode("utf-8")) / 4)


def write_docs(path: Path, rows: list[dict[str, Any]]) -> None:
    """JSONL, compressed as the name says (.gz or .zst)."""
    write_jsonl(str(path), rows)


def read_docs(path: Path) -> list[dict[str, Any]]:
    return read_rows(str(path))


def outputs(folder: Path, pattern: str = "*.jsonl.gz") -> dict[str, list[dict[str, Any]]]:
    return {p.name: read_docs(p) for p in sorted(folder.glob(pattern))}


def make_source(folder: Path, name: str, tokens: int, files: int, rng: random.Random, doc_tokens: int = 100,
                ext: str = ".jsonl.gz") -> int:
    """Documents of random words whose approximate token counts add up to at least ``tokens``; returns the total."""
    total = 0
    rows: list[list[dict[str, Any]]] = [[] for _ in range(files)]
    i = 0
    size = max(2, min(doc_tokens, tokens // 3 or 2))
    while total < tokens:
        n_words = rng.randint(max(1, size // 2), size * 3 // 2)
        text = " ".join(rng.choices(WORDS, k=n_words))
        rows[i % files].append({"id": f"{name}-{i:07d}", "text": text, "source": name})
        total += approx_tokens(text)
        i += 1
    for k, chunk in enumerate(rows):
        write_docs(folder / f"part-{k:03d}{ext}", chunk)
    return total


def load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())
