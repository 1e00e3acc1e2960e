"""``dolma-tools sample``: write the bundled sample corpus (real text from Python's own documentation)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from ..config.schema import option
from ..io.paths import glob_paths
from .registry import Command, register


@dataclass(kw_only=True)
class SampleConfig:
    output: str = option("quickstart-output/sample", "Folder to write <output>/documents/part-NNNN.jsonl.gz into")
    shards: int = option(4, "Number of document files")
    seed: int = option(2024, "Seed for planted duplicates, junk and boilerplate")
    max_documents: int = option(3000, "Documents drawn from the documentation pool (before planted copies)")
    ignore_existing: bool = option(False, "Rewrite the sample even if it exists")


def run(cfg: SampleConfig) -> int:
    from ..sample import build_sample

    existing = glob_paths(os.path.join(cfg.output, "documents", "*.jsonl.gz"))
    if len(existing) == cfg.shards and not cfg.ignore_existing:
        print(f"[sample] {cfg.output} already has {len(existing)} files; keeping them", file=sys.stderr)
        return 0
    stats = build_sample(cfg.output, shards=cfg.shards, seed=cfg.seed, limit=cfg.max_documents)
    print(f"[sample] wrote {stats.documents} documents in {stats.files} files to {cfg.output}/documents "
          f"({stats.exact_duplicates} exact and {stats.near_duplicates} near duplicates, {stats.boilerplate} with "
          f"site boilerplate, {stats.other_language} non-English, {stats.junk} junk)", file=sys.stderr)
    return 0


COMMAND = register(Command(name="sample", help="Write the bundled sample corpus (Dolma layout)", schema=SampleConfig,
                           run=run))
