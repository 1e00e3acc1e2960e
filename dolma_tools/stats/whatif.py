"""What-if for filters: what each rule of a mix config would drop on its own and all rules together, without
writing the mix.

Every number comes from the mixer's own code, so the what-if cannot drift from a real mix: streams and sources
are planned and validated by the mixer (input globs, attribute files, attribute names), documents are joined
with their attributes by the mixer's joiner, rules are evaluated by its filter engine (``DocFilter``), span
replacement and ``min_text_length`` by its ``DocumentProcessor``, and tokens counted by the project's
``TokenCounter`` in the mix config's unit. One runner job per document file (``whatif_job``) returns counts;
they are summed per stream or source.

The rules of a stream or source are its include rules (alone: keep only the documents the rule matches), its
exclude rules, and ``min_text_length`` (alone: the documents whose text after span replacement is too short).
"All rules together" is exactly what the mix drops. For source mixtures the what-if also writes the mixer's
scan index into a temporary folder and runs the mixer's planner on it: what the sampler would then select.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any

from mixers.processor import StreamSpec

from ..cli.tag import file_size
from ..errors import ConfigError, DolmaToolsError
from ..runner import Job, run_jobs
from ..tokens import token_unit
from .sections import RuleDrop, WhatIf
from .settings import RunSettings
from .whatif_job import Counts, rules_of, what_if_file


@dataclass
class Target:
    """One stream or source: its per-document config and files (and, for sources, the mixer's run)."""

    label: str
    spec: StreamSpec
    files: list[str]
    index_prefixes: list[str | None]
    run: Any = None  # mixers.mixture.SourceRun for sources


def stream_targets(cfg: Any) -> list[Target]:
    from mixers.streams import plan_stream, validate_stream

    targets = []
    for i, stream in enumerate(cfg.streams):
        plan = plan_stream(cfg, i, stream)
        validate_stream(plan, cfg.allow_missing_attributes)
        targets.append(Target(f"stream {plan.name}", plan.spec, plan.files, [None] * len(plan.files)))
    return targets


def source_targets(cfg: Any, root: str) -> tuple[list[Target], list[str]]:
    from mixers.mixture import prepare, validate

    runs, excluded = prepare(cfg, root)
    validate(runs, cfg.allow_missing_attributes)
    targets = [Target(f"source {run.name}", run.spec, run.files,
                      [run.index_prefix(i) for i in range(len(run.files))], run) for run in runs]
    return targets, excluded


def _jobs(targets: list[Target], tokenizer: str | None, on_error: str) -> list[Job]:
    jobs = []
    for n, t in enumerate(targets):
        for path, prefix in zip(t.files, t.index_prefixes):
            size = file_size(path)
            jobs.append(Job(key=f"{t.label}:{path}", inputs=[path], outputs=[], size=size,
                            params={"spec": t.spec, "tokenizer": tokenizer, "on_error": on_error,
                                    "index_prefix": prefix, "input_size": size, "target": n}))
    return jobs


def to_report(target: Target, counts: Counts, unit: str) -> WhatIf:
    rules = rules_of(target.spec)
    notes = []
    if counts.min_length_unevaluated:
        notes.append(f"{counts.min_length_unevaluated:,} filtered documents have span attributes that span "
                     "replacement cannot use; min_text_length alone does not count them.")
    return WhatIf(
        label=target.label,
        total_docs=counts.docs,
        total_tokens=counts.tokens,
        rules=[RuleDrop(r.label(), d, t, r.short()) for r, d, t in zip(rules, counts.rule_docs, counts.rule_tokens)],
        combined_docs=counts.filtered_docs + counts.too_short_docs,
        combined_tokens=counts.dropped_tokens,
        unit=unit,
        kept_docs=counts.kept_docs,
        kept_tokens=counts.kept_tokens,
        span_changed_docs=counts.span_changed_docs,
        span_tokens=counts.kept_tokens_in - counts.kept_tokens,
        skipped_docs=counts.skipped_docs,
        notes=notes,
    )


@dataclass
class WhatIfResult:
    results: list[WhatIf]
    plan_table: str | None = None  # source mixtures: the mixer's --plan table after the filters
    notes: list[str] = field(default_factory=list)


def _sampling(cfg: Any, targets: list[Target], results: list[WhatIf], result: WhatIfResult) -> None:
    """Run the mixer's planner on the index the what-if wrote: what the sampler would select per source."""
    from mixers.index import read_summary
    from mixers.mixture import plan, selected_counts
    from mixers.plan_table import render_plan

    runs = [t.run for t in targets]
    for run in runs:
        run.summaries = [read_summary(run.index_prefix(i)) for i in range(len(run.files))]
    try:
        requested = plan(cfg, runs)
    except ConfigError as exc:
        result.notes.append(f"the sampler cannot plan this mixture: {exc}")
        return
    counts = {run.name: selected_counts(run, cfg.seed) for run in runs}
    for run, w in zip(runs, results):
        w.selected = {"selected_docs": sum(c["docs"] for c in counts[run.name]),
                      "selected_tokens": sum(c["tokens"] for c in counts[run.name]),
                      "target_tokens": run.budget.needed}
    result.plan_table = render_plan(runs, counts, requested)


def run_what_if(cfg: Any, settings: RunSettings, quiet: bool = False) -> WhatIfResult:
    """Per stream or source of the mix config ``cfg``: per-rule and combined drops (and, for source mixtures,
    what the sampler would select). Nothing is written but a temporary index for source mixtures."""
    cfg.apply_environment()
    root = tempfile.mkdtemp(prefix="dolma-tools-what-if-") if cfg.sources else None
    try:
        excluded: list[str] = []
        if cfg.streams:
            targets = stream_targets(cfg)
        else:
            targets, excluded = source_targets(cfg, root)  # type: ignore[arg-type]
        summary = run_jobs("what-if", what_if_file, _jobs(targets, cfg.tokenizer, settings.on_error),
                           processes=settings.processes, executor=settings.executor,
                           ray_address=settings.ray_address, ignore_existing=True, quiet=quiet)
        if not summary.ok:
            failed = "; ".join(str(r.error) for r in summary.failed)
            raise DolmaToolsError(f"what-if: {failed or 'interrupted'}")
        totals = [Counts(len(rules_of(t.spec))) for t in targets]
        for res in summary.results:
            target, counts = res.extra["what_if"]
            totals[target].merge(counts)
        unit = token_unit(cfg.tokenizer)
        results = [to_report(t, c, unit) for t, c in zip(targets, totals)]
        result = WhatIfResult(results)
        if excluded:
            result.notes.append(f"left out by exclude_owners: {', '.join(excluded)}")
        if cfg.sources:
            _sampling(cfg, targets, results, result)
        return result
    finally:
        if root:
            shutil.rmtree(root, ignore_errors=True)


def load_mix_configs(path: str) -> list[Any]:
    """The validated mix configs of ``path``: a mix config, or a pipeline config (its mix stages)."""
    from ..cli.main import resolve_config
    from ..cli.mix import COMMAND
    from ..config.loader import load_config_file

    data = load_config_file(path)
    try:
        if isinstance(data, dict) and "stages" in data:
            from .command import load_pipeline

            mixes = [cfg for name, cfg in load_pipeline(path)[1] if name == "mix"]
            if not mixes:
                raise ConfigError("the pipeline has no mix stage")
            return mixes
        return [resolve_config(COMMAND, path, {})]
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}", "what_if") from None
