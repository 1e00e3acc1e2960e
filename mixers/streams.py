"""Dolma mixer configs (``streams:``): filter and clean documents into ``<name>-NNNN.jsonl.gz`` shards."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from dolma_tools.cli.tag import file_size
from dolma_tools.errors import ConfigError
from dolma_tools.io.paths import basename, join
from dolma_tools.runner import Job, run_jobs

from . import manifest as mf
from .attributes import check_attribute_files
from .inputs import expand, fingerprint, work_root
from .jobs import mix_file
from .processor import DocumentProcessor, StreamSpec
from .sharding import Shard, assemble, assemble_file, output_extension, pack, parts_of, read_record, remove_tree
from .validation import check_attribute_references


@dataclass
class StreamPlan:
    """Everything needed to run one stream: its files, where parts are staged, where shards go."""

    index: int
    name: str
    spec: StreamSpec
    files: list[str]
    output_dir: str
    ext: str
    cap: int
    staging: str
    shuffle: bool

    def prefix(self, file_index: int) -> str:
        return join(self.staging, f"{file_index:06d}")

    def jobs(self, on_error: str) -> list[Job]:
        return [
            Job(
                key=f"{self.name}:{path}",
                inputs=[path],
                outputs=[self.prefix(i) + ".done.json"],
                size=file_size(path),
                params={"spec": self.spec, "prefix": self.prefix(i), "ext": self.ext, "cap": self.cap,
                        "on_error": on_error},
            )
            for i, path in enumerate(self.files)
        ]


def plan_stream(cfg: Any, index: int, stream: Any) -> StreamPlan:
    key = f"streams[{index}]"
    files = expand(stream.documents, f"{key}.documents")
    out = stream.output
    spec = StreamSpec.from_config(stream, f"stream '{stream.name}'", key, out.discard_fields, out.min_text_length)
    try:
        ext = output_extension(stream.compression.output)
    except ValueError as exc:
        raise ConfigError(str(exc), f"{key}.compression.output") from None
    if not cfg.shuffle:
        for f in files:
            _below_documents(f)  # fails before any work if an output would land outside the output folder
    fp = fingerprint(mf.mix_config_dict(cfg), index, [(f, file_size(f)) for f in files])
    staging = join(work_root(cfg, out.path), f"staging/{stream.name}-{fp}")
    return StreamPlan(index, stream.name, spec, files, out.path, ext, out.max_size_in_bytes, staging, cfg.shuffle)


def validate_stream(plan: StreamPlan, allow_missing: bool) -> None:
    """Compile the expressions and check attribute files and names, before anything is written."""
    processor = DocumentProcessor(plan.spec)
    if plan.spec.attributes:
        for path in plan.files:
            check_attribute_files(path, plan.spec.attributes)
    check_attribute_references(plan.spec.label, processor.references(), plan.files, plan.spec.attributes, allow_missing)


def finalize_stream(plan: StreamPlan) -> dict[str, Any]:
    """Pack the staged parts into shards and return the stream's manifest entry."""
    records = [read_record(plan.prefix(i)) for i in range(len(plan.files))]
    if plan.shuffle:
        groups = pack([p for r in records for p in parts_of(r)], plan.cap)
        shards = assemble(groups, plan.output_dir, plan.name, plan.ext)
    else:
        shards = _mirror_inputs(plan, records)
    totals = {k: sum(r[k] for r in records) for k in ("documents", "kept", "filtered", "too_short")}
    skipped = sum(sum(r["skipped"].values()) for r in records)
    return {
        "inputs": mf.input_files(plan.files),
        "attribute_sets": plan.spec.attributes,
        "documents_in": totals["documents"],
        "documents_out": totals["kept"],
        "filtered": totals["filtered"],
        "too_short": totals["too_short"],
        "skipped_lines": skipped,
        "outputs": mf.relative_outputs(shards, plan.output_dir),
    }


def _below_documents(path: str) -> str:
    """The part of ``path`` below its last ``documents/`` folder (the file name if there is none); it must
    not climb out of the output folder."""
    parts = path.split("/")
    folders = parts[:-1]
    if "documents" in folders:
        i = len(folders) - 1 - folders[::-1].index("documents")
        below = parts[i + 1 :]
        if ".." in below:
            raise ConfigError(f"{path}: with shuffle: false the output path is the input's path below "
                              "'documents/', which must not contain '..'", "streams")
        return "/".join(below)
    return basename(path)


def _mirror_inputs(plan: StreamPlan, records: list[dict[str, Any]]) -> list[Shard]:
    """``shuffle: false`` (Dolma): one output per input, at the input's path below ``documents/`` (an input
    whose documents are all dropped gets an empty file, so the layout stays one to one)."""
    shards = []
    for path, record in zip(plan.files, records):
        dest = join(plan.output_dir, "documents", _below_documents(path))
        parts = [p for p in parts_of(record) if p.docs]
        assemble_file(parts, dest)
        shards.append(Shard(dest, sum(p.docs for p in parts), sum(p.bytes for p in parts)))
    return shards


def run_streams(cfg: Any) -> int:
    plans = [plan_stream(cfg, i, s) for i, s in enumerate(cfg.streams)]
    targets = [(p.name, p.output_dir) for p in plans]
    for name, out in set(targets):
        if targets.count((name, out)) > 1:
            raise ConfigError(f"two streams named {name!r} write to the same folder {out}", "streams")
    config = mf.mix_config_dict(cfg)
    config_hash = mf.config_sha256(config)
    by_output: dict[str, list[StreamPlan]] = {}
    for plan in plans:
        by_output.setdefault(plan.output_dir, []).append(plan)
    todo = {out: ps for out, ps in by_output.items()
            if cfg.ignore_existing or mf.completed(out, config_hash) is None}
    for out, ps in by_output.items():
        if out not in todo:
            print(f"[mix] {out}: already complete (manifest.json matches this config); skipping", file=sys.stderr)
            for plan in ps:
                remove_tree(plan.staging)  # left by a run killed after its manifest was written
    if not todo:
        return 0
    for ps in todo.values():
        for plan in ps:
            validate_stream(plan, cfg.allow_missing_attributes)
    jobs = [job for ps in todo.values() for plan in ps for job in plan.jobs(cfg.on_error)]
    if cfg.dryrun:
        for job in jobs:
            print(f"{'done' if job.is_done() else 'todo'}\t{job.inputs[0]}")
        return 0
    if cfg.ignore_existing:
        for ps in todo.values():
            for plan in ps:
                remove_tree(plan.staging)
    summary = run_jobs("mix", mix_file, jobs, processes=cfg.resolved_processes(), executor=cfg.executor,
                       ray_address=cfg.ray_address, ignore_existing=cfg.ignore_existing)
    if not summary.ok:
        return 1
    for out, ps in todo.items():
        entries = {plan.name: finalize_stream(plan) for plan in ps}
        mf.write_manifest(out, {
            "kind": "streams",
            "manifest_version": mf.MANIFEST_VERSION,
            "tool": mf.tool_info(),
            "config_sha256": config_hash,
            "config": config,
            "streams": entries,
        })
        for plan in ps:
            remove_tree(plan.staging)
        for name, entry in entries.items():
            print(f"[mix] {name}: {entry['documents_out']:,} of {entry['documents_in']:,} documents kept "
                  f"-> {len(entry['outputs'])} file(s) in {out}", file=sys.stderr)
    return 0


__all__ = ["StreamPlan", "finalize_stream", "plan_stream", "run_streams", "validate_stream"]
