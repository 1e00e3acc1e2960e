"""Counting tokens, one way for the whole project (mixer budgets and manifests, statistics, the report).

Three units:

- a Hugging Face ``tokenizer.json`` (``TokenCounter(path)``): exact token counts, special tokens excluded;
- the built-in approximation (``TokenCounter(None)``), ``ceil(UTF-8 bytes / 4)`` per document: BPE tokenizers
  of the GPT-2/cl100k family average about 4 bytes per token on English prose. Against GPT-NeoX's tokenizer
  on the 30 Common Crawl documents of Dolma's test data it overcounts by 11% (median), with a mean absolute
  error of 15% per document. It is fast and needs no file; this is what the mixer counts unless the config
  names a tokenizer;
- whitespace tokens (``whitespace_tokens``), WIMBD's unit, shown by the corpus summary next to the others.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .errors import ConfigError

APPROX_RULE = "ceil(utf8_bytes / 4)"
APPROX_BYTES_PER_TOKEN = 4
APPROX_UNIT = "tokens (~ UTF-8 bytes / 4)"
WHITESPACE_UNIT = "whitespace tokens"

_loaded: dict[str, Any] = {}
_counters: dict[str | None, "TokenCounter"] = {}


def load_tokenizer(path: str) -> Any:
    """A ``tokenizers`` tokenizer from a ``tokenizer.json`` (local or s3://), loaded once per process."""
    tok = _loaded.get(path)
    if tok is not None:
        return tok
    from tokenizers import Tokenizer

    from .io.streams import open_read

    try:
        with open_read(path) as f:
            data = f.read()
    except FileNotFoundError:
        raise ConfigError(f"tokenizer file {path} does not exist (give a Hugging Face tokenizer.json)",
                          "tokenizer") from None
    try:
        tok = Tokenizer.from_str(data.decode("utf-8"))
    except Exception as exc:  # tokenizers raises plain Exceptions on malformed files
        raise ConfigError(f"{path} is not a Hugging Face tokenizer.json: {exc}", "tokenizer") from None
    _loaded[path] = tok
    return tok


class TokenCounter:
    """Counts the tokens of texts, in batches (the Hugging Face tokenizer encodes a batch in parallel)."""

    def __init__(self, tokenizer_path: str | None = None) -> None:
        self.path = tokenizer_path
        self._tok: Any = load_tokenizer(tokenizer_path) if tokenizer_path else None

    def count(self, texts: list[str]) -> list[int]:
        if self._tok is None:
            return [-(-len(t.encode("utf-8")) // APPROX_BYTES_PER_TOKEN) for t in texts]
        return [len(e.ids) for e in self._tok.encode_batch(texts, add_special_tokens=False)]

    @property
    def unit(self) -> str:
        """How the counts read in a table header."""
        return token_unit(self.path)

    def describe(self) -> dict[str, Any]:
        """What a manifest records about the counter."""
        if self.path is None:
            return {"kind": "approximate", "rule": APPROX_RULE}
        return {"kind": "huggingface", "path": self.path, "sha256": file_sha256(self.path),
                "vocab_size": self._tok.get_vocab_size()}


def counter_for(tokenizer: str | None) -> TokenCounter:
    """One counter per tokenizer per worker process (loading a tokenizer.json takes a moment)."""
    counter = _counters.get(tokenizer)
    if counter is None:
        counter = _counters[tokenizer] = TokenCounter(tokenizer)
    return counter


def token_unit(tokenizer: str | None) -> str:
    """The unit of ``TokenCounter(tokenizer)``'s counts."""
    return f"tokens ({tokenizer.rsplit('/', 1)[-1]})" if tokenizer else APPROX_UNIT


def whitespace_tokens(text: str) -> int:
    """Whitespace-separated tokens (WIMBD's unit; not Dolma's ``whitespace_tokenizer_v1`` score)."""
    return len(text.split())


def file_sha256(path: str) -> str:
    from .io.streams import open_read

    h = hashlib.sha256()
    with open_read(path) as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
