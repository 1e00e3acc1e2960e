"""Entry point of ``dolma-tools mix`` (filled in by the mixer)."""

from __future__ import annotations

from .config import MixConfig


def run_mix(cfg: MixConfig) -> int:
    raise NotImplementedError("the mixer is not built yet")
