"""``dolma-tools tag``: run taggers over document shards and write Dolma attribute files."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from ..config.schema import option
from ..errors import ConfigError, StorageError
from ..io.paths import glob_paths, size_of
from ..registry import ensure_loaded, get_tagger_class
from ..runner import Job, run_jobs
from ..tagging import DEFAULT_BATCH_SIZE, check_tagger_options, plan_outputs, setup_worker, tag_file
from .options import RunOptions
from .registry import Command, register


@dataclass(kw_only=True)
class ProfileConfig:
    enable: bool = option(False, "Dolma's profiler switch (accepted for compatibility)")
    output: str | None = option(None, "Dolma profiler output (accepted for compatibility)")
    steps: int | None = option(None, "Dolma profiler steps (accepted for compatibility)")
    sort_key: str = option("tottime", "Dolma profiler sort key (accepted for compatibility)")
    lines: int = option(100, "Dolma profiler lines (accepted for compatibility)")


@dataclass(kw_only=True)
class TagConfig(RunOptions):
    documents: list[str] = option(help="Document files or globs (local or s3://), e.g. data/documents/*.jsonl.gz")
    taggers: list[str] = option(help="Tagger names (see `dolma-tools list`)")
    experiment: str | None = option(None, "Experiment name: one attribute file for all taggers (default: one per tagger)")
    destination: list[str] | None = option(
        None, "Output root(s); default: the documents/ folder of each input mapped to attributes/<experiment>/"
    )
    tagger_modules: list[str] = option([], "Plugin modules to import: dotted module names or .py file paths")
    batch_size: int = option(DEFAULT_BATCH_SIZE, "Documents per predict_batch call")
    seed: int = option(1, "Seed for taggers that draw random numbers (random_number_v1); with the doc id it fixes the value")
    debug: bool = option(False, "Dolma's debug switch (accepted; use --processes 1 for a single process)")
    profile: ProfileConfig = option(ProfileConfig(), "Dolma profiler options (accepted for compatibility)")
    tagger_options: dict[str, Any] | str = option(
        {}, "Constructor options per tagger, e.g. {ft_classifier_v1: {model_path: q.bin, level: paragraph}} "
        "(a YAML mapping, or a JSON string on the command line)"
    )


def parse_mapping_option(value: dict[str, Any] | str, key: str) -> dict[str, Any]:
    """A mapping option: as given in a config file, or as a JSON string on the command line."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError as exc:
            raise ConfigError(f"not valid JSON: {exc}", key) from None
    if not isinstance(value, dict):
        raise ConfigError(f"expected a mapping, got {value!r}", key)
    return value


def _expand(patterns: list[str]) -> list[str]:
    files: list[str] = []
    seen = set()
    for pattern in patterns:
        found = glob_paths(pattern)
        if not found:
            print(f"warning: no files match {pattern}", file=sys.stderr)
        for f in found:
            if f not in seen:
                seen.add(f)
                files.append(f)
    if not files:
        raise ConfigError(f"no document files match {patterns}", "documents")
    return files


def expand_documents(patterns: list[str]) -> list[str]:
    """Every file matched by the document globs, sorted within each glob, each file once."""
    return _expand(patterns)


def file_size(path: str) -> int:
    """Bytes of an input (for MB/s); S3 sizes come from the glob's listing, not a request per object."""
    try:
        return size_of(path)
    except (OSError, StorageError):
        return 0


def run(cfg: TagConfig) -> int:
    cfg.apply_environment()
    ensure_loaded(cfg.tagger_modules)
    for name in cfg.taggers:
        get_tagger_class(name)  # unknown tagger names fail before any work
    if not cfg.taggers:
        raise ConfigError("at least one tagger is required", "taggers")
    tagger_options = parse_mapping_option(cfg.tagger_options, "tagger_options")
    check_tagger_options(cfg.taggers, tagger_options)
    files = expand_documents(cfg.documents)
    plan = plan_outputs(cfg.documents, files, cfg.taggers, cfg.experiment, cfg.destination)
    jobs = [
        Job(
            key=f,
            inputs=[f],
            outputs=[o.path for o in plan[f]],
            size=file_size(f),
            params={"outputs": plan[f], "on_error": cfg.on_error, "batch_size": cfg.batch_size},
        )
        for f in files
    ]
    if cfg.dryrun:
        for job in jobs:
            state = "done" if job.is_done() else "todo"
            print(f"{state}\t{job.inputs[0]}\t->\t{', '.join(job.outputs)}")
        return 0
    summary = run_jobs(
        "tag",
        tag_file,
        jobs,
        processes=cfg.resolved_processes(),
        executor=cfg.executor,
        ray_address=cfg.ray_address,
        ignore_existing=cfg.ignore_existing,
        setup=setup_worker,
        setup_args=(list(cfg.tagger_modules), cfg.seed, tagger_options),
    )
    return 0 if summary.ok else 1


COMMAND = register(
    Command(
        name="tag",
        help="Run taggers over documents and write attribute files",
        schema=TagConfig,
        run=run,
        description="Run taggers over document shards (jsonl, .gz, .zst, parquet; local or s3://) and write one "
        "Dolma attribute file per experiment per input file, row for row. Rerunning resumes.",
        epilog="example:\n  dolma-tools tag --documents 'data/documents/*.jsonl.gz' --taggers gopher_v1 c4_v2 --processes 2",
    )
)
