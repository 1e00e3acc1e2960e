#!/usr/bin/env python3
"""Regenerate the dolma 1.2.1 reference for ``test_dolma_equivalence.py`` (needs dolma 1.2.1 in its own venv).

    .venv/bin/python tests/mixers/data/dolma121/regenerate.py --dolma /work/dolma-venv/bin/dolma

1. documents: 400 documents of the bundled sample (``dolma_tools.sample``: Python documentation prose with
   planted duplicates, boilerplate, junk and contact details), 2 shards;
2. attributes by dolma 1.2.1 itself: ``dolma tag`` with ``gopher_v1`` and ``pii_regex_with_counts_fast_v2``,
   ``dolma dedupe`` of paragraphs (Bloom filter, one process so it is deterministic);
3. ``expected/``: ``dolma mix`` with ``mix.yaml`` (include/exclude over Gopher and PII attributes, PII
   masking with ``{}`` templates, duplicate-paragraph removal); ``expected_int_threshold/``: the same with the
   include threshold written as the integer 100 (dolma compares JSON number representations).

Everything is written next to this script; the test runs dolma-tools on the same inputs and config.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr[-4000:]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dolma", default="/work/dolma-venv/bin/dolma")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE.parents[3]))
    from dolma_tools.io.jsonl import read_rows, write_jsonl
    from dolma_tools.sample import build_sample

    with tempfile.TemporaryDirectory() as tmp:
        build_sample(tmp, shards=1, seed=121, limit=400)
        rows = read_rows(f"{tmp}/documents/part-0000.jsonl.gz")
    for old in ("documents", "attributes", "expected", "expected_int_threshold"):
        shutil.rmtree(HERE / old, ignore_errors=True)
    half = len(rows) // 2
    write_jsonl(str(HERE / "documents/part-0000.jsonl.gz"), rows[:half])
    write_jsonl(str(HERE / "documents/part-0001.jsonl.gz"), rows[half:])

    work = Path(tempfile.mkdtemp())
    try:
        run([args.dolma, "tag", "--documents", str(HERE / "documents/*.jsonl.gz"), "--taggers", "gopher_v1",
             "pii_regex_with_counts_fast_v2", "--experiment", "quality", "--processes", "1"], cwd=work)
        dedupe = {
            "documents": [str(HERE / "documents/*.jsonl.gz")],
            "dedupe": {"name": "dedupe_paragraphs", "paragraphs": {"attribute_name": "bff_duplicate_paragraph_spans"},
                       "skip_empty": True},
            "bloom_filter": {"file": str(work / "bloom.bin"), "read_only": False, "estimated_doc_count": 100000,
                             "desired_false_positive_rate": 1e-6},
            "processes": 1,
        }
        (work / "dedupe.json").write_text(json.dumps(dedupe))
        run([args.dolma, "-c", str(work / "dedupe.json"), "dedupe"], cwd=work)
        config = (HERE / "mix.yaml").read_text().replace("ROOT", str(HERE))
        # the same mix with an integer threshold (100 instead of 100.0): dolma's JSONPath then fails to see
        # that a score of 100.0 is >= 100; the test shows that this is the only difference
        for name, text in (("expected", config), ("expected_int_threshold", config.replace(">= 100.0)", ">= 100)"))):
            out = work / name
            (work / f"{name}.yaml").write_text(text.replace("OUT", str(out)))
            run([args.dolma, "-c", str(work / f"{name}.yaml"), "mix"], cwd=work)
            (HERE / name).mkdir()
            for f in sorted(out.glob("*.gz")):
                shutil.copy(f, HERE / name / f.name)  # dolma's bytes, unchanged
                print(f"{name}/{f.name}: {len(read_rows(str(f)))} of {len(rows)} documents kept")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
