"""Schemas of ``dolma-tools mix``: Dolma mixer configs (``streams``) and source mixtures (``sources``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dolma_tools.cli.options import RunOptions
from dolma_tools.config.schema import option
from dolma_tools.errors import ConfigError
from dolma_tools.io.paths import check_file_name


@dataclass(kw_only=True)
class FilterConfig:
    include: list[str] = option([], "Keep a document if any of these matches (or if there are none)")
    exclude: list[str] = option([], "Drop a document if any of these matches")
    syntax: str = option("jsonpath", "Expression syntax", choices=("jsonpath", "jq"))


@dataclass(kw_only=True)
class SpanReplacementConfig:
    span: str = option(help="JSONPath/jq of the attribute whose spans are replaced, e.g. $.attributes.pii")
    min_score: float | None = option(None, "Replace spans with score >= min_score")
    max_score: float | None = option(None, "Replace spans with score <= max_score")
    replacement: str = option("", "Replacement text; '{}' stands for the original span text")
    syntax: str = option("jsonpath", "Expression syntax", choices=("jsonpath", "jq"))


@dataclass(kw_only=True)
class OutputConfig:
    path: str = option(help="Output folder")
    max_size_in_bytes: int = option(2 * 2**30, "Maximum size of one output file (uncompressed bytes; a single "
                                    "larger document gets a file of its own)")
    discard_fields: list[str] = option([], "Top-level fields to drop from output documents")
    min_text_length: int = option(0, "Drop documents whose stripped text has fewer UTF-8 bytes than this "
                                  "(after span replacement)")

    def validate(self, prefix: str) -> None:
        if self.max_size_in_bytes <= 0:
            raise ConfigError("must be > 0", f"{prefix}.max_size_in_bytes")
        if self.min_text_length < 0:
            raise ConfigError("must be >= 0", f"{prefix}.min_text_length")


@dataclass(kw_only=True)
class CompressionConfig:
    input: str | None = option(None, "Dolma: input compression (inferred from file names)")
    output: str | None = option(None, "Dolma: output compression (inferred from file names)")


@dataclass(kw_only=True)
class StreamConfig:
    name: str = option(help="Stream name; output files are <name>-NNNN.jsonl.gz")
    documents: list[str] = option(help="Document files or globs")
    output: OutputConfig = option(help="Where and how to write")
    attributes: list[str] = option([], "Attribute set names (folders under attributes/) to join")
    filter: FilterConfig | None = option(None, "Document filter")
    span_replacement: list[SpanReplacementConfig] = option([], "Span replacements")
    compression: CompressionConfig = option(CompressionConfig(), "Dolma compression settings (accepted)")

    def validate(self, prefix: str) -> None:
        check_file_name(self.name, f"{prefix}.name")


@dataclass(kw_only=True)
class SourceConfig:
    source_name: str = option(help="Name of the source (OLMo-core's SourceMixtureConfig.source_name)",
                              aliases=("name",))
    documents: list[str] = option(help="Document files or globs", aliases=("paths",))
    attributes: list[str] = option([], "Attribute set names to join (for filters)")
    filter: FilterConfig | None = option(None, "Document filter applied before sampling")
    span_replacement: list[SpanReplacementConfig] = option([], "Span replacements applied before counting tokens")
    target_ratio: float | None = option(None, "Share of the mixture's tokens (all sources' ratios sum to 1)")
    target_tokens: int | None = option(None, "Absolute token budget for this source (instead of target_ratio)")
    max_repetition_ratio: float = option(1.0, "Upsampling cap: at most this many passes over the source (>= 1)",
                                         aliases=("repetition_factor",))
    max_source_fraction: float = option(1.0, "At most this fraction of the source's documents may be used (<= 1)",
                                        aliases=("max_source_ratio",))
    owner: str | None = option(None, "Data owner (for opt-out): sources of excluded owners are left out")

    def validate(self, prefix: str) -> None:
        check_file_name(self.source_name, f"{prefix}.source_name")
        if self.max_repetition_ratio < 1:
            raise ConfigError("must be >= 1", f"{prefix}.max_repetition_ratio")
        if not 0 < self.max_source_fraction <= 1:
            raise ConfigError("must be in (0, 1]", f"{prefix}.max_source_fraction")
        if self.target_ratio is not None and not 0 <= self.target_ratio <= 1:
            raise ConfigError("must be in [0, 1]", f"{prefix}.target_ratio")
        if self.target_ratio is not None and self.target_tokens is not None:
            raise ConfigError("set target_ratio or target_tokens, not both", f"{prefix}")


@dataclass(kw_only=True)
class MixtureOutputConfig(OutputConfig):
    path: str = option(help="Output folder (manifest.json and the mixed <source_name>-NNNN.jsonl.gz files)")
    max_size_in_bytes: int = option(1 << 30, "Maximum size of one output file (uncompressed bytes)")


@dataclass(kw_only=True)
class MixConfig(RunOptions):
    streams: list[StreamConfig] = option([], "Dolma mixer streams", cli=False)
    sources: list[SourceConfig] = option([], "Source mixture: sources with target ratios or budgets", cli=False)
    requested_tokens: int | None = option(None, "Total tokens of the mixture (source mixtures)", aliases=("max_tokens",))
    seed: int = option(42, "Sampling seed (source mixtures)")
    tokenizer: str | None = option(None, "Hugging Face tokenizer.json for exact token counts (default: built-in approximate counter)")
    output: MixtureOutputConfig | None = option(None, "Output of a source mixture")
    exclude_owners: list[str] = option([], "Opt-out: leave out every source of these data owners")
    allow_missing_attributes: bool = option(
        False, "Let filters name attributes that no attribute file carries (Dolma's behaviour: the rule matches "
        "nothing); by default that is an error")
    plan: bool = option(False, "Print the sampling plan and exit without writing")
    verify: str | None = option(None, "Re-derive the selection of this manifest.json and report differences")
    shuffle: bool = option(True, "Dolma streams: false writes one output file per input file, at "
                                 "<output.path>/documents/<path below the input's documents/ folder>")

    def validate(self, prefix: str) -> None:
        super().validate(prefix)
        if self.verify:
            return
        if bool(self.streams) == bool(self.sources):
            raise ConfigError("a mix config needs either `streams:` (Dolma mixer) or `sources:` (mixture), not "
                              f"{'both' if self.streams else 'neither'}", "streams")

    def raw(self) -> dict[str, Any]:
        from dolma_tools.config.schema import to_dict

        return to_dict(self)  # type: ignore[no-any-return]
