"""Base class of built-in taggers whose statistics are computed by the Rust core (``dolma_tools._rust``).

The Rust core returns grouped, rounded attribute values for a whole batch, so ``tag_batch`` (what the
runtime calls) skips Python ``Span`` objects; ``predict`` builds the same values as spans for API users.
"""

from __future__ import annotations

from typing import ClassVar

from dolma_tools import BaseTagger, DocResult, Document, Span
from dolma_tools._rust import tag_texts


def spans_from_grouped(grouped: dict[str, list[list]]) -> list[Span]:
    return [Span(start, end, field, score) for field, values in grouped.items() for start, end, score in values]


class RustTagger(BaseTagger):
    """Subclasses set ``RUST_NAME``, the tagger's name in the Rust catalogue."""

    RUST_NAME: ClassVar[str]

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        return tag_texts(self.RUST_NAME, [doc.text for doc in docs])

    def predict(self, doc: Document) -> DocResult:
        return DocResult(doc=doc, spans=spans_from_grouped(tag_texts(self.RUST_NAME, [doc.text])[0]))

    def predict_batch(self, docs: list[Document]) -> list[DocResult]:
        return [DocResult(doc=d, spans=spans_from_grouped(g)) for d, g in zip(docs, self.tag_batch(docs))]
