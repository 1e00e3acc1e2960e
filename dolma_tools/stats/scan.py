"""One streaming pass over document files and their attribute files, in parallel, merged into one result.

A *unit* is one document file with the attribute files that describe it (row k of each attribute file is
row k of the document file; ids are checked), or attribute files without their document file. Each unit is
one runner job; its partial result (bounded: sketches, bounded counters) comes back to the main process,
where the partial results are merged. Merging is exact for every count and sketch bucket, so the result does
not depend on how files are spread over processes.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..errors import AlignmentError, InputError
from ..io.jsonl import OnError, ReadStats, iter_documents, iter_json_rows
from ..io.paths import attribute_path, exists, glob_paths
from ..runner import Job, JobResult, Reporter, RunSummary, run_jobs
from ..tokens import whitespace_tokens
from .attributes import AttributeStats, text_length_of
from .corpus import CorpusSummary, SummaryOptions
from .sketch import DEFAULT_ALPHA

BATCH = 256
_SEP = "\0"


@dataclass
class ScanUnit:
    document: str | None
    attributes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.document or self.attributes[0]

    @property
    def inputs(self) -> list[str]:
        return ([self.document] if self.document else []) + self.attributes


@dataclass
class ScanResult:
    """Attribute statistics and corpus counts of a set of units; mergeable."""

    attributes: AttributeStats
    corpus: CorpusSummary
    files: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    @classmethod
    def empty(cls, options: SummaryOptions, alpha: float = DEFAULT_ALPHA, name_regex: str | None = None,
              has_text: bool = True) -> "ScanResult":
        return cls(AttributeStats(alpha, name_regex), CorpusSummary(options, has_text=has_text))

    def merge(self, other: "ScanResult") -> "ScanResult":
        self.attributes.merge(other.attributes)
        self.corpus.merge(other.corpus)
        self.files += other.files
        for reason, n in other.skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + n
        return self


# -- planning -----------------------------------------------------------------------------------------
def _document_key(document: str) -> tuple[str, str]:
    """(root, relative path) shared by a document file and its attribute files."""
    mapped = attribute_path(document, _SEP)
    root, rel = mapped.split(f"/{_SEP}/", 1)
    return root, rel


def _attribute_keys(path: str) -> Iterator[tuple[str, str]]:
    """Every (root, relative path) an attribute file could belong to (attribute set names may hold '/')."""
    parts = path.split("/")
    for i, part in enumerate(parts):
        if part != "attributes":
            continue
        for j in range(i + 2, len(parts)):
            yield "/".join(parts[: i + 1]), "/".join(parts[j:])


def plan_units(documents: list[str], attribute_files: list[str], attribute_sets: list[str] = ()) -> list[ScanUnit]:
    """Group files into units. ``attribute_sets`` are names looked up next to each document file
    (``attributes/<name>/<rel>``); ``attribute_files`` are matched to documents by path, and those without a
    document file form units of their own (grouped by relative path)."""
    units = [ScanUnit(d) for d in documents]
    by_key = {}
    for unit in units:
        with contextlib.suppress(ValueError):
            by_key[_document_key(unit.document)] = unit  # type: ignore[arg-type]
            for name in attribute_sets:
                path = attribute_path(unit.document, name)  # type: ignore[arg-type]
                if exists(path):
                    unit.attributes.append(path)
    orphans: dict[tuple[str, str], ScanUnit] = {}
    for path in attribute_files:
        candidates = list(_attribute_keys(path))
        owner = next((by_key[k] for k in candidates if k in by_key), None)
        if owner is not None:
            if path not in owner.attributes:
                owner.attributes.append(path)
            continue
        group = candidates[0] if candidates else (path, "")
        orphans.setdefault(group, ScanUnit(None)).attributes.append(path)
    return units + list(orphans.values())


def expand_globs(patterns: list[str], what: str) -> list[str]:
    """Files matching the globs, each once, in pattern order (sorted within a pattern)."""
    from ..errors import ConfigError

    files: list[str] = []
    seen = set()
    for pattern in patterns:
        for path in glob_paths(pattern):
            if path not in seen:
                seen.add(path)
                files.append(path)
    if patterns and not files:
        raise ConfigError(f"no files match {patterns}", what)
    return files


# -- the job --------------------------------------------------------------------------------------------
def _aligned_rows(unit: ScanUnit, policy: OnError, stats: ReadStats) -> Iterator[tuple[int, dict | None, list[dict]]]:
    """(line, document row or None, attribute rows) with ids checked against each other."""
    with contextlib.ExitStack() as stack:
        readers = [stack.enter_context(contextlib.closing(iter_json_rows(a, policy, stats))) for a in unit.attributes]
        lead = iter_documents(unit.document, policy, stats) if unit.document else None
        lead_path = unit.document or unit.attributes[0]
        if lead is None:
            lead, readers = readers[0], readers[1:]
        followers = list(zip(unit.attributes[1:] if unit.document is None else unit.attributes, readers))
        for line, row in lead:
            attribute_rows = [] if unit.document else [row]
            for path, reader in followers:
                got = next(reader, None)
                if got is None:
                    raise AlignmentError(path, 0, f"has fewer rows than {lead_path} (ends before its line {line})")
                other_line, attrs = got
                if attrs.get("id") != row.get("id"):
                    raise AlignmentError(path, other_line, f"id {attrs.get('id')!r} does not match id "
                                         f"{row.get('id')!r} at {lead_path}:{line}")
                attribute_rows.append(attrs)
            yield line, (row if unit.document else None), attribute_rows
        for path, reader in followers:
            extra = next(reader, None)
            if extra is not None:
                raise AlignmentError(path, extra[0], f"has more rows than {lead_path}")


def _joined_attributes(rows: list[dict], path: str, line: int) -> dict[str, list]:
    """The attributes of one document from all its attribute rows (later files win on equal keys)."""
    joined: dict[str, list] = {}
    for row in rows:
        attrs = row.get("attributes")
        if attrs is None:
            continue
        if not isinstance(attrs, dict):
            raise InputError(path, line, f"'attributes' must be an object, got {type(attrs).__name__}")
        joined.update(attrs)
    return joined


def scan_unit(job: Job, reporter: Reporter) -> JobResult:
    """Job function: statistics of one unit (``job.params``: unit, options, alpha, name_regex, on_error)."""
    p = job.params
    unit: ScanUnit = p["unit"]
    options: SummaryOptions = p["options"]
    policy = OnError(p.get("on_error", "raise"))
    result = ScanResult.empty(options, p.get("alpha", DEFAULT_ALPHA), p.get("name_regex"),
                              has_text=unit.document is not None)
    stats = ReadStats()
    batch: list[tuple[int, dict | None, dict[str, list], Any]] = []

    def flush() -> None:
        _observe_batch(result, batch, options, unit.key)
        reporter.advance(docs=len(batch))
        batch.clear()

    for line, doc, attribute_rows in _aligned_rows(unit, policy, stats):
        source = attribute_rows[0].get("source") if attribute_rows else None  # attribute rows carry it too
        batch.append((line, doc, _joined_attributes(attribute_rows, unit.key, line), source))
        if len(batch) >= BATCH:
            flush()
    flush()
    result.attributes.flush()
    result.files = 1
    result.skipped = dict(stats.skipped)
    reporter.advance(bytes=job.size)
    return JobResult(key=job.key, docs=result.corpus.docs, bytes=job.size, skipped=stats.skipped,
                     skipped_examples=stats.first_errors, extra={"stats": result})


def _observe_batch(result: ScanResult, batch: list, options: SummaryOptions, path: str) -> None:
    if not batch:
        return
    texts = [doc["text"] for _, doc, _, _ in batch] if result.corpus.has_text else None
    tokens = options.count_tokens(texts) if texts is not None else [0] * len(batch)
    for i, (line, doc, attributes, source) in enumerate(batch):
        try:
            if doc is not None:
                text = doc["text"]
                length = len(text)
                ws = tokens[i] if options.whitespace_only else whitespace_tokens(text)
                metadata = doc.get("metadata")
                url = metadata.get("url") if isinstance(metadata, dict) else None
                source = doc.get("source")
            else:
                length = text_length_of(attributes)
                ws = 0
                url = None
            result.attributes.observe_row(attributes, length)
            result.corpus.observe(str(source or ""), url, length, ws, tokens[i], attributes)
        except (TypeError, IndexError, ValueError) as exc:
            raise InputError(path, line, f"malformed attribute spans (expected [start, end, score]): {exc}") from None


# -- running --------------------------------------------------------------------------------------------
def run_scan(
    units: list[ScanUnit],
    options: SummaryOptions,
    *,
    command: str = "stats",
    alpha: float = DEFAULT_ALPHA,
    name_regex: str | None = None,
    processes: int = 1,
    executor: str = "local",
    ray_address: str | None = None,
    on_error: str = "raise",
    quiet: bool = False,
) -> tuple[ScanResult, RunSummary]:
    """Scan every unit (in parallel) and merge the partial results in unit order."""
    from ..cli.tag import file_size

    params = {"options": options, "alpha": alpha, "name_regex": name_regex, "on_error": on_error}
    jobs = [Job(key=u.key, inputs=u.inputs, outputs=[], size=sum(file_size(f) for f in u.inputs),
                params={**params, "unit": u}) for u in units]
    summary = run_jobs(command, scan_unit, jobs, processes=processes, executor=executor, ray_address=ray_address,
                       ignore_existing=True, quiet=quiet)
    merged = ScanResult.empty(options, alpha, name_regex, has_text=all(u.document for u in units))
    for res in summary.results:
        if res.ok:
            merged.merge(res.extra["stats"])
    return merged, summary
