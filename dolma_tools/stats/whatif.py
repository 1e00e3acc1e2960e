"""What-if for filters: what each rule of a mix config would drop on its own and all rules together, without
writing the mix.

Every number comes from the mixer's own code, so the what-if cannot drift from a real mix: streams and sources
are planned and validated by the mixer (input globs, attribute files, attribute names), documents are joined
with their attributes by the mixer's joiner, rules are evaluated by its filter engine (``DocFilter``), span
replacement and ``min_text_length`` by its ``DocumentProcessor``, and tokens counted by the project's
``TokenCounter`` in the mix config's unit. One runner job per document file returns counts; they are summed.

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

from mixers.attributes import iter_joined
from mixers.filters import DocFilter
from mixers.processor import DocumentProcessor, StreamSpec, document_error
from mixers.sampling import id_hash

from ..cli.tag import file_size
from ..errors import ConfigError, DolmaToolsError, InputError
from ..io.jsonl import OnError, ReadStats
from ..runner import Job, JobResult, Reporter, run_jobs
from ..tokens import counter_for, token_unit
from .sections import RuleDrop, WhatIf
from .thresholds import parse_thresholds

BATCH = 512


@dataclass
class Rule:
    kind: str  # include | exclude | min_text_length
    expression: str
    syntax: str = "jsonpath"

    def label(self) -> str:
        if self.kind == "min_text_length":
            return f"min_text_length {self.expression} (UTF-8 bytes of the stripped text after span replacement)"
        return f"{self.kind}: {self.expression}"

    def short(self) -> str:
        """``drop if KEY < 50`` when the rule is one threshold on an attribute score, else the label."""
        if self.kind == "min_text_length":
            return f"text < {self.expression} bytes"
        found = parse_thresholds(self.expression, self.kind, syntax=self.syntax)
        if len(found) == 1 and not found[0].partial:
            t = found[0]
            return f"{'keep if' if t.kind == 'include' else 'drop if'} {_short_key(t.key)} {t.op} {t.value:g}"
        return self.label()


def _short_key(key: str) -> str:
    """``tagger__tagger__field`` (experiment named after its tagger, Dolma's default) -> ``tagger__field``."""
    parts = key.split("__")
    return "__".join(parts[1:]) if len(parts) == 3 and parts[0] == parts[1] else key


def rules_of(spec: StreamSpec) -> list[Rule]:
    rules = [Rule(kind, e, spec.syntax) for kind, exprs in (("include", spec.include), ("exclude", spec.exclude))
             for e in exprs]
    if spec.min_text_length:
        rules.append(Rule("min_text_length", str(spec.min_text_length)))
    return rules


@dataclass
class Counts:
    """What-if counts of one or more document files (mergeable)."""

    rules: int
    docs: int = 0
    tokens: int = 0
    rule_docs: list[int] = field(default_factory=list)
    rule_tokens: list[int] = field(default_factory=list)
    filtered_docs: int = 0  # dropped by the include/exclude filter
    too_short_docs: int = 0  # passed the filter, dropped by min_text_length
    dropped_tokens: int = 0
    kept_docs: int = 0
    kept_tokens_in: int = 0  # tokens of the kept documents as read
    kept_tokens: int = 0  # ... and after span replacement (what the mix writes)
    span_changed_docs: int = 0
    skipped_docs: int = 0
    min_length_unevaluated: int = 0

    def __post_init__(self) -> None:
        self.rule_docs = self.rule_docs or [0] * self.rules
        self.rule_tokens = self.rule_tokens or [0] * self.rules

    def merge(self, other: "Counts") -> "Counts":
        for name, value in vars(other).items():
            if name == "rules":
                continue
            if isinstance(value, list):
                mine = getattr(self, name)
                setattr(self, name, [a + b for a, b in zip(mine, value)])
            else:
                setattr(self, name, getattr(self, name) + value)
        return self


@dataclass
class _Doc:
    """The decisions about one document, waiting for its tokens to be counted in a batch."""

    doc_id: str
    text: str
    drops: list[bool]  # per rule, dropped by the rule alone
    passes_filter: bool
    kept: bool
    text_out: str | None


class _FileWhatIf:
    """Evaluates the documents of one file (the job's state)."""

    def __init__(self, spec: StreamSpec, tokenizer: str | None, path: str, policy: OnError) -> None:
        self.processor = DocumentProcessor(spec)
        self.counter = counter_for(tokenizer)
        self.path = path
        self.policy = policy
        self.counts = Counts(len(rules_of(spec)))
        self.kept_hashes: list[int] = []
        self.kept_token_counts: list[int] = []

    def evaluate(self, doc: dict[str, Any]) -> _Doc:
        """The mixer's steps, each rule also on its own: filter, span replacement, ``min_text_length``."""
        p = self.processor
        include, exclude = p.filter.rule_matches(doc) if p.filter is not None else ([], [])
        passes = DocFilter.combine(include, exclude)
        drops = [not m for m in include] + exclude
        text_out = None
        long_enough = True
        if passes:
            text_out = p.replaced_text(doc)
            long_enough = p.long_enough(text_out)
        elif p.spec.min_text_length:
            # the mixer never replaces spans in a filtered document; alone, min_text_length would need it
            try:
                long_enough = p.long_enough(p.replaced_text(doc))
            except DolmaToolsError:
                self.counts.min_length_unevaluated += 1
        if p.spec.min_text_length:
            drops.append(not long_enough)
        return _Doc(doc["id"], doc["text"], drops, passes, passes and long_enough, text_out)

    def add(self, batch: list[_Doc]) -> None:
        c = self.counts
        tokens_in = self.counter.count([d.text for d in batch])
        changed = [i for i, d in enumerate(batch) if d.kept and d.text_out != d.text]
        tokens_out = dict(zip(changed, self.counter.count([batch[i].text_out for i in changed])))  # type: ignore[misc]
        for i, (d, t) in enumerate(zip(batch, tokens_in)):
            c.docs += 1
            c.tokens += t
            for k, dropped in enumerate(d.drops):
                if dropped:
                    c.rule_docs[k] += 1
                    c.rule_tokens[k] += t
            if d.kept:
                out = tokens_out.get(i, t)
                c.kept_docs += 1
                c.kept_tokens_in += t
                c.kept_tokens += out
                c.span_changed_docs += i in tokens_out
                self.kept_hashes.append(id_hash(d.doc_id))
                self.kept_token_counts.append(out)
            else:
                c.filtered_docs += not d.passes_filter
                c.too_short_docs += d.passes_filter
                c.dropped_tokens += t

    def run(self, stats: ReadStats, reporter: Reporter) -> None:
        batch: list[_Doc] = []
        for line, doc in iter_joined(self.path, self.processor.spec.attributes, self.policy, stats):
            try:
                batch.append(self.evaluate(doc))
            except InputError:
                raise
            except DolmaToolsError as exc:  # handled as the mixer handles it
                err = document_error(self.path, line, doc, exc)
                if self.policy is OnError.RAISE:
                    raise err from None
                stats.skip(err)
                self.counts.skipped_docs += 1
                continue
            if len(batch) >= BATCH:
                self.add(batch)
                reporter.advance(docs=len(batch))
                batch = []
        self.add(batch)
        reporter.advance(docs=len(batch))


def what_if_file(job: Job, reporter: Reporter) -> JobResult:
    """Job function. ``job.params``: spec, tokenizer, on_error, target (its index, returned with the counts),
    input_size and, for sources, index_prefix (where the mixer's scan index of this file is written)."""
    params = job.params
    path = job.inputs[0]
    state = _FileWhatIf(params["spec"], params["tokenizer"], path, OnError(params["on_error"]))
    stats = ReadStats()
    state.run(stats, reporter)
    if params.get("index_prefix"):
        from mixers.index import write_scan

        c = state.counts
        write_scan(params["index_prefix"], path, params["input_size"], stats, state.kept_hashes,
                   state.kept_token_counts, {"filtered": c.filtered_docs, "too_short": c.too_short_docs})
    reporter.advance(bytes=job.size)
    return JobResult(key=job.key, docs=stats.rows, bytes=job.size, skipped=stats.skipped,
                     skipped_examples=stats.first_errors, extra={"what_if": (params["target"], state.counts)})


# -- planning and running ---------------------------------------------------------------------------------
@dataclass
class Target:
    """One stream or source: its per-document config and files (and, for sources, the mixer's run)."""

    label: str
    spec: StreamSpec
    files: list[str]
    index_prefixes: list[str | None]
    run: Any = None  # mixers.mixture.SourceRun for sources


@dataclass
class WhatIfSettings:
    processes: int = 1
    executor: str = "local"
    ray_address: str | None = None
    on_error: str = "raise"
    quiet: bool = False


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


def run_what_if(cfg: Any, settings: WhatIfSettings) -> WhatIfResult:
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
                           ray_address=settings.ray_address, ignore_existing=True, quiet=settings.quiet)
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
