"""``dolma-tools report``: a self-contained HTML page about a pipeline run (or any documents/attributes)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config.schema import option
from ..errors import ConfigError
from .options import RunOptions
from .registry import Command, register
from .stats import SummaryKeys


@dataclass(kw_only=True)
class ReportConfig(RunOptions, SummaryKeys):
    pipeline: str | None = option(None, "A pipeline config (YAML/JSON): report on its stages' outputs")
    html: str | None = option(None, "Where to write the page (default: <pipeline output>/report.html or report.html)")
    title: str | None = option(None, "Page title")
    documents: list[str] = option([], "Document files or globs (in addition to the pipeline's)")
    attributes: list[str] = option([], "Attribute files or globs (in addition to the pipeline's)")
    manifests: list[str] = option([], "Mix manifest.json files: per-source shares against targets")
    filters: list[str] = option([], "Exclude-filter expressions whose thresholds are drawn on the histograms")
    include_filters: list[str] = option([], "Include-filter expressions whose thresholds are drawn on the histograms")
    what_if: str | None = option(None, "A mix config (or a pipeline config with mix stages): report its inputs and "
                                 "what each filter rule would drop, without writing the mix")

    def validate(self, prefix: str) -> None:
        super().validate(prefix)
        if not (self.pipeline or self.documents or self.attributes or self.manifests or self.what_if):
            raise ConfigError("nothing to report on: give --pipeline, --documents, --attributes, --manifests or "
                              "--what-if", "pipeline")


def run(cfg: ReportConfig) -> int:
    from ..stats.command import run_report

    return run_report(cfg)


COMMAND = register(
    Command(
        name="report",
        help="Write an HTML report (funnel, corpus, attribute histograms, mix shares) of a pipeline run",
        schema=ReportConfig,
        run=run,
        description="One self-contained HTML page with embedded plots: documents and tokens through each stage, "
        "corpus counts by source and domain, duplicates, languages, attribute histograms with the mix's filter "
        "thresholds, what each filter rule of a mix drops, and per-source shares of a mix against its targets. "
        "`dolma-tools pipeline` writes it to <output>/report.html at the end.",
        epilog="examples:\n  dolma-tools report --pipeline configs/quickstart.yaml\n"
        "  dolma-tools report --documents 'data/documents/*.gz' --attributes 'data/attributes/*/*.gz' "
        "--filters '$.attributes[?(@.x__y__z[0][2] > 0.5)]' --html report.html\n"
        "  dolma-tools report --what-if mix.yaml --html what-if.html",
    )
)
