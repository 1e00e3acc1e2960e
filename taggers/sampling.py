"""Seeded random numbers per document, for Dolma-style ``random < p`` sampling filters."""

from __future__ import annotations

import xxhash

from dolma_tools import BaseTagger, DocResult, Document, Span, add_tagger
from dolma_tools.tagging import run_seed

_SCALE = float(1 << 53)


def uniform_from(seed: int, doc_id: str) -> float:
    """A number in [0, 1) fixed by (seed, document id): the same on every machine, process and rerun."""
    h = xxhash.xxh3_64_intdigest(doc_id.encode("utf-8"), seed=seed & 0xFFFFFFFFFFFFFFFF)
    return (h >> 11) / _SCALE


@add_tagger("random_number_v1")
class RandomNumberV1(BaseTagger):
    """A uniform number in [0, 1) per document, from the run seed (`--seed`) and the document id.

    Dolma seeds this tagger with the process id, so its samples change with --processes; ours do not.
    """

    def __init__(self) -> None:
        self.seed = run_seed()

    def predict(self, doc: Document) -> DocResult:
        return DocResult(doc=doc, spans=[Span(0, len(doc.text), "random", uniform_from(self.seed, doc.id))])
