"""``dolma-tools decon``: build a read-only filter from eval sets, then tag a corpus against it.

Building inserts the keys (whole documents, paragraphs, or paragraph n-grams: the same
``dedupe`` section the tagging pass uses) of every eval document and writes the filter with
``purpose: decontamination``; no attribute files are written for the eval sets. Tagging is
``dolma-tools dedupe`` with ``bloom_filter.read_only: true``: the filter is memory-mapped and never
changed, and a missing filter file is an error.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from ..errors import ConfigError, DolmaToolsError
from .command import canonical_files, run_dedupe
from .engine import CommitLoop, DedupeProgress, warn
from .filter_store import Checkpoint, filter_exists, load_filter, new_filter, save_filter
from .plan import identity
from .settings import build_settings

PURPOSE = "decontamination"


def _same_build(checkpoint: Checkpoint, files: list[str], fingerprint: str) -> bool:
    return checkpoint.purpose == PURPOSE and checkpoint.covered == [(identity(f), fingerprint) for f in files]


def build_filter(cfg: Any) -> bool:
    """Build ``cfg.bloom_filter.file`` from ``cfg.eval_documents``; False if an identical build exists."""
    settings = build_settings(cfg.dedupe)
    if not settings.uses_bloom_filter:
        raise ConfigError("decontamination uses dedupe.documents or dedupe.paragraphs, not dedupe.minhash", "dedupe")
    files = canonical_files(cfg.eval_documents, settings)
    path = cfg.bloom_filter.file
    if filter_exists(path) and not cfg.ignore_existing:
        _, checkpoint = load_filter(path, read_only=True)
        if _same_build(checkpoint, files, settings.fingerprint()):
            warn(f"{path} was already built from these {len(files)} eval file(s) with these settings; reusing it")
            return False
        raise DolmaToolsError(f"{path} exists but was not built from these eval files with these settings; "
                              "delete it, choose another bloom_filter.file, or pass --ignore-existing to rebuild it")
    bloom = new_filter(cfg.bloom_filter)
    board = DedupeProgress("decon: building filter", 0, len(files))
    loop = CommitLoop(settings, bloom, insert=True, threads=cfg.resolved_processes(), on_error=cfg.on_error,
                      board=board)
    start = time.monotonic()
    try:
        outcomes = loop.run(files, [None] * len(files), [0] * len(files))
    finally:
        board.close()
    failed = [o for o in outcomes if o.error is not None]
    if failed:
        raise failed[0].error  # type: ignore[misc]
    checkpoint = Checkpoint(covered=[(identity(f), settings.fingerprint()) for f in files], purpose=PURPOSE)
    save_filter(bloom, checkpoint, path)
    docs = sum(o.result.docs for o in outcomes)
    info = bloom.info()
    warn(f"built {path} from {docs:,} eval documents in {len(files)} file(s) ({time.monotonic() - start:.1f} s): "
         f"{info['inserted']:,} keys, {info['size_in_bytes'] / 1e6:,.1f} MB, "
         f"estimated false-positive rate {info['estimated_false_positive_rate']:.3g}")
    return True


def run_decon(cfg: Any) -> int:
    from ..cli.dedupe import DedupeConfig

    cfg.apply_environment()
    if cfg.dryrun:  # the CLI printed the resolved config
        return 0
    build_filter(cfg)
    if not cfg.documents:
        return 0
    shared = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(DedupeConfig) if hasattr(cfg, f.name)}
    shared.update(bloom_filter=dataclasses.replace(cfg.bloom_filter, read_only=True), ignore_existing=False)
    return run_dedupe(DedupeConfig(**shared))
