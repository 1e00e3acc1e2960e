"""Source mixtures (``sources:``): scan -> plan -> write -> manifest.

1. **scan** (one job per input file, cached): filter each source's documents as configured and record every
   kept document's id hash and token count;
2. **plan**: per source the token budget, feasibility under the caps, and the hash thresholds that select
   it (``--plan`` prints the table and stops here; an infeasible request fails here, before any output);
3. **write** (one job per input file): re-read, keep the selected documents with their copies, stage parts;
   then pack each source's parts into ``<source_name>-NNNN.jsonl.gz`` (first pass, then repeats);
4. **manifest**: per source the inputs, selection and realised share; the config, its hash, the seed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from dolma_tools.cli.tag import file_size
from dolma_tools.errors import ConfigError, DolmaToolsError
from dolma_tools.io.paths import join
from dolma_tools.runner import Job, run_jobs
from dolma_tools.tokens import TokenCounter, file_sha256

from . import manifest as mf
from .attributes import check_attribute_files
from .budgets import Budget, budget_mode, check_feasible, check_repetition, compute_budgets, effective_ratios
from .inputs import expand, fingerprint, work_root
from .index import read_index, read_summary, scan_file
from .jobs import mix_file
from .plan_table import render_plan
from .processor import DocumentProcessor, StreamSpec
from .sampling import Selection, SourceSampler, plan_selection, sampling_keys, source_key
from .sharding import Part, assemble, pack, parts_of, read_record, remove_tree
from .validation import check_attribute_references

OUTPUT_EXT = ".jsonl.gz"


@dataclass
class SourceRun:
    """One active source: its files and where its index and staged parts live."""

    position: int
    cfg: Any
    spec: StreamSpec
    files: list[str]
    sizes: list[int]
    index_dir: str
    staging: str
    summaries: list[dict[str, Any]] = field(default_factory=list)
    budget: Budget | None = None
    selection: Selection | None = None

    @property
    def name(self) -> str:
        return str(self.cfg.source_name)

    def index_prefix(self, i: int) -> str:
        return join(self.index_dir, f"{i:06d}")

    def stage_prefix(self, i: int) -> str:
        return join(self.staging, f"{i:06d}")

    @property
    def available_tokens(self) -> int:
        return sum(s["tokens"] for s in self.summaries)

    @property
    def available_docs(self) -> int:
        return sum(s["kept"] for s in self.summaries)

    def keyed_arrays(self, seed: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(sampling keys, tokens) per input file, read from the index."""
        key = source_key(seed, self.name)
        for i in range(len(self.files)):
            hashes, tokens = read_index(self.index_prefix(i))
            yield sampling_keys(hashes, key), tokens


def active_sources(cfg: Any) -> tuple[list[tuple[int, Any]], list[str]]:
    """Sources left after the opt-out (``exclude_owners``), with their positions; and the excluded names."""
    owners = {s.owner for s in cfg.sources if s.owner}
    unknown = [o for o in cfg.exclude_owners if o not in owners]
    if unknown:
        raise ConfigError(f"no source has owner {', '.join(map(repr, unknown))} (owners: "
                          f"{', '.join(sorted(owners)) or 'none set'})", "exclude_owners")
    active = [(i, s) for i, s in enumerate(cfg.sources) if s.owner not in cfg.exclude_owners]
    excluded = [s.source_name for s in cfg.sources if s.owner in cfg.exclude_owners]
    if not active:
        raise ConfigError("every source is excluded by exclude_owners", "exclude_owners")
    names = [s.source_name for _, s in active]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"source names must be unique: {', '.join(dupes)}", "sources")
    return active, excluded


def prepare(cfg: Any, root: str) -> tuple[list[SourceRun], list[str]]:
    if cfg.output is None:
        raise ConfigError("required for a source mixture (output.path)", "output")
    active, excluded = active_sources(cfg)
    tokenizer_id = file_sha256(cfg.tokenizer) if cfg.tokenizer else "approximate"
    runs = []
    for position, src in active:
        key = f"sources[{position}]"
        files = expand(src.documents, f"{key}.documents")
        sizes = [file_size(f) for f in files]
        spec = StreamSpec.from_config(src, f"source '{src.source_name}'", key, cfg.output.discard_fields,
                                      cfg.output.min_text_length)
        doc_level = (src.documents, src.attributes, src.filter, src.span_replacement, cfg.output.min_text_length)
        index_fp = fingerprint(doc_level, tokenizer_id, list(zip(files, sizes)), cfg.on_error)
        runs.append(SourceRun(position, src, spec, files, sizes,
                              index_dir=join(root, f"index/{src.source_name}-{index_fp}"),
                              staging=staging_dir(cfg, root, src.source_name)))
    return runs, excluded


