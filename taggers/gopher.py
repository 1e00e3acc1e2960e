"""Gopher quality statistics (Rae et al., 2021, appendix A): Dolma-compatible, paper-exact, and rules.

- ``gopher_v1``: Dolma 1.2.1's statistics and field names, value for value (median word length, only
  ``…`` as ellipsis, ``*``/``-`` bullets, duplicate n-gram characters counted once per overlapping
  occurrence, every line including empty ones).
- ``gopher_v2``: the paper's definitions: mean word length, ``#`` and ``...``/``…`` ratios, more bullet
  marks, non-empty lines, duplicate lines/paragraphs counted after their first occurrence, duplicate
  n-gram characters counted once. (Dolma's own ``gopher_v2`` is ``gopher_v1`` with empty lines ignored;
  see docs/compatibility.md.)
- ``gopher_rules_v1``: one document-level pass (1) / fail (0) per rule of the paper, with its thresholds,
  and ``pass`` for all rules together.
"""

from __future__ import annotations

from typing import Callable

from dolma_tools import Document, add_tagger

from ._rust_backed import BatchFirstTagger, RustTagger, tag_texts


@add_tagger("gopher_v1")
class GopherV1(RustTagger):
    """Gopher statistics exactly as Dolma 1.2.1's gopher_v1 computes them."""

    RUST_NAME = "gopher_v1"


@add_tagger("gopher_v2")
class GopherV2(RustTagger):
    """Gopher statistics with the paper's definitions (mean word length, ... and …, • bullets)."""

    RUST_NAME = "gopher_v2"


def _value(stats: dict[str, list[list]], field: str, default: float = 0.0) -> float:
    values = stats.get(field)
    return values[0][2] if values else default


Rule = Callable[[dict[str, list[list]]], bool]

#: The paper's quality filters (Rae et al. 2021, A.1.1); each returns True when the document passes.
GOPHER_RULES: dict[str, Rule] = {
    "word_count": lambda s: 50 <= _value(s, "word_count") <= 100_000,
    "mean_word_length": lambda s: 3 <= _value(s, "mean_word_length") <= 10,
    "hash_to_word_ratio": lambda s: _value(s, "hash_to_word_ratio") <= 0.1,
    "ellipsis_to_word_ratio": lambda s: _value(s, "ellipsis_to_word_ratio") <= 0.1,
    "bullet_lines": lambda s: _value(s, "fraction_of_lines_starting_with_bullet_point") <= 0.9,
    "ellipsis_lines": lambda s: _value(s, "fraction_of_lines_ending_with_ellipsis") <= 0.3,
    "alpha_words": lambda s: _value(s, "fraction_of_words_with_alpha_character") >= 0.8,
    "stop_words": lambda s: _value(s, "required_word_count") >= 2,
    "duplicate_lines": lambda s: _value(s, "fraction_of_duplicate_lines") <= 0.3,
    "duplicate_paragraphs": lambda s: _value(s, "fraction_of_duplicate_paragraphs") <= 0.3,
    "duplicate_line_characters": lambda s: _value(s, "fraction_of_characters_in_duplicate_lines") <= 0.2,
    "duplicate_paragraph_characters": lambda s: _value(s, "fraction_of_characters_in_duplicate_paragraphs")
    <= 0.2,
    **{
        f"top_{n}gram": (lambda n, t: lambda s: _value(s, f"fraction_of_characters_in_most_common_{n}grams") <= t)(
            n, t
        )
        for n, t in ((2, 0.20), (3, 0.18), (4, 0.16))
    },
    **{
        f"duplicate_{n}grams": (lambda n, t: lambda s: _value(s, f"fraction_of_characters_in_duplicate_{n}grams") <= t)(
            n, t
        )
        for n, t in ((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10))
    },
}


@add_tagger("gopher_rules_v1")
class GopherRulesV1(BatchFirstTagger):
    """Pass (1) or fail (0) per Gopher paper rule with the paper's thresholds, and `pass` for all of them."""

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        out = []
        for doc, stats in zip(docs, tag_texts("gopher_v2", [d.text for d in docs])):
            n = len(doc.text)
            verdicts = {name: rule(stats) for name, rule in GOPHER_RULES.items()}
            grouped = {name: [[0, n, float(ok)]] for name, ok in verdicts.items()}
            grouped["pass"] = [[0, n, float(all(verdicts.values()))]]
            out.append(grouped)
        return out
