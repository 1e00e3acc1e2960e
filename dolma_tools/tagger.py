"""The tagger plugin contract (Dolma's): subclass ``BaseTagger``, implement ``predict``.

``predict_batch`` may be overridden by taggers whose model is faster on batches (fastText, Rust-backed
statistics); the runtime always calls ``predict_batch``, whose default loops over ``predict``.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from .documents import DocResult, Document, group_spans


class BaseTagger:
    """Base class of every tagger. Instances are created once per worker process."""

    #: Fields a tagger reads; informational (every Document carries metadata in dolma-tools).
    FIELDS: ClassVar[list[str]] = ["text"]

    #: One-line description shown by ``dolma-tools list``; defaults to the class docstring's first line.
    DESCRIPTION: ClassVar[str] = ""

    @property
    def defaults(self) -> list[str]:
        """Fields that are always present in the output (as empty lists when no span has that type)."""
        return []

    @classmethod
    def check_options(cls, **options) -> None:
        """Raise ``ConfigError`` if these constructor options cannot work (a missing model file, say).

        Called once in the main process before any work, with the tagger's ``tagger_options``; cheap checks
        only (no model loading). The default accepts everything.
        """

    @abstractmethod
    def predict(self, doc: Document) -> DocResult:
        raise NotImplementedError

    def predict_batch(self, docs: list[Document]) -> list[DocResult]:
        return [self.predict(doc) for doc in docs]

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        """Grouped attribute values of each document, as written to the attribute file.

        The runtime calls this. The default is ``predict_batch`` + ``group_output``; taggers whose core
        computes grouped values directly (the Rust-backed built-ins) override it to skip ``Span`` objects.
        """
        return [self.group_output(result) for result in self.predict_batch(docs)]

    def group_output(self, result: DocResult) -> dict[str, list[list]]:
        """Spans grouped by type, as ``{type: [[start, end, score], ...]}`` (scores rounded)."""
        return group_spans(result.spans, self.defaults)

    @classmethod
    def describe(cls) -> str:
        if cls.DESCRIPTION:
            return cls.DESCRIPTION
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


class BaseTaggerWithMetadata(BaseTagger):
    """Dolma's name for taggers that read ``doc.metadata``; every dolma-tools Document carries it."""

    FIELDS: ClassVar[list[str]] = ["text", "metadata"]
