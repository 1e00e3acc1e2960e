"""``dolma-tools stats``: attribute distributions and corpus summaries (Dolma's ``stat`` keys)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config.schema import option
from .options import RunOptions
from .registry import Command, register


@dataclass(kw_only=True)
class StatsConfig(RunOptions):
    attributes: list[str] = option([], "Attribute files or globs")
    documents: list[str] = option([], "Document files or globs (corpus summary)")
    report: str | None = option(None, "Where to write the report (default: print)")
    bins: int = option(1000, "Histogram bins")
    seed: int = option(0, "Seed (Dolma compatibility)")
    total: bool = option(False, "Include total count and sum")
    debug: bool = option(False, "Dolma's debug switch (accepted)")
    regex: str | None = option(None, "Only attributes whose name matches this regex")
    json: str | None = option(None, "Also write the statistics as JSON to this file")


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
        "memory, mergeable across shards), document- and span-level.",
    )
)
