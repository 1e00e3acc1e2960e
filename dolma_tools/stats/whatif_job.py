"""The per-file job of the what-if: each document through the mixer's own steps (attribute joining, filter,
span replacement, ``min_text_length``), every rule also evaluated on its own, tokens counted in batches.

For a source mixture the job also writes the mixer's scan index of its file (id hashes and token counts of the
documents the source keeps), so that the mixer's planner can run on it without a second pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mixers.attributes import iter_joined
from mixers.filters import DocFilter
from mixers.processor import DocumentProcessor, StreamSpec, document_error
from mixers.sampling import id_hash

from ..errors import DolmaToolsError, InputError
from ..io.jsonl import OnError, ReadStats
from ..runner import Job, JobResult, Reporter
from ..tokens import counter_for
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
            except (DolmaToolsError, RecursionError) as exc:  # handled as the mixer handles it
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
