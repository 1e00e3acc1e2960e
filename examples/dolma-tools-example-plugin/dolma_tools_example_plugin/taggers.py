"""Two example taggers: a paragraph-level one with ``predict`` and a batched one with ``predict_batch``."""

from __future__ import annotations

import re

from dolma_tools import BaseTagger, DocResult, Document, Span, add_tagger

_LETTER = re.compile(r"[^\W\d_]")


@add_tagger("example_shouting_v1")
class ShoutingTagger(BaseTagger):
    """Fraction of upper-case letters in every paragraph (line), and in the document."""

    def predict(self, doc: Document) -> DocResult:
        spans: list[Span] = []
        start = 0
        for line in doc.text.split("\n"):
            end = start + len(line)
            letters = _LETTER.findall(line)
            if letters:
                upper = sum(1 for ch in letters if ch.isupper())
                spans.append(Span(start, end, "paragraph", upper / len(letters)))
            start = end + 1
        letters = _LETTER.findall(doc.text)
        upper = sum(1 for ch in letters if ch.isupper())
        spans.append(Span(0, len(doc.text), "document", upper / len(letters) if letters else 0.0))
        return DocResult(doc=doc, spans=spans)


@add_tagger("example_keyword_v1")
class KeywordTagger(BaseTagger):
    """Spans of the word ``dolma`` (any case); ``predict_batch`` shows the batched interface."""

    PATTERN = re.compile(r"\bdolma\b", re.IGNORECASE)

    @property
    def defaults(self) -> list[str]:
        return ["keyword"]  # always written, as an empty list when there is no match

    def predict(self, doc: Document) -> DocResult:
        return DocResult(doc=doc, spans=[Span(m.start(), m.end(), "keyword") for m in self.PATTERN.finditer(doc.text)])

    def predict_batch(self, docs: list[Document]) -> list[DocResult]:
        # a model-backed tagger would run one batched inference call here
        return [self.predict(doc) for doc in docs]
