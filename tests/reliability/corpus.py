"""Corpora, configs and comparisons of the fault suite.

Every scenario runs in its own folder with relative paths (the CLI's working directory is that folder), so a
killed-and-resumed run and an uninterrupted one can be compared byte for byte, manifests included.
"""

from __future__ import annotations

import gzip
import random
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from dolma_tools.io.jsonl import read_rows, write_jsonl
from support.runs import hidden_files, local_files

#: Paragraphs with multi-byte and astral code points, combining marks and a zero-width joiner, so that any
#: byte/code-point confusion in span offsets shows up in the outputs.
UNICODE_BITS = ["naïve café", "東京の夜景", "emoji 🚀🎉 here", "e\u0301cole", "👩\u200d💻 coder", "Ελληνικά"]
WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau "
         "upsilon phi chi psi omega river stone cloud light paper window garden market").split()
BOILERPLATE = "Subscribe to our newsletter for weekly updates."


def _paragraph(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(4, 14))
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words) + 1), rng.choice(UNICODE_BITS))
    return " ".join(words)


def make_documents(files: int, docs: int, seed: int = 7, paragraphs: tuple[int, int] = (1, 4)) -> list[list[dict]]:
    """``files`` lists of ``docs`` documents with planted exact duplicates (across files), a repeated
    boilerplate paragraph, and Unicode text."""
    rng = random.Random(seed)
    out: list[list[dict]] = []
    seen: list[str] = []
    for f in range(files):
        rows = []
        for d in range(docs):
            if seen and rng.random() < 0.15:
                text = rng.choice(seen)  # an exact duplicate of an earlier document
            else:
                paras = [_paragraph(rng) for _ in range(rng.randint(*paragraphs))]
                if rng.random() < 0.3:
                    paras.append(BOILERPLATE)
                text = "\n".join(paras)
                seen.append(text)
            rows.append({"id": f"f{f}-d{d:05d}", "text": text, "source": "rel", "metadata": {"n": d}})
        out.append(rows)
    return out


def write_documents(root: Path, files: list[list[dict]], ext: str = ".jsonl.gz") -> None:
    for i, rows in enumerate(files):
        write_jsonl(str(root / "documents" / f"part-{i:03d}{ext}"), rows)


# ------------------------------------------------------------------------------------------ comparisons

@dataclass
class Comparison:
    """What an interrupted-then-resumed run kept, against an uninterrupted one."""

    documents: int
    lost: int
    duplicated: int


def compare_ids(expected: list[str], got: list[str]) -> Comparison:
    want, have = Counter(expected), Counter(got)
    return Comparison(len(expected), sum((want - have).values()), sum((have - want).values()))


def attribute_ids(root: Path, folder: str) -> list[str]:
    return [row["id"] for f in sorted((root / folder).rglob("*.jsonl*")) if not f.name.startswith(".")
            for row in read_rows(str(f))]


def output_ids(folder: Path, pattern: str = "*.jsonl.gz") -> list[str]:
    return [row["id"] for f in sorted(folder.glob(pattern)) for row in read_rows(str(f))]


def assert_same_outputs(clean: Path, resumed: Path, under: list[str]) -> None:
    """Every committed file under the given folders has the same bytes; no temporary is left behind."""
    for folder in under:
        want, got = local_files(clean / folder), local_files(resumed / folder)
        assert sorted(got) == sorted(want), f"{folder}: files differ: {sorted(set(got) ^ set(want))}"
        for name in want:
            assert got[name] == want[name], f"{folder}/{name} differs from the uninterrupted run's"
        assert hidden_files(resumed / folder) == [], f"temporaries left in {folder}"


def copy_inputs(src: Path, dst: Path, folders: tuple[str, ...]) -> Path:
    for folder in folders:
        shutil.copytree(src / folder, dst / folder)
    return dst


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def ids_in(files: dict[str, bytes]) -> list[str]:
    """Document ids of the committed ``.jsonl.gz`` files of a snapshot (``local_files``), in name order."""
    return [orjson.loads(line)["id"] for name in sorted(files) if name.endswith(".jsonl.gz") and "/." not in name
            for line in gzip.decompress(files[name]).splitlines() if line.strip()]
