"""Entry point of ``dolma-tools mix``: Dolma streams, source mixtures, or ``--verify`` of a manifest."""

from __future__ import annotations

from .config import MixConfig


def run_mix(cfg: MixConfig) -> int:
    cfg.apply_environment()
    if cfg.verify:
        from .verify import verify_manifest

        return verify_manifest(cfg.verify, cfg)
    if cfg.streams:
        from .streams import run_streams

        return run_streams(cfg)
    from .mixture import run_mixture

    return run_mixture(cfg)
