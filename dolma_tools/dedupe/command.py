"""``dolma-tools dedupe``: plan, open the filter (or LSH index), run the commit loop, summarise."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from .._rust import LshIndex, hash64, minhash_bands
from ..errors import ConfigError, DolmaToolsError
from ..io.atomic import remove_stale_temporaries
from ..io.paths import attribute_path, is_s3, size_of
from ..runner import RunSummary
from .engine import Checkpointer, CommitLoop, DedupeProgress, describe_stop, warn
from .filter_store import Checkpoint, filter_exists, load_filter, new_filter
from .plan import Plan, plan_minhash, plan_read_only, plan_with_filter
from .settings import DedupeSettings, build_settings


def canonical_files(patterns: list[str], settings: DedupeSettings) -> list[str]:
    """Every matched file once, sorted: the canonical order keep-first is defined on."""
    from ..cli.tag import expand_documents

    files = sorted(set(expand_documents(patterns)))
    if settings.file_partition is not None:
        count, index = settings.file_partition
        files = [f for f in files if hash64(f.encode()) % count == index]
    return files


def attribute_outputs(files: list[str], settings: DedupeSettings) -> list[str]:
    try:
        return [attribute_path(f, settings.name, settings.document_dir) for f in files]
    except ValueError as exc:
        raise ConfigError(f"{exc} (or set dedupe.document_dir)", "documents") from None


def _size(path: str) -> int:
    try:
        return 0 if is_s3(path) else size_of(path)
    except OSError:
        return 0


class LocalFilters:
    """Filters held by this process (the local engine)."""

    def load(self, path: str, read_only: bool) -> tuple[Any, Checkpoint]:
        return load_filter(path, read_only)

    def create(self, bf: Any) -> Any:
        return new_filter(bf)


def _open_filter(cfg: Any, files: list[str], outputs: list[str], settings: DedupeSettings, store: Any
                 ) -> tuple[Any, Plan, Checkpointer | None, bool]:
    """The filter, the plan, the checkpointer (writable filters) and whether the file existed."""
    bf = cfg.bloom_filter
    if bf is None or not bf.file:
        raise ConfigError("required for document and paragraph dedupe (bloom_filter.file and its size)", "bloom_filter")
    if not bf.read_only:
        remove_stale_temporaries(bf.file)  # a snapshot a killed run was writing (as big as the filter)
    existed = filter_exists(bf.file)
    if bf.read_only:
        if not existed:
            raise DolmaToolsError(
                f"bloom_filter.file {bf.file} does not exist: a read-only filter must exist (an empty one would find "
                "nothing). Build it first, e.g. with `dolma-tools decon`, or fix the path."
            )
        bloom, _ = store.load(bf.file, read_only=True)
        return bloom, plan_read_only(files, outputs, cfg.ignore_existing), None, existed
    if existed:
        bloom, checkpoint = store.load(bf.file, read_only=False)
    else:
        bloom, checkpoint = store.create(bf), Checkpoint()
    plan = plan_with_filter(files, outputs, checkpoint, settings.fingerprint(), cfg.ignore_existing, bf.file)
    if plan.rebuild:
        bloom = bloom.empty_like()
        checkpoint = Checkpoint(purpose=checkpoint.purpose, other=checkpoint.other)
    checkpointer = Checkpointer(bloom, bf.file, checkpoint, settings.fingerprint(), max(bf.checkpoint_interval, 0.0))
    return bloom, plan, checkpointer, existed


def _print_dry_run(cfg: Any, settings: DedupeSettings, plan: Plan, target: Any) -> None:
    replay = set(plan.replay)
    todo = set(plan.todo)
    for i, (f, out) in enumerate(zip(plan.files, plan.outputs)):
        state = "todo" if i in todo else ("replay" if i in replay else "done")
        print(f"{state}\t{f}\t->\t{out}")
    if hasattr(target, "info"):
        print(json.dumps({"bloom_filter": {k: v for k, v in target.info().items()}}, indent=2))


def _filter_report(bloom: Any, cfg: Any) -> list[str]:
    info = bloom.info()
    lines = [
        f"[dedupe] Bloom filter: {info['size_in_bytes'] / 1e6:,.1f} MB ({info['layout']}), {info['num_hashes']} hashes, "
        f"{info['inserted']:,} keys inserted, fill ratio {info['fill_ratio']:.2%}",
        f"[dedupe] estimated false-positive rate now: {info['estimated_false_positive_rate']:.3g}"
        + (f" (configured: {cfg.bloom_filter.desired_false_positive_rate:g} for "
           f"{cfg.bloom_filter.estimated_doc_count:,} keys)" if cfg.bloom_filter.desired_false_positive_rate else ""),
    ]
    desired = cfg.bloom_filter.desired_false_positive_rate
    if desired and info["estimated_false_positive_rate"] > desired:
        lines.append(f"[dedupe] warning: the false-positive rate is now above the configured {desired:g}: "
                     f"{info['inserted']:,} keys were inserted (estimated_doc_count: "
                     f"{cfg.bloom_filter.estimated_doc_count:,}); size the filter for more keys")
    return lines


def _lsh_report(index: Any, settings: DedupeSettings) -> list[str]:
    rust = settings.rust
    bands, rows = (rust["bands"], rust["rows"]) if "bands" in rust else minhash_bands(rust["threshold"], rust["num_perm"])
    return [f"[dedupe] MinHash LSH: {rust['num_perm']} permutations, {bands} bands x {rows} rows, "
            f"{index.entries:,} band entries for {index.documents:,} documents, index memory ~{index.memory_bytes / 1e6:,.1f} MB"]


def _cluster(cfg: Any, settings: DedupeSettings) -> Any:
    """The Ray cluster the run's filter is spread over (``--executor ray``), or None to run locally."""
    if cfg.executor != "ray" or cfg.dryrun:
        return None
    if settings.uses_bloom_filter and cfg.bloom_filter is not None and cfg.bloom_filter.layout != "blocked":
        warn("bloom_filter.layout standard cannot be split over Ray actors: deduplicating on this machine "
             "(use the default blocked layout to distribute)")
        return None
    from .distributed import ClusterSession

    return ClusterSession(cfg)


