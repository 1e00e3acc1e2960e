"""The HTML report of a pipeline run: collect the numbers (one stats pass, plus a what-if pass per mix), draw,
and write one page.

``write_pipeline_report(cfg, stages)`` is what ``dolma-tools pipeline`` calls at the end; ``build_report`` and
``render_report`` are the two halves, so other callers (``dolma-tools report``) can add numbers before rendering.
When the report covers a mix, tokens are counted in the mixer's unit (its tokenizer, or its approximation), so
the funnel, the corpus counts, the what-if and the mix manifests read in one unit.
"""

from __future__ import annotations

import dataclasses
import datetime
import sys
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..errors import DolmaToolsError
from ..io.atomic import atomic_write
from ..io.compression import Compression
from ..io.paths import join
from ..redaction import redact
from . import html as h
from .corpus import SummaryOptions
from .export import result_to_json, write_json
from .plan import DEDUPE, INPUT, OUTPUT, ReportPlan, plan_from_stages, read_manifest
from .scan import ScanResult, plan_units, run_scan
from .sections import (
    FunnelRow,
    WhatIf,
    attributes_section,
    corpus_section,
    funnel_section,
    manifest_section,
    what_if_section,
)
from .settings import RunSettings

REPORT_NAME = "report.html"
STATS_NAME = "report-stats.json"


@dataclass
class ReportData:
    plan: ReportPlan
    options: SummaryOptions
    corpus: ScanResult
    funnel: list[FunnelRow] = field(default_factory=list)
    manifests: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    what_if: list[WhatIf] = field(default_factory=list)
    config: Any = None


def _scan(files: list[str], attribute_files: list[str], options: SummaryOptions, run: RunSettings,
          command: str) -> ScanResult:
    result, summary = run_scan(plan_units(files, attribute_files), options, command=command,
                               processes=run.processes, executor=run.executor, ray_address=run.ray_address,
                               on_error=run.on_error, quiet=True)
    if summary.failed:
        raise DolmaToolsError("report: " + "; ".join(str(r.error) for r in summary.failed))
    return result


def funnel(plan: ReportPlan, corpus: ScanResult, options: SummaryOptions, run: RunSettings) -> list[FunnelRow]:
    """Documents and tokens after each step: the input is the corpus read, ``tag`` keeps everything, ``dedupe``
    removes wholly duplicated documents, a mix step counts its output files."""
    c = corpus.corpus
    rows: list[FunnelRow] = []
    deduplicated: set[str] = set()  # dedupe keys of the steps so far: each duplicate leaves the funnel once
    for step in plan.steps:
        if step.kind == INPUT:
            rows.append(FunnelRow(step.label, c.docs, c.tokens, step.note))
        elif step.kind == OUTPUT:
            out = _scan(step.files, [], options, run, "report").corpus if step.files else None
            rows.append(FunnelRow(step.label, out.docs if out else 0, out.tokens if out else 0,
                                  step.note or f"{len(step.files)} output files"))
        elif rows:
            prev = rows[-1]
            if step.kind == DEDUPE:
                before_docs, before_tokens = c.duplicates_marked_by(deduplicated)
                deduplicated.update(step.keys)
                after_docs, after_tokens = c.duplicates_marked_by(deduplicated)
                rows.append(FunnelRow(step.label, prev.docs - (after_docs - before_docs),
                                      prev.tokens - (after_tokens - before_tokens),
                                      f"without duplicate documents; {step.note}"))
            else:
                rows.append(FunnelRow(step.label, prev.docs, prev.tokens, step.note))
    return rows


def build_report(plan: ReportPlan, options: SummaryOptions, run: RunSettings, config: Any = None) -> ReportData:
    corpus = _scan(plan.documents, plan.attribute_files, options, run, "report")
    data = ReportData(plan, options, corpus, config=config)
    data.funnel = funnel(plan, corpus, options, run)
    for m in plan.manifests:
        try:
            data.manifests.append((m, read_manifest(m.path)))
        except (OSError, orjson.JSONDecodeError) as exc:
            plan.notes.append(f"{m.path}: not readable ({exc})")
    data.what_if = what_ifs(plan, run)
    return data


def what_ifs(plan: ReportPlan, run: RunSettings) -> list[WhatIf]:
    """The what-if of every mix in the plan; a mix whose what-if fails gets a note instead."""
    from .whatif import run_what_if

    out: list[WhatIf] = []
    for cfg in plan.mixes:
        try:
            result = run_what_if(cfg, run, quiet=True)
        except DolmaToolsError as exc:  # ConfigError included
            plan.notes.append(f"what-if for filters left out: {exc}")
            continue
        out.extend(result.results)
        plan.notes.extend(f"what-if: {n}" for n in result.notes)
    return out


def render_report(data: ReportData) -> str:
    plan = data.plan
    unit = data.options.token_unit
    sections = [funnel_section(data.funnel, unit), corpus_section(data.corpus.corpus)]
    if data.manifests:
        body = "".join(manifest_section(m.label, m.path, manifest, m.targets) for m, manifest in data.manifests)
        sections.append(("mix", "Mix", body))
    if data.what_if:
        sections.append(what_if_section(data.what_if))
    # the longest section last: one histogram per attribute
    sections.append(attributes_section(data.corpus.attributes.keys, plan.thresholds, data.corpus.attributes.alpha))
    about = []
    if plan.notes:
        about.append("<h3>Notes</h3><ul>" + "".join(f"<li>{h.esc(n)}</li>" for n in plan.notes) + "</ul>")
    if data.config is not None:
        text = redact(orjson.dumps(data.config, option=orjson.OPT_INDENT_2, default=str).decode())
        about.append(f"<h3>Configuration</h3><pre>{h.esc(text)}</pre>")
    if about:
        sections.append(("about", "About this run", "".join(about)))
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    subtitle = f"{len(plan.documents)} document files, {len(plan.attribute_files)} attribute files - generated {now}"
    return h.page(plan.title, subtitle, sections)


def write_html(path: str, page: str) -> str:
    with atomic_write(path, Compression.NONE) as f:
        f.write(page.encode("utf-8"))
    return path


def write_report(plan: ReportPlan, options: SummaryOptions, run: RunSettings, html_path: str,
                 config: Any = None, stats_path: str | None = None) -> str:
    """Collect, render and write the page (and optionally the numbers as JSON); returns the HTML path."""
    data = build_report(plan, options, run, config=config)
    if stats_path:
        numbers = result_to_json(data.corpus, bins=100, with_sketch=False)
        if data.what_if:
            numbers["what_if"] = [dataclasses.asdict(w) for w in data.what_if]
        write_json(stats_path, numbers)
    path = write_html(html_path, render_report(data))
    for n in plan.notes:
        print(f"[report] note: {n}", file=sys.stderr)
    return path


def write_pipeline_report(cfg: Any, stages: list[tuple[str, Any]]) -> str:
    """Write ``<cfg.output>/report.html`` (and the numbers behind it as ``report-stats.json``) for a pipeline
    whose ``stages`` are (command name, validated stage config) pairs; returns the HTML path."""
    from ..config.schema import to_dict

    plan = plan_from_stages(stages)
    options = SummaryOptions(duplicate_attributes=list(plan.duplicate_attributes), tokenizer=plan.tokenizer,
                             mixer_tokens=plan.mixer_tokens)
    return write_report(plan, options, RunSettings.of(cfg), join(cfg.output, REPORT_NAME), config=to_dict(cfg),
                        stats_path=join(cfg.output, STATS_NAME))
