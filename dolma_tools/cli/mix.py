"""``dolma-tools mix``: Dolma mixer configs (``streams:``) and source-mixture configs (``sources:``)."""

from __future__ import annotations

from typing import Any

from .registry import Command, register


def run(cfg: Any) -> int:
    from mixers.command import run_mix

    return run_mix(cfg)


def _schema() -> type:
    from mixers.config import MixConfig

    return MixConfig


COMMAND = register(
    Command(
        name="mix",
        help="Filter and mix documents into training data (Dolma streams or source mixtures)",
        schema=_schema(),
        run=run,
        description="Dolma mixer configs (top-level `streams:`) filter documents by attributes with JSONPath or jq "
        "and replace spans; source-mixture configs (top-level `sources:`) sample sources to target ratios or "
        "token budgets with repetition caps, seeded and independent of --processes.",
    )
)
