"""Length taggers: characters, bytes, whitespace tokens; document- and paragraph-level (Dolma-compatible)."""

from __future__ import annotations

import re

from dolma_tools import BaseTagger, DocResult, Document, Span, add_tagger

from ._text import split_paragraphs

# Dolma counts len(regex.split(r"\w+|[^\w\s]+", text)): the number of word/punctuation runs plus one.
_TOKEN_RUN = re.compile(r"\w+|[^\w\s]+")


def whitespace_token_count(text: str) -> int:
    """Dolma's whitespace_tokenizer_v1 score (kept bug-for-bug: the pieces between token runs)."""
    return sum(1 for _ in _TOKEN_RUN.finditer(text)) + 1


@add_tagger("char_length_v1")
class CharLengthV1(BaseTagger):
    """Document length in characters (code points)."""

    def predict(self, doc: Document) -> DocResult:
        n = len(doc.text)
        return DocResult(doc=doc, spans=[Span(0, n, "length", n)])


@add_tagger("char_length_strip_ws_v1")
class CharLengthStripWsV1(BaseTagger):
    """Document length in characters after stripping surrounding whitespace."""

    def predict(self, doc: Document) -> DocResult:
        return DocResult(doc=doc, spans=[Span(0, len(doc.text), "length_no_ws", len(doc.text.strip()))])


@add_tagger("bytes_length_v1")
class BytesLengthV1(BaseTagger):
    """Document length in UTF-8 bytes."""

    def predict(self, doc: Document) -> DocResult:
        return DocResult(doc=doc, spans=[Span(0, len(doc.text), "bytes", len(doc.text.encode("utf-8")))])


@add_tagger("doc_count_v1")
class DocCountV1(BaseTagger):
    """Constant 1 per document (for counting in stats)."""

    def predict(self, doc: Document) -> DocResult:
        return DocResult(doc=doc, spans=[Span(0, len(doc.text), "docs", 1)])


@add_tagger("char_length_with_paragraphs_v1")
class CharLengthWithParagraphsV1(BaseTagger):
    """Character length of every paragraph (line) and of the document."""

    def predict(self, doc: Document) -> DocResult:
        spans = [Span(p.start, p.end, "paragraph", p.end - p.start) for p in split_paragraphs(doc.text)]
        spans.append(Span(0, len(doc.text), "document", len(doc.text)))
        return DocResult(doc=doc, spans=spans)


@add_tagger("whitespace_tokenizer_v1")
class WhitespaceTokenizerV1(BaseTagger):
    """Whitespace/punctuation token count of the document (Dolma's definition)."""

    def predict(self, doc: Document) -> DocResult:
        return DocResult(doc=doc, spans=[Span(0, len(doc.text), "length", whitespace_token_count(doc.text))])


@add_tagger("whitespace_tokenizer_with_paragraphs_v1")
class WhitespaceTokenizerWithParagraphsV1(BaseTagger):
    """Whitespace/punctuation token counts per paragraph, and their sum for the document."""

    def predict(self, doc: Document) -> DocResult:
        spans = [
            Span(p.start, p.end, "paragraph", whitespace_token_count(p.text)) for p in split_paragraphs(doc.text)
        ]
        spans.append(Span(0, len(doc.text), "document", sum(s.score for s in spans)))
        return DocResult(doc=doc, spans=spans)
