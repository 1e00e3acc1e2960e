"""Base classes of built-in taggers that produce grouped attribute values for a whole batch at once.

The runtime calls ``tag_batch``; these taggers implement it directly (mostly in the Rust core,
``dolma_tools._rust``), skipping Python ``Span`` objects, and derive ``predict``/``predict_batch`` from it
so API users get the very same values as spans.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from dolma_tools import BaseTagger, DocResult, Document, Span
from dolma_tools._rust import tag_texts


def spans_from_grouped(grouped: dict[str, list[list]] | None) -> list[Span]:
    return [Span(start, end, field, score) for field, values in (grouped or {}).items() for start, end, score in values]


class BatchFirstTagger(BaseTagger):
    """Subclasses implement ``tag_batch``; ``predict`` and ``predict_batch`` are derived from it."""

    @abstractmethod
    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        raise NotImplementedError

    def predict(self, doc: Document) -> DocResult:
        return DocResult(doc=doc, spans=spans_from_grouped(self.tag_batch([doc])[0]))

    def predict_batch(self, docs: list[Document]) -> list[DocResult]:
        return [DocResult(doc=d, spans=spans_from_grouped(g)) for d, g in zip(docs, self.tag_batch(docs))]


class RustTagger(BatchFirstTagger):
    """A tagger of the Rust catalogue; subclasses set ``RUST_NAME``, its name there."""

    RUST_NAME: ClassVar[str]

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        return tag_texts(self.RUST_NAME, [doc.text for doc in docs])
