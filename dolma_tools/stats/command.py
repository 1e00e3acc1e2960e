"""``dolma-tools stats``: plan, scan in parallel, print, and write JSON / Dolma summaries."""

from __future__ import annotations

import sys
from typing import Any

from ..errors import ConfigError
from .corpus import SummaryOptions
from .export import result_to_json, what_if_to_json, write_dolma_summaries, write_json
from .scan import expand_globs, plan_units, run_scan
from .settings import RunSettings
from .text import render, what_if_text
from .whatif import load_mix_configs, run_what_if


def summary_options(cfg: Any) -> SummaryOptions:
    """The corpus-summary options of any config that has the stats keys."""
    return SummaryOptions(
        duplicate_attributes=list(cfg.duplicate_attributes),
        language_taggers=cfg.language_taggers,
        language_threshold=cfg.language_threshold,
        tokenizer=cfg.tokenizer,
    )


def run_stats(cfg: Any) -> int:
    cfg.apply_environment()
    if not cfg.attributes and not cfg.documents and not cfg.what_if:
        raise ConfigError("give attribute files (--attributes), document files (--documents) and/or a mix config "
                          "(--what-if)", "attributes")
    documents = expand_globs(cfg.documents, "documents")
    attribute_files = expand_globs(cfg.attributes, "attributes")
    units = plan_units(documents, attribute_files)
    mixes = load_mix_configs(cfg.what_if) if cfg.what_if else []
    if cfg.tokenizer:
        from ..tokens import load_tokenizer

        load_tokenizer(cfg.tokenizer)  # a bad tokenizer file fails before any work
    if cfg.dryrun:
        for unit in units:
            print(f"{unit.document or '(no document file)'}\t<-\t{', '.join(unit.attributes) or '(no attributes)'}")
        for mix in mixes:
            for entry in mix.streams or mix.sources:
                print(f"what-if\t{getattr(entry, 'name', None) or entry.source_name}\t{', '.join(entry.documents)}")
        return 0
    data: dict[str, Any] = {}
    ok = True
    if units:
        result, summary = run_scan(units, summary_options(cfg), alpha=cfg.relative_error, name_regex=cfg.regex,
                                   processes=cfg.resolved_processes(), executor=cfg.executor,
                                   ray_address=cfg.ray_address, on_error=cfg.on_error)
        sys.stdout.write(render(result, histograms=cfg.histograms))
        data = result_to_json(result, cfg.bins)
        ok = summary.ok
        if cfg.report:
            path = write_dolma_summaries(cfg.report, result, cfg.bins)
            print(f"[stats] wrote {path}", file=sys.stderr)
    if mixes:
        results = [run_what_if(mix, RunSettings.of(cfg)) for mix in mixes]
        sys.stdout.write(("\n" if units else "") + "\n\n".join(what_if_text(r) for r in results) + "\n")
        data["what_if"] = [what_if_to_json(r) for r in results]
    if cfg.json:
        write_json(cfg.json, data)
        print(f"[stats] wrote {cfg.json}", file=sys.stderr)
    return 0 if ok else 1


def run_report(cfg: Any) -> int:
    """``dolma-tools report``: a pipeline's report, or one over the given documents/attributes/manifests/mix."""
    from ..config.schema import to_dict
    from ..io.paths import join
    from .plan import INPUT, MixManifest, ReportPlan, Step, add_mix, plan_from_stages
    from .report import REPORT_NAME, write_report
    from .thresholds import thresholds_of_filter

    cfg.apply_environment()
    config = None
    html_path = REPORT_NAME
    if cfg.pipeline:
        pipeline_cfg, stages = load_pipeline(cfg.pipeline)
        plan = plan_from_stages(stages)
        config = to_dict(pipeline_cfg)
        if pipeline_cfg.output:
            html_path = join(pipeline_cfg.output, REPORT_NAME)
    else:
        plan = ReportPlan()
    if cfg.title:
        plan.title = cfg.title
    plan.add_documents(expand_globs(cfg.documents, "documents"))
    plan.add_attributes(expand_globs(cfg.attributes, "attributes"))
    for mix in load_mix_configs(cfg.what_if) if cfg.what_if else []:
        add_mix(mix, plan)
    if not plan.steps and plan.documents:
        plan.steps.append(Step("input", INPUT, list(plan.documents)))
    plan.thresholds.extend(thresholds_of_filter(cfg.include_filters, cfg.filters))
    plan.manifests.extend(MixManifest(path, path) for path in cfg.manifests)
    options = summary_options(cfg)
    options.duplicate_attributes = options.duplicate_attributes or list(plan.duplicate_attributes)
    options.tokenizer = options.tokenizer or plan.tokenizer
    options.mixer_tokens = plan.mixer_tokens
    if cfg.dryrun:
        print(f"documents: {len(plan.documents)} files; attributes: {len(plan.attribute_files)} files; "
              f"steps: {', '.join(s.label for s in plan.steps)}; manifests: {len(plan.manifests)}")
        return 0
    path = write_report(plan, options, RunSettings.of(cfg), cfg.html or html_path, config=config)
    print(f"[report] wrote {path}", file=sys.stderr)
    return 0


def load_pipeline(path: str) -> tuple[Any, list[tuple[str, Any]]]:
    """A pipeline config file, validated, with its validated stages."""
    from ..cli.pipeline import PipelineConfig, stage_configs
    from ..config.loader import load_config_file, resolve_interpolations
    from ..config.schema import build

    pipeline_cfg = build(PipelineConfig, resolve_interpolations(load_config_file(path)))
    return pipeline_cfg, stage_configs(pipeline_cfg)
