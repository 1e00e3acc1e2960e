"""Bloom filter files on local disk or S3, and the checkpoint record stored inside them.

The filter file's metadata (see ``rust_ext/src/bloom/file.rs``) holds a JSON record of which input
files' keys the bits contain (``covered``, in commit order, each with the fingerprint of the dedupe
settings that produced its keys). Bits and record are written in one atomic replace, so they can
never disagree: that is what makes resuming after a crash exact (see ``plan.py``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from .. import __version__, fault_hooks
from .._rust import BloomFilter, bloom_optimal_shape, bloom_shape
from ..errors import ConfigError, DolmaToolsError
from ..io.atomic import atomic_write, disk_full_error
from ..io.compression import Compression
from ..io.paths import exists, is_s3
from ..io.streams import open_raw_read

CHECKPOINT_FORMAT = 1
#: Filters sized from a count are never smaller than this (Dolma's smallest size too): estimated counts
#: are often low (Dolma's own test configs say 1,000 for 3,000+ n-grams), and 1 MiB costs nothing.
MIN_SIZED_BYTES = 1 << 20
_KEY = "dolma_tools"


@dataclass
class Checkpoint:
    """Which files' keys are in a filter's bits."""

    covered: list[tuple[str, str]] = field(default_factory=list)  # (input path, settings fingerprint)
    purpose: str = "dedupe"
    other: dict[str, Any] = field(default_factory=dict)  # metadata written by others, kept as is

    @classmethod
    def from_metadata(cls, text: str, where: str) -> "Checkpoint":
        if not text:
            return cls()
        try:
            data = json.loads(text)
            record = data.pop(_KEY, {})
            covered = [(str(p), str(fp)) for p, fp in record.get("covered", [])]
        except (ValueError, TypeError, AttributeError) as exc:
            raise DolmaToolsError(f"{where}: unreadable checkpoint record in the filter metadata: {exc}") from None
        return cls(covered=covered, purpose=str(record.get("purpose", "dedupe")), other=data)

    def to_metadata(self) -> str:
        record = {"checkpoint_format": CHECKPOINT_FORMAT, "tool": f"dolma-tools {__version__}",
                  "purpose": self.purpose, "covered": [list(c) for c in self.covered]}
        return json.dumps({**self.other, _KEY: record}, ensure_ascii=False)

    def covered_paths(self) -> dict[str, str]:
        return dict(self.covered)


def filter_exists(path: str) -> bool:
    return exists(path)


def load_filter(path: str, read_only: bool) -> tuple[BloomFilter, Checkpoint]:
    """Load (read-only filters are memory-mapped when local); errors name the file and the problem."""
    try:
        if is_s3(path):
            with open_raw_read(path) as f:
                data = f.read()
            bloom = BloomFilter.from_bytes(data, read_only=read_only, name=path)
        else:
            bloom = BloomFilter.load(path, read_only=read_only)
    except OSError as exc:
        raise DolmaToolsError(f"cannot load the Bloom filter: {exc}") from None
    return bloom, Checkpoint.from_metadata(bloom.metadata, path)


def _filter_arguments(cfg: Any) -> dict[str, Any]:
    """``BloomFilter(...)`` arguments for ``bloom_filter.size_in_bytes`` or the count and rate."""
    if cfg.size_in_bytes > 0:
        return {"size_in_bytes": cfg.size_in_bytes, "estimated_doc_count": max(cfg.estimated_doc_count, 0),
                "layout": cfg.layout}
    if cfg.estimated_doc_count <= 0 or not 0 < cfg.desired_false_positive_rate < 1:
        raise ConfigError("either bloom_filter.size_in_bytes or both bloom_filter.estimated_doc_count and "
                          "bloom_filter.desired_false_positive_rate (between 0 and 1) must be set", "bloom_filter")
    bits, _ = bloom_optimal_shape(cfg.estimated_doc_count, cfg.desired_false_positive_rate, cfg.layout)
    if bits // 8 < MIN_SIZED_BYTES:
        return {"size_in_bytes": MIN_SIZED_BYTES, "estimated_doc_count": cfg.estimated_doc_count, "layout": cfg.layout}
    return {"estimated_doc_count": cfg.estimated_doc_count,
            "desired_false_positive_rate": cfg.desired_false_positive_rate, "layout": cfg.layout}


def new_filter(cfg: Any) -> BloomFilter:
    """An empty filter sized by ``bloom_filter.size_in_bytes`` or by the count and rate."""
    return BloomFilter(**_filter_arguments(cfg))


def new_filter_shape(cfg: Any) -> tuple[int, int]:
    """(num_bits, num_hashes) of ``new_filter(cfg)``, without allocating it."""
    return bloom_shape(**_filter_arguments(cfg))  # type: ignore[no-any-return]


def save_filter(bloom: Any, checkpoint: Checkpoint, path: str) -> None:
    """Atomically replace the filter file (bits and checkpoint record together)."""
    if hasattr(bloom, "save_file"):  # a filter held in partitions on a cluster (see ``distributed``)
        bloom.save_file(path, checkpoint.to_metadata())
        return
    bloom.metadata = checkpoint.to_metadata()
    if is_s3(path):
        with atomic_write(path, Compression.NONE) as sink:
            sink.write(bloom.to_bytes())
        return
    try:
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        fault_hooks.reserve(bloom.info()["size_in_bytes"])
        bloom.save(path)
    except OSError as exc:
        full = disk_full_error(path, exc)
        if full is None:
            raise
        raise full from None
