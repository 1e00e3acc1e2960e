"""Token counts for the corpus summary: whitespace tokens always, tokenizer tokens with a tokenizer file."""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError

_loaded: dict[str, Any] = {}


def whitespace_tokens(text: str) -> int:
    """Whitespace-separated tokens (WIMBD's unit; not Dolma's ``whitespace_tokenizer_v1`` score)."""
    return len(text.split())


def load_tokenizer(path: str) -> Any:
    """A Hugging Face ``tokenizers`` tokenizer from a ``tokenizer.json`` (local or s3://), once per process."""
    tok = _loaded.get(path)
    if tok is not None:
        return tok
    from tokenizers import Tokenizer

    from ..io.compression import Compression
    from ..io.streams import open_read

    try:
        with open_read(path, Compression.NONE) as f:
            data = f.read().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"tokenizer file {path} does not exist (expected a Hugging Face tokenizer.json)",
                          "tokenizer") from None
    try:
        tok = Tokenizer.from_str(data)
    except Exception as exc:
        raise ConfigError(f"{path} is not a Hugging Face tokenizer.json: {exc}", "tokenizer") from None
    _loaded[path] = tok
    return tok


def count_tokens(texts: list[str], tokenizer: str | None) -> list[int]:
    """Tokens per text without special tokens; whitespace tokens when no tokenizer is configured."""
    if not tokenizer:
        return [whitespace_tokens(t) for t in texts]
    encoded = load_tokenizer(tokenizer).encode_batch(texts, add_special_tokens=False)
    return [len(e.ids) for e in encoded]


def token_unit(tokenizer: str | None) -> str:
    return f"tokens ({tokenizer.rsplit('/', 1)[-1]})" if tokenizer else "whitespace tokens"