def staging_dir(cfg: Any, root: str, source_name: str) -> str:
    """Where a source's parts are staged: keyed by the whole config, so a changed config never reuses them."""
    return join(root, f"staging/{source_name}-{mf.config_sha256(mf.mix_config_dict(cfg))[:16]}")


def validate(runs: list[SourceRun], allow_missing: bool) -> None:
    for run in runs:
        processor = DocumentProcessor(run.spec)
        if run.spec.attributes:
            for path in run.files:
                check_attribute_files(path, run.spec.attributes)
        check_attribute_references(run.spec.label, processor.references(), run.files, run.spec.attributes,
                                   allow_missing)


def scan(cfg: Any, runs: list[SourceRun]) -> bool:
    jobs = []
    for run in runs:
        for i, (path, size) in enumerate(zip(run.files, run.sizes)):
            prefix = run.index_prefix(i)  # both files, so the temporaries of a killed scan are removed too
            jobs.append(Job(key=f"{run.name}:{path}", inputs=[path], outputs=[prefix + ".npz", prefix + ".json"],
                            size=size, params={"spec": run.spec, "prefix": run.index_prefix(i),
                                               "tokenizer": cfg.tokenizer, "on_error": cfg.on_error,
                                               "input_size": size}))
    summary = run_jobs("mix:scan", scan_file, jobs, processes=cfg.resolved_processes(), executor=cfg.executor,
                       ray_address=cfg.ray_address, ignore_existing=cfg.ignore_existing, quiet=not jobs)
    if not summary.ok:
        return False
    for run in runs:
        run.summaries = [read_summary(run.index_prefix(i)) for i in range(len(run.files))]
    return True


def plan(cfg: Any, runs: list[SourceRun]) -> int:
    """Budgets and selections for every source; returns the requested total. Raises if infeasible."""
    sources = [r.cfg for r in runs]
    mode = budget_mode(list(cfg.sources))
    ratios = effective_ratios(sources, list(cfg.sources)) if mode == "ratio" else None
    budgets, total = compute_budgets(sources, [r.available_tokens for r in runs], cfg.requested_tokens, mode, ratios)
    for run, budget in zip(runs, budgets):
        run.budget = budget
    check_feasible(budgets, mode)
    for run in runs:
        assert run.budget is not None
        run.selection = plan_selection(lambda r=run: r.keyed_arrays(cfg.seed), run.available_tokens,
                                       run.budget.needed, run.cfg.max_source_fraction)
    return total


def selected_counts(run: SourceRun, seed: int) -> list[dict[str, int]]:
    """Per input file: selected documents (with copies), tokens, unique documents and tokens, max copies."""
    assert run.selection is not None
    out = []
    for u, tokens in run.keyed_arrays(seed):
        copies = run.selection.copies_array(u)
        out.append({
            "docs": int(copies.sum()),
            "tokens": int((copies * tokens.astype(np.int64)).sum()),
            "unique_docs": int((copies > 0).sum()),
            "unique_tokens": int(tokens[copies > 0].astype(np.int64).sum()),
            "max_copies": int(copies.max()) if len(copies) else 0,
        })
    return out


def write(cfg: Any, runs: list[SourceRun], expected: dict[str, list[dict[str, int]]]) -> bool:
    jobs = []
    cap = cfg.output.max_size_in_bytes
    for run in runs:
        assert run.selection is not None
        sampler = SourceSampler(cfg.seed, run.name, run.selection)
        for i, (path, size) in enumerate(zip(run.files, run.sizes)):
            jobs.append(Job(key=f"{run.name}:{path}", inputs=[path], outputs=[run.stage_prefix(i) + ".done.json"],
                            size=size, params={"spec": run.spec, "prefix": run.stage_prefix(i), "ext": OUTPUT_EXT,
                                               "cap": cap, "on_error": cfg.on_error, "sampler": sampler}))
    summary = run_jobs("mix:write", mix_file, jobs, processes=cfg.resolved_processes(), executor=cfg.executor,
                       ray_address=cfg.ray_address, ignore_existing=cfg.ignore_existing)
    if not summary.ok:
        return False
    for run in runs:
        for i, path in enumerate(run.files):
            written = read_record(run.stage_prefix(i))["written"]
            if written != expected[run.name][i]["docs"]:
                raise DolmaToolsError(f"{path}: wrote {written} documents but the scan selected "
                                      f"{expected[run.name][i]['docs']}; did the file change during the run? "
                                      "Rerun with --ignore-existing")
    return True


