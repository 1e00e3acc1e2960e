"""``dolma-tools stats``: attribute distributions and corpus summaries (Dolma's ``stat`` keys)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config.schema import option
from ..errors import ConfigError
from .options import RunOptions
from .registry import Command, register


@dataclass(kw_only=True)
class SummaryKeys:
    """What the corpus summary counts (shared by ``stats`` and ``report``)."""

    tokenizer: str | None = option(None, "Hugging Face tokenizer.json for token counts (default: whitespace tokens)")
    duplicate_attributes: list[str] = option(
        [], "Dedupe attribute names (default: every attribute named without '__' that contains 'dup')")
    language_taggers: str = option(r"lang|cld2|cld3|lingua",
                                   "Regex on the tagger part of <exp>__<tagger>__<lang> keys that are language scores")
    language_threshold: float = option(0.5, "A document whose best language score is below this counts as 'und'")


@dataclass(kw_only=True)
class StatsConfig(RunOptions, SummaryKeys):
    attributes: list[str] = option([], "Attribute files or globs")
    documents: list[str] = option([], "Document files or globs (corpus summary; exact document-level detection)")
    report: str | None = option(None, "Folder for Dolma's summaries.jsonl.gz (default: print only)")
    bins: int = option(1000, "Histogram bins in --json and --report output")
    seed: int = option(0, "Seed (Dolma compatibility; the statistics are deterministic)")
    total: bool = option(False, "Dolma compatibility (totals and sums are always included)")
    debug: bool = option(False, "Dolma's debug switch (accepted)")
    regex: str | None = option(None, "Only attributes whose name matches this regex")
    json: str | None = option(None, "Also write the statistics as JSON to this file")
    relative_error: float = option(0.01, "Relative error of quantiles (quantile sketch accuracy)")
    histograms: bool = option(True, "Print a text histogram per attribute")
    what_if: str | None = option(None, "A mix config (or a pipeline config with mix stages): per filter rule, the "
                                 "documents and tokens it would drop alone and all rules together, without "
                                 "writing the mix")

    def validate(self, prefix: str) -> None:
        super().validate(prefix)
        dot = prefix + "." if prefix else ""
        if not 0 < self.relative_error < 0.5:
            raise ConfigError("must be in (0, 0.5)", f"{dot}relative_error")
        if self.bins < 1:
            raise ConfigError("must be >= 1", f"{dot}bins")


def run(cfg: StatsConfig) -> int:
    from ..stats.command import run_stats

    return run_stats(cfg)


COMMAND = register(
    Command(
        name="stats",
        help="Attribute statistics and corpus summaries",
        schema=StatsConfig,
        run=run,
        description="Per attribute key: count, min, max, mean, quantiles and a histogram (streaming, bounded "
        "memory, mergeable across shards), document- and span-level. With --documents: documents, characters, "
        "tokens by source and domain, duplicates and the language mix. With --what-if mix.yaml: what each filter "
        "rule of the mix would drop alone and all together (and, for source mixtures, what the sampler would "
        "then select), computed by the mixer's own code without writing the mix.",
        epilog="examples:\n  dolma-tools stats --documents 'data/documents/*.gz' "
        "--attributes 'data/attributes/*/*.gz' --json stats.json\n"
        "  dolma-tools stats --what-if mix.yaml --json what-if.json",
    )
)
