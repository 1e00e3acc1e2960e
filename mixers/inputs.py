"""Helpers shared by streams and mixtures: input expansion, work folders, fingerprints."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from dolma_tools.cli.tag import expand_documents
from dolma_tools.errors import ConfigError
from dolma_tools.io.paths import join


def expand(patterns: list[str], key: str) -> list[str]:
    """Files matching the globs (sorted per glob, each once); an error naming ``key`` if there are none."""
    try:
        return expand_documents(patterns)
    except ConfigError as exc:
        raise ConfigError(str(exc).split(": ", 1)[-1], key) from None


def work_root(cfg: Any, output_dir: str) -> str:
    """Where staged parts and indexes live: ``work_dir.output`` or a hidden folder in the output."""
    return cfg.work_dir.output or join(output_dir, ".dolma-tools")


def fingerprint(*items: Any) -> str:
    """A short stable hash of plain data, naming work folders so that a changed config never reuses them."""
    return hashlib.sha256(orjson.dumps(items, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:16]
