"""Repetition taggers without regex back-references (Dolma's ``repetitions_v1`` uses ``(.+?)(\\s?\\1){3,}``,
which backtracks catastrophically on long inputs). The Rust core finds, in linear time per unit length,
units of 1-100 characters repeated at least 4 times in a row (the last copy may lack its final character,
so "ha ha ha ha" counts); whitespace-only units are ignored. Fields are Dolma's: ``repetition`` spans
(score: times repeated), ``doc_max_score_repetition``, ``doc_max_length_repetition``, ``doc_frac_repetition``.
"""

from __future__ import annotations

from dolma_tools import add_tagger

from ._rust_backed import RustTagger


@add_tagger("repetitions_v2")
class RepetitionsV2(RustTagger):
    """Repeated character sequences (unit <= 100 chars, >= 4 times) and document statistics."""

    RUST_NAME = "repetitions_v2"


@add_tagger("paragraph_repetitions_v2")
class ParagraphRepetitionsV2(RustTagger):
    """Like repetitions_v2, searched within each paragraph (a repetition never crosses a newline)."""

    RUST_NAME = "paragraph_repetitions_v2"
