"""From a validated ``dedupe`` config to what the Rust core needs: mode, names, key settings."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ..io.paths import check_file_name


@dataclass(frozen=True)
class DedupeSettings:
    """One run's dedupe semantics. ``rust`` is the JSON object handed to ``_rust.DedupeRun``."""

    mode: str  # "documents", "paragraphs" or "minhash"
    name: str  # attributes/<name>/ folder
    attribute_name: str
    rust: dict[str, Any]
    document_dir: str
    file_partition: tuple[int, int] | None  # (count, index) when whole files are partitioned

    @property
    def uses_bloom_filter(self) -> bool:
        return self.mode != "minhash"

    def rust_json(self, on_error: str) -> str:
        return json.dumps({**self.rust, "on_error": on_error})

    def fingerprint(self) -> str:
        """Identifies which keys a document produces (recorded in filter checkpoints)."""
        keyed = {k: v for k, v in self.rust.items() if k != "attribute_name"}
        return hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()[:16]


def _mode_settings(section: Any) -> tuple[str, str, dict[str, Any]]:
    chosen = [m for m in ("documents", "paragraphs", "minhash") if getattr(section, m) is not None]
    if len(chosen) != 1:
        given = ", ".join(f"dedupe.{m}" for m in chosen) or "none"
        raise ConfigError(f"set exactly one of dedupe.documents, dedupe.paragraphs, dedupe.minhash (got {given})",
                          "dedupe")
    mode = chosen[0]
    if mode == "documents":
        cfg = section.documents
        _check_jsonpath(cfg.key)
        return mode, cfg.attribute_name, {"mode": "documents", "key": cfg.key}
    if mode == "paragraphs":
        cfg = section.paragraphs
        if not cfg.paragraph_separator:
            raise ConfigError("must not be empty", "dedupe.paragraphs.paragraph_separator")
        rust: dict[str, Any] = {"mode": "paragraphs", "paragraph_separator": cfg.paragraph_separator}
        ngram = cfg.by_ngram
        if ngram is not None and ngram.ngram_length > 0:
            if ngram.stride < 0 or ngram.ngram_length < 0:
                raise ConfigError("ngram_length and stride must be >= 0", "dedupe.paragraphs.by_ngram")
            if not 0.0 <= ngram.overlap_threshold <= 1.0:
                raise ConfigError("must be between 0 and 1", "dedupe.paragraphs.by_ngram.overlap_threshold")
            rust["by_ngram"] = {
                "ngram_length": ngram.ngram_length,
                "stride": ngram.stride,
                "overlap_threshold": ngram.overlap_threshold,
                "skip_short_paragraphs": ngram.skip_short_paragraphs,
            }
        return mode, cfg.attribute_name, rust
    cfg = section.minhash
    if not 0.0 < cfg.threshold < 1.0:
        raise ConfigError("must be between 0 and 1 (exclusive)", "dedupe.minhash.threshold")
    if cfg.num_perm < 2 or cfg.ngram_length < 1:
        raise ConfigError("num_perm must be >= 2 and ngram_length >= 1", "dedupe.minhash")
    rust = {"mode": "minhash", "num_perm": cfg.num_perm, "ngram_length": cfg.ngram_length,
            "threshold": cfg.threshold}
    if cfg.bands or cfg.rows:
        if cfg.bands <= 0 or cfg.rows <= 0 or cfg.bands * cfg.rows > cfg.num_perm:
            raise ConfigError(f"bands * rows must be at most num_perm ({cfg.num_perm}), both > 0", "dedupe.minhash")
        rust.update(bands=cfg.bands, rows=cfg.rows)
    return mode, cfg.attribute_name, rust


def _check_jsonpath(path: str) -> None:
    """Fail early, with the config key, on paths the Rust reader does not support."""
    import re

    if not re.fullmatch(r"\$((\.[^.\[\]*]+)|(\[\s*('[^']*'|\"[^\"]*\"|\d+)\s*\]))+", path.strip()):
        raise ConfigError(f"unsupported JSONPath {path!r}: use e.g. $.text, $.metadata.url, $['key'][0]",
                          "dedupe.documents.key")


def build_settings(section: Any) -> DedupeSettings:
    """``section`` is the validated ``dedupe`` config (``DedupeSection``)."""
    mode, attribute_name, rust = _mode_settings(section)
    if section.min_length < 0 or section.min_words < 0:
        raise ConfigError("min_length and min_words must be >= 0", "dedupe")
    name = check_file_name(section.name or attribute_name, "dedupe.name")
    file_partition = None
    if section.num_partitions < 1 or not 0 <= section.partition_index < section.num_partitions:
        raise ConfigError(f"partition_index must be in [0, num_partitions) = [0, {section.num_partitions})",
                          "dedupe.partition_index")
    if section.num_partitions > 1:
        # Dolma's naming: the folder and the attribute carry the partition index
        name = f"{name}_{section.partition_index}"
        attribute_name = f"{attribute_name}_{section.partition_index}"
        if section.file_partition:
            file_partition = (section.num_partitions, section.partition_index)
        else:
            rust["partition"] = {"count": section.num_partitions, "index": section.partition_index}
    rust.update(attribute_name=attribute_name, min_length=section.min_length, min_words=section.min_words,
                skip_empty=section.skip_empty)
    return DedupeSettings(mode=mode, name=name, attribute_name=attribute_name, rust=rust,
                          document_dir=section.document_dir, file_partition=file_partition)
