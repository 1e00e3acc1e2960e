"""Length taggers: characters, bytes, whitespace tokens; document- and paragraph-level (Dolma-compatible)."""

from __future__ import annotations

from dolma_tools import BaseTagger, DocResult, Document, Span, add_tagger

from ._rust_backed import RustTagger


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
class CharLengthWithParagraphsV1(RustTagger):
    """Character length of every non-blank paragraph (line) and of the document."""

    RUST_NAME = "char_length_with_paragraphs_v1"


@add_tagger("whitespace_tokenizer_v1")
class WhitespaceTokenizerV1(RustTagger):
    """Word and punctuation runs plus one (Dolma's whitespace tokenizer count, `regex` package classes)."""

    RUST_NAME = "whitespace_tokenizer_v1"


@add_tagger("whitespace_tokenizer_with_paragraphs_v1")
class WhitespaceTokenizerWithParagraphsV1(RustTagger):
    """Dolma's whitespace tokenizer count of every non-blank paragraph, and their sum for the document."""

    RUST_NAME = "whitespace_tokenizer_with_paragraphs_v1"
