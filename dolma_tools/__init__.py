"""dolma-tools: fast, resumable, Dolma-compatible tagging, deduplication and mixing of LM training data.

The plugin contract is Dolma's::

    from dolma_tools import BaseTagger, DocResult, Document, Span, add_tagger

    @add_tagger("my_tagger")
    class MyTagger(BaseTagger):
        def predict(self, doc: Document) -> DocResult:
            return DocResult(doc=doc, spans=[Span(start=0, end=len(doc.text), type="length", score=len(doc.text))])
"""

from .documents import DocResult, Document, DocumentWithMetadata, Span
from .registry import add_tagger
from .tagger import BaseTagger, BaseTaggerWithMetadata

__version__ = "0.1.0"

__all__ = [
    "BaseTagger",
    "BaseTaggerWithMetadata",
    "DocResult",
    "Document",
    "DocumentWithMetadata",
    "Span",
    "__version__",
    "add_tagger",
]
