"""Counting tokens for token budgets: exact with a Hugging Face ``tokenizer.json``, or approximate.

The built-in approximate counter is ``ceil(UTF-8 bytes / 4)`` per document: BPE tokenizers of the GPT-2/
cl100k family average about 4 bytes per token on English prose. Against GPT-NeoX's tokenizer on the 30
Common Crawl documents of Dolma's test data it overcounts by 11% (median), with a mean absolute error of
15% per document. It is fast and needs no file; budgets in real tokens need
``tokenizer: path/to/tokenizer.json``. Counts exclude special tokens (no BOS/EOS).
"""

from __future__ import annotations

import hashlib
from typing import Any

from dolma_tools.errors import ConfigError

APPROX_RULE = "ceil(utf8_bytes / 4)"
APPROX_BYTES_PER_TOKEN = 4


class TokenCounter:
    """Counts the tokens of texts, in batches (the Hugging Face tokenizer encodes a batch in parallel)."""

    def __init__(self, tokenizer_path: str | None = None) -> None:
        self.path = tokenizer_path
        self._tok: Any = None
        if tokenizer_path:
            self._tok = load_tokenizer(tokenizer_path)

    def count(self, texts: list[str]) -> list[int]:
        if self._tok is None:
            return [-(-len(t.encode("utf-8")) // APPROX_BYTES_PER_TOKEN) for t in texts]
        return [len(e.ids) for e in self._tok.encode_batch(texts, add_special_tokens=False)]

    def describe(self) -> dict[str, Any]:
        if self.path is None:
            return {"kind": "approximate", "rule": APPROX_RULE}
        return {"kind": "huggingface", "path": self.path, "sha256": file_sha256(self.path),
                "vocab_size": self._tok.get_vocab_size()}


def load_tokenizer(path: str) -> Any:
    from tokenizers import Tokenizer

    from dolma_tools.io.streams import open_read

    try:
        with open_read(path) as f:
            data = f.read()
    except FileNotFoundError:
        raise ConfigError(f"tokenizer file {path} does not exist (give a Hugging Face tokenizer.json)", "tokenizer") from None
    try:
        return Tokenizer.from_str(data.decode("utf-8"))
    except Exception as exc:
        raise ConfigError(f"{path} is not a Hugging Face tokenizer.json: {exc}", "tokenizer") from None


def file_sha256(path: str) -> str:
    from dolma_tools.io.streams import open_read

    h = hashlib.sha256()
    with open_read(path) as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