def finalize_source(run: SourceRun, output_dir: str, cap: int) -> list[dict[str, Any]]:
    """Pack the staged parts: every file's first copies, then every file's second copies, and so on."""
    records = [read_record(run.stage_prefix(i)) for i in range(len(run.files))]
    by_path = {p.path: p for r in records for p in parts_of(r)}
    passes = sorted({int(k) for r in records for k in r["copies"]})
    ordered: list[Part] = [by_path[p] for k in passes for r in records for p in r["copies"].get(str(k), [])]
    shards = assemble(pack(ordered, cap), output_dir, run.name, OUTPUT_EXT)
    return mf.relative_outputs(shards, output_dir)


def source_entry(run: SourceRun, counts: list[dict[str, int]], total_selected: int) -> dict[str, Any]:
    assert run.budget is not None and run.selection is not None
    sel_tokens = sum(c["tokens"] for c in counts)
    return {
        "owner": run.cfg.owner,
        "inputs": mf.input_files(run.files),
        "attribute_sets": run.spec.attributes,
        "available_docs": run.available_docs,
        "available_tokens": run.available_tokens,
        "usable_tokens": run.budget.usable,
        "target_ratio": run.budget.ratio,
        "target_tokens": run.budget.needed,
        "selected_docs": sum(c["docs"] for c in counts),
        "selected_tokens": sel_tokens,
        "unique_docs": sum(c["unique_docs"] for c in counts),
        "unique_tokens": sum(c["unique_tokens"] for c in counts),
        "repetition": sel_tokens / run.available_tokens if run.available_tokens else 0.0,
        "max_copies": max((c["max_copies"] for c in counts), default=0),
        "realised_ratio": sel_tokens / total_selected if total_selected else 0.0,
        "max_repetition_ratio": run.cfg.max_repetition_ratio,
        "max_source_fraction": run.cfg.max_source_fraction,
        "selection": run.selection.to_json(),
    }


def build_manifest(cfg: Any, runs: list[SourceRun], excluded: list[str], requested: int,
                   counts: dict[str, list[dict[str, int]]], outputs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    config = mf.mix_config_dict(cfg)
    total = sum(c["tokens"] for run in runs for c in counts[run.name])
    sources = {}
    for run in runs:
        entry = source_entry(run, counts[run.name], total)
        entry["outputs"] = outputs.get(run.name, [])
        sources[run.name] = entry
    return {
        "kind": "mixture",
        "manifest_version": mf.MANIFEST_VERSION,
        "tool": mf.tool_info(),
        "seed": cfg.seed,
        "requested_tokens": requested,
        "selected_tokens": total,
        "tokenizer": TokenCounter(cfg.tokenizer).describe(),
        "excluded_owners": list(cfg.exclude_owners),
        "excluded_sources": excluded,
        "config_sha256": mf.config_sha256(config),
        "config": config,
        "sources": sources,
    }


def derive(cfg: Any, root: str) -> tuple[list[SourceRun], list[str], int, dict[str, list[dict[str, int]]]] | None:
    """Scan and plan (shared by a mix and by ``--verify``); None if a scan job failed."""
    runs, excluded = prepare(cfg, root)
    validate(runs, cfg.allow_missing_attributes)
    if not scan(cfg, runs):
        return None
    requested = plan(cfg, runs)
    counts = {run.name: selected_counts(run, cfg.seed) for run in runs}
    for run in runs:
        check_repetition(run.name, max((c["max_copies"] for c in counts[run.name]), default=0),
                         run.cfg.max_repetition_ratio)
    return runs, excluded, requested, counts


def run_mixture(cfg: Any) -> int:
    output_dir = cfg.output.path if cfg.output else ""
    config_hash = mf.config_sha256(mf.mix_config_dict(cfg))
    root = work_root(cfg, output_dir)
    if output_dir and not cfg.ignore_existing and not cfg.plan and mf.completed(output_dir, config_hash):
        print(f"[mix] {output_dir}: already complete (manifest.json matches this config); skipping", file=sys.stderr)
        for source in cfg.sources:  # staged parts left by a run killed after its manifest was written
            remove_tree(staging_dir(cfg, root, source.source_name))
        return 0
    derived = derive(cfg, root)
    if derived is None:
        return 1
    runs, excluded, requested, counts = derived
    table = render_plan(runs, counts, requested)
    if cfg.plan or cfg.dryrun:
        print(table)
        return 0
    print(table, file=sys.stderr)
    if cfg.ignore_existing:
        for run in runs:
            remove_tree(run.staging)
    if not write(cfg, runs, counts):
        return 1
    outputs = {run.name: finalize_source(run, output_dir, cfg.output.max_size_in_bytes) for run in runs}
    manifest = build_manifest(cfg, runs, excluded, requested, counts, outputs)
    path = mf.write_manifest(output_dir, manifest)
    for run in runs:
        remove_tree(run.staging)
    print(f"[mix] wrote {manifest['selected_tokens']:,} tokens from {len(runs)} sources; manifest: {path}",
          file=sys.stderr)
    return 0
