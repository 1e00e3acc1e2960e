"""Token counts with a Hugging Face ``tokenizers`` JSON file (OLMo-style budgets are counted in tokens).

``tokenizer_count_v1`` needs ``tagger_options: {tokenizer_count_v1: {tokenizer: path/to/tokenizer.json}}``;
it writes ``tokens`` for the document (special tokens not added, as Dolma's tokenizer taggers) and, with
``paragraphs: true``, ``paragraph`` counts for every non-blank paragraph. Batches are encoded in one call.
"""

from __future__ import annotations

import os

from dolma_tools import Document, add_tagger
from dolma_tools.errors import ConfigError

from ._rust_backed import BatchFirstTagger
from ._text import split_paragraphs


@add_tagger("tokenizer_count_v1")
class TokenizerCountV1(BatchFirstTagger):
    """Number of tokens of the document (tagger_options: tokenizer = a tokenizer.json file)."""

    @classmethod
    def check_options(cls, tokenizer: str | None = None, paragraphs: bool = False) -> None:
        if not tokenizer or not os.path.isfile(tokenizer):
            raise ConfigError(
                f"tokenizer_count_v1 needs a tokenizer JSON file (tagger_options: {{tokenizer_count_v1: {{tokenizer: path}}}}); "
                f"got {tokenizer!r}", "tagger_options")

    def __init__(self, tokenizer: str | None = None, paragraphs: bool = False) -> None:
        from tokenizers import Tokenizer

        self.check_options(tokenizer)
        try:
            self.tokenizer = Tokenizer.from_file(tokenizer)
        except Exception as exc:  # tokenizers raises plain Exceptions on malformed files
            raise ConfigError(f"cannot load tokenizer {tokenizer}: {exc}", "tagger_options") from None
        self.paragraphs = paragraphs

    def _count(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)] if texts else []

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        counts = self._count([d.text for d in docs])
        out: list[dict[str, list[list]]] = [{"tokens": [[0, len(d.text), float(c)]]} for d, c in zip(docs, counts)]
        if self.paragraphs:
            paras = [(i, p) for i, d in enumerate(docs) for p in split_paragraphs(d.text)]
            for (i, p), c in zip(paras, self._count([p.text for _, p in paras])):
                out[i].setdefault("paragraph", []).append([p.start, p.end, float(c)])
        return out
