"""``dolma-tools dedupe``: Bloom-filter deduplication with Dolma's config keys."""

from __future__ import annotations

from dataclasses import dataclass

from ..config.schema import option
from .options import RunOptions
from .registry import Command, register


@dataclass(kw_only=True)
class NgramConfig:
    ngram_length: int = option(0, "Words per n-gram (uniseg word segmentation, as Dolma)")
    stride: int = option(0, "Words to skip between n-grams (0: every n-gram)")
    overlap_threshold: float = option(1.0, "Fraction of a paragraph's n-grams already seen to call it a duplicate",
                                      aliases=("threshold",))
    skip_short_paragraphs: bool = option(False, "Skip paragraphs shorter than ngram_length + stride")


@dataclass(kw_only=True)
class ParagraphDedupeConfig:
    attribute_name: str = option(help="Attribute name for duplicate paragraph spans")
    by_ngram: NgramConfig | None = option(None, "Deduplicate paragraphs by n-gram overlap (BFF)")
    paragraph_separator: str = option("\n", "String separating paragraphs")


@dataclass(kw_only=True)
class DocumentDedupeConfig:
    attribute_name: str = option(help="Attribute name for duplicate documents")
    key: str = option(help="JSONPath of the value to deduplicate on, e.g. $.metadata.url or $.text")


@dataclass(kw_only=True)
class MinHashConfig:
    attribute_name: str = option("near_duplicate", "Attribute name for near-duplicate documents ([[0, len, 1]]); "
                                 "<attribute_name>_cluster holds the cluster id (ordinal of its first document)")
    num_perm: int = option(128, "MinHash permutations")
    ngram_length: int = option(5, "Words per shingle")
    threshold: float = option(0.7, "Estimated Jaccard similarity at which documents are near-duplicates (LSH bands "
                              "chosen as datasketch does; pairs at exactly this similarity are found about half the time)")
    bands: int = option(0, "LSH bands (0: chosen from threshold and num_perm, as datasketch)")
    rows: int = option(0, "LSH rows per band (0: chosen with bands)")


@dataclass(kw_only=True)
class DedupeSection:
    name: str | None = option(None, "Name of this dedupe run: the attributes/<name>/ folder (default: the attribute name)")
    documents: DocumentDedupeConfig | None = option(None, "Exact-duplicate documents by key")
    paragraphs: ParagraphDedupeConfig | None = option(None, "Duplicate paragraphs (exact or by n-grams)")
    minhash: MinHashConfig | None = option(None, "Near-duplicate documents with MinHash LSH")
    skip_empty: bool = option(False, "Skip empty documents/paragraphs")
    min_length: int = option(0, "Minimum length (characters) of a document/paragraph to be deduplicated")
    min_words: int = option(0, "Minimum number of words of a document/paragraph to be deduplicated")
    num_partitions: int = option(1, "Split the keys (or, with file_partition, the files) into this many partitions")
    partition_index: int = option(0, "Which partition this run handles, in [0, num_partitions)")
    file_partition: bool = option(False, "Partition whole files instead of keys")
    document_dir: str = option("documents", "Folder in input paths replaced by 'attributes' for outputs")


@dataclass(kw_only=True)
class BloomFilterConfig:
    file: str = option(help="Path of the Bloom filter file (read and/or written)")
    read_only: bool = option(False, "Only look keys up (decontamination); the file must exist")
    size_in_bytes: int = option(0, "Filter size in bytes (alternative to estimated_doc_count + rate)")
    estimated_doc_count: int = option(0, "Expected number of keys inserted")
    desired_false_positive_rate: float = option(0.0, "Target false-positive rate, e.g. 0.001")
    layout: str = option("blocked", "Bit layout: 'blocked' (one cache line per key, faster) or 'standard'",
                         choices=("blocked", "standard"))
    checkpoint_interval: float = option(60.0, "Seconds between filter snapshots (0: after every file); a killed run "
                                        "resumes from the last snapshot plus the files completed after it")


@dataclass(kw_only=True)
class CompressionConfig:
    input: str | None = option(None, "Dolma: input compression (inferred from file names)")
    output: str | None = option(None, "Dolma: output compression (inferred from file names)")


@dataclass(kw_only=True)
class DedupeConfig(RunOptions):
    documents: list[str] = option(help="Document files or globs to deduplicate")
    dedupe: DedupeSection = option(help="What to deduplicate")
    bloom_filter: BloomFilterConfig | None = option(None, "The Bloom filter (required except for dedupe.minhash)")
    compression: CompressionConfig = option(CompressionConfig(), "Dolma compression settings (accepted)")
    is_s3_volume: bool = option(False, "Dolma: inputs are on an S3 FUSE volume (accepted)")
    ray_partitions: int = option(0, "--executor ray: Ray actors holding the filter (or MinHash band table), each a "
                                 "contiguous part of it; 0 = one per node of the cluster")


def run(cfg: DedupeConfig) -> int:
    from ..dedupe.command import run_dedupe

    return run_dedupe(cfg)


COMMAND = register(
    Command(
        name="dedupe",
        help="Deduplicate documents or paragraphs with a Bloom filter (Rust)",
        schema=DedupeConfig,
        run=run,
        description="Mark duplicate documents (by key), duplicate paragraphs (exact or by n-gram overlap), and "
        "near-duplicates (MinHash); writes Dolma attribute files. Deterministic keep-first (sorted files, then "
        "row order) for any --processes; crash-safe: a killed run resumes with identical results.",
    )
)
