"""Deduplication driven by the Rust core: exact documents and paragraphs (Bloom filter), paragraph
n-gram overlap, near-duplicates (MinHash LSH) and decontamination against a read-only filter.

``command.run_dedupe`` is ``dolma-tools dedupe``; ``decon.run_decon`` is ``dolma-tools decon``.
The resume rules are in ``plan``, the commit loop in ``engine``, filter files in ``filter_store``.
"""
