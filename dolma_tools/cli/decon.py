"""``dolma-tools decon``: build a decontamination filter from eval sets and tag a corpus against it."""

from __future__ import annotations

from dataclasses import dataclass

from ..config.schema import option
from .dedupe import BloomFilterConfig, DedupeSection
from .options import RunOptions
from .registry import Command, register


@dataclass(kw_only=True)
class DeconConfig(RunOptions):
    eval_documents: list[str] = option(help="Eval-set document files or globs (Dolma JSONL: id and text)")
    documents: list[str] | None = option(None, "Corpus files or globs to tag against the filter once it is built")
    dedupe: DedupeSection = option(help="What is compared: dedupe.documents (key), dedupe.paragraphs (by_ngram)")
    bloom_filter: BloomFilterConfig = option(help="The filter to build (file, estimated_doc_count, rate)")


def run(cfg: DeconConfig) -> int:
    from ..dedupe.decon import run_decon

    return run_decon(cfg)


COMMAND = register(
    Command(
        name="decon",
        help="Build a read-only decontamination filter from eval sets, then tag a corpus against it",
        schema=DeconConfig,
        run=run,
        description="Inserts the keys (documents, paragraphs or paragraph n-grams, as in `dedupe`) of every eval "
        "document into bloom_filter.file; with `documents`, then tags them against the filter read-only, writing "
        "attributes/<dedupe.name>/ files that mark contaminated documents or paragraphs. The mixer drops them.",
        epilog="example:\n  dolma-tools decon --eval_documents 'evals/documents/*.jsonl.gz' "
        "--documents 'corpus/documents/*.jsonl.gz' \\\n    --dedupe.paragraphs.attribute_name contaminated "
        "--dedupe.paragraphs.by_ngram.ngram_length 13 --dedupe.paragraphs.by_ngram.overlap_threshold 0.5 \\\n"
        "    --bloom_filter.file decon.bin --bloom_filter.estimated_doc_count 1000000 "
        "--bloom_filter.desired_false_positive_rate 1e-4",
    )
)