def run_dedupe(cfg: Any) -> int:
    cfg.apply_environment()
    settings = build_settings(cfg.dedupe)
    files = canonical_files(cfg.documents, settings)
    outputs = attribute_outputs(files, settings)
    cluster = _cluster(cfg, settings)
    try:
        return _run(cfg, settings, files, outputs, cluster)
    finally:
        if cluster is not None:
            cluster.close()


def _run(cfg: Any, settings: DedupeSettings, files: list[str], outputs: list[str], cluster: Any) -> int:
    existed = False
    if settings.uses_bloom_filter:
        store = cluster.filters() if cluster is not None else LocalFilters()
        target, plan, checkpointer, existed = _open_filter(cfg, files, outputs, settings, store)
        insert = not cfg.bloom_filter.read_only
    else:
        target = cluster.lsh_index() if cluster is not None else LshIndex()
        plan, checkpointer, insert = plan_minhash(files, outputs, cfg.ignore_existing), None, True
    if cluster is not None:
        cluster.target = target
    if cfg.dryrun:
        _print_dry_run(cfg, settings, plan, target)
        return 0
    for note in plan.notes:
        warn(note)
    if plan.done:
        warn(f"{plan.done} of {len(files)} files already done; skipping them (--ignore-existing to redo)")
    if plan.replay:
        warn(f"re-reading {len(plan.replay)} completed file(s) to restore the "
             f"{'filter' if settings.uses_bloom_filter else 'LSH index'} (nothing is rewritten)")
    order = plan.replay + plan.todo
    run_files = [files[i] for i in order]
    run_outputs: list[str | None] = [None] * len(plan.replay) + [outputs[i] for i in plan.todo]
    for i in plan.todo:
        remove_stale_temporaries(outputs[i])  # attribute files a killed run was writing
    sizes = [_size(f) for f in run_files]
    start = time.monotonic()
    board = DedupeProgress("dedupe", sum(sizes), len(run_files))
    if cluster is not None:
        from .distributed import RayCommitLoop

        loop: Any = RayCommitLoop(settings, target, insert=insert, on_error=cfg.on_error, board=board,
                                  checkpointer=checkpointer)
    else:
        loop = CommitLoop(settings, target, insert=insert, threads=cfg.resolved_processes(), on_error=cfg.on_error,
                          board=board, checkpointer=checkpointer)
    summary = RunSummary(command="dedupe", skipped_existing=plan.done)
    outcomes = []
    try:
        outcomes = loop.run(run_files, run_outputs, sizes)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        board.close()
        if checkpointer is not None and (checkpointer.pending or not existed):
            checkpointer.save()  # skipped if a file was left half-committed
    written = [o for o, out in zip(outcomes, run_outputs) if out is not None]
    summary.results = [o.result for o in written]
    summary.seconds = time.monotonic() - start
    summary.print()
    extra = _filter_report(target, cfg) if settings.uses_bloom_filter else _lsh_report(target, settings)
    print("\n".join(extra), file=sys.stderr, flush=True)
    failed = [o for o in outcomes if o.error is not None or not o.result.ok]
    if failed:
        print(describe_stop(failed[0], len(run_files) - len(outcomes)), file=sys.stderr, flush=True)
        return 1
    if summary.interrupted:
        raise KeyboardInterrupt
    return 0
