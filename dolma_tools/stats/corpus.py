"""WIMBD-style corpus counts: documents, characters, whitespace tokens and tokenizer tokens, by source and by
domain; duplicates from dedupe attributes; the language mix from language-ID attributes.

Which attributes count as dedupe or language attributes is configurable (``SummaryOptions``); the defaults
follow Dolma's naming:

- dedupe attributes are used under their configured ``attribute_name`` as is (no ``__``), e.g.
  ``bff_duplicate_paragraph_spans``; by default every such name containing ``dup`` is one. A span marks
  duplicate text; a span over the whole text marks a duplicate document.
- language attributes are ``<experiment>__<tagger>__<field>`` keys whose tagger matches
  ``lang|cld2|cld3|lingua`` (``ft_lang_id_en_doc_v2``, ``cld2_en_doc_v2`` ...); the field is the language
  code (``doc_`` prefixes are dropped, ``not_*`` fields ignored). A document's language is the field with
  the highest document-level score, or ``und`` when that score is below ``language_threshold``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..tokens import WHITESPACE_UNIT, counter_for, token_unit, whitespace_tokens
from .topk import TopCounter

UNDETERMINED = "und"
NO_URL = "(no url)"
NO_SOURCE = "(no source)"


@dataclass
class SummaryOptions:
    """What the corpus summary looks for (all picklable: shipped to worker processes)."""

    duplicate_attributes: list[str] = field(default_factory=list)
    language_taggers: str = r"lang|cld2|cld3|lingua"
    language_threshold: float = 0.5
    tokenizer: str | None = None
    #: Without a tokenizer, count tokens as the mixer does (its approximation) rather than whitespace tokens,
    #: so that a pipeline report's numbers read in the unit of its mix manifests.
    mixer_tokens: bool = False
    domain_capacity: int = 10_000

    @property
    def whitespace_only(self) -> bool:
        """Tokens are whitespace tokens (no tokenizer, no mixer units)."""
        return not self.tokenizer and not self.mixer_tokens

    @property
    def token_unit(self) -> str:
        return WHITESPACE_UNIT if self.whitespace_only else token_unit(self.tokenizer)

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens per text in this summary's unit."""
        if self.whitespace_only:
            return [whitespace_tokens(t) for t in texts]
        return counter_for(self.tokenizer).count(texts)

    def is_duplicate_key(self, key: str) -> bool:
        if self.duplicate_attributes:
            return key in self.duplicate_attributes
        return "__" not in key and "dup" in key.lower()

    def language_of_key(self, key: str) -> tuple[str, str] | None:
        """``(tagger key, language)`` for a language attribute key, else None."""
        parts = key.split("__")
        if len(parts) != 3 or not re.search(self.language_taggers, parts[1]):
            return None
        lang = parts[2].removeprefix("doc_")
        if lang.startswith("not_") or not lang:
            return None
        return f"{parts[0]}__{parts[1]}", lang


def domain_of(url: Any) -> str:
    """Host name of a URL, lower-cased, without a leading ``www.``."""
    if not isinstance(url, str) or not url:
        return NO_URL
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        host = None
    if not host:
        return NO_URL
    return host.removeprefix("www.")


@dataclass
class DuplicateCounts:
    """Documents wholly marked, documents with any marked span, and characters marked, for one dedupe key."""

    docs: int = 0
    docs_with_spans: int = 0
    chars: int = 0

    def merge(self, other: "DuplicateCounts") -> None:
        self.docs += other.docs
        self.docs_with_spans += other.docs_with_spans
        self.chars += other.chars


@dataclass
class CorpusSummary:
    """Counts over a set of documents (and their attribute rows); mergeable."""

    options: SummaryOptions = field(default_factory=SummaryOptions)
    has_text: bool = True
    docs: int = 0
    chars: int = 0
    ws_tokens: int = 0
    tokens: int = 0
    by_source: TopCounter = field(default_factory=lambda: TopCounter(capacity=10_000))
    by_domain: TopCounter = field(init=False)
    duplicate_keys: dict[str, DuplicateCounts] = field(default_factory=dict)
    duplicate_docs: int = 0
    duplicate_chars: int = 0
    duplicate_tokens: int = 0
    #: documents and tokens wholly marked as duplicates, by the (sorted) set of keys that mark them
    duplicate_sets: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    languages: dict[str, Counter] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_domain = TopCounter(capacity=self.options.domain_capacity)
        self._key_kinds: dict[str, Any] = {}

    def _kind(self, key: str) -> Any:
        kind = self._key_kinds.get(key)
        if kind is None:
            if self.options.is_duplicate_key(key):
                kind = "dup"
            else:
                kind = self.options.language_of_key(key) or ""
            self._key_kinds[key] = kind
        return kind

    def observe(self, source: str, url: Any, text_length: int, ws_tokens: int, tokens: int,
                attributes: dict[str, list]) -> None:
        """One document: its counts and its joined attribute row."""
        self.docs += 1
        self.chars += text_length
        self.ws_tokens += ws_tokens
        self.tokens += tokens
        self.by_source.add(source or NO_SOURCE, text_length, ws_tokens, tokens)
        self.by_domain.add(domain_of(url), text_length, ws_tokens, tokens)
        if attributes:
            self._observe_attributes(attributes, text_length, tokens)

    def _observe_attributes(self, attributes: dict[str, list], text_length: int, tokens: int) -> None:
        marked: list[tuple[int, int]] = []
        whole: list[str] = []
        best: dict[str, tuple[float, str]] = {}
        for key, spans in attributes.items():
            kind = self._kind(key)
            if not kind or not spans:
                continue
            if kind == "dup":
                counts = self.duplicate_keys.setdefault(key, DuplicateCounts())
                hits = [(int(s[0]), int(s[1])) for s in spans if s[2] > 0]
                if not hits:
                    continue
                counts.docs_with_spans += 1
                counts.chars += sum(e - s for s, e in hits)
                if any(s == 0 and e == text_length for s, e in hits):
                    counts.docs += 1
                    whole.append(key)
                marked.extend(hits)
            else:
                tagger, lang = kind
                for start, end, score in spans:
                    if start == 0 and end == text_length and score > best.get(tagger, (-1.0, ""))[0]:
                        best[tagger] = (score, lang)
        if marked:
            self.duplicate_chars += covered_length(marked)
        if whole:
            self.duplicate_docs += 1
            self.duplicate_tokens += tokens
            entry = self.duplicate_sets.setdefault(tuple(sorted(whole)), [0, 0])
            entry[0] += 1
            entry[1] += tokens
        for tagger, (score, lang) in best.items():
            label = lang if score >= self.options.language_threshold else UNDETERMINED
            self.languages.setdefault(tagger, Counter())[label] += 1

    def merge(self, other: "CorpusSummary") -> "CorpusSummary":
        self.has_text = self.has_text and other.has_text
        self.docs += other.docs
        self.chars += other.chars
        self.ws_tokens += other.ws_tokens
        self.tokens += other.tokens
        self.by_source.merge(other.by_source)
        self.by_domain.merge(other.by_domain)
        for key, counts in other.duplicate_keys.items():
            self.duplicate_keys.setdefault(key, DuplicateCounts()).merge(counts)
        self.duplicate_docs += other.duplicate_docs
        self.duplicate_chars += other.duplicate_chars
        self.duplicate_tokens += other.duplicate_tokens
        for keys, (docs, tokens) in other.duplicate_sets.items():
            entry = self.duplicate_sets.setdefault(keys, [0, 0])
            entry[0] += docs
            entry[1] += tokens
        for tagger, counter in other.languages.items():
            self.languages.setdefault(tagger, Counter()).update(counter)
        return self

    def duplicates_marked_by(self, keys: set[str]) -> tuple[int, int]:
        """Documents and tokens wholly marked as duplicates by any of ``keys``."""
        hits = [v for marked, v in self.duplicate_sets.items() if keys.intersection(marked)]
        return sum(v[0] for v in hits), sum(v[1] for v in hits)

    @property
    def duplicate_fraction(self) -> float | None:
        """Share of documents wholly marked as duplicates (None without dedupe attributes)."""
        if not self.duplicate_keys or not self.docs:
            return None
        return self.duplicate_docs / self.docs

    def to_json(self, top: int = 100) -> dict[str, Any]:
        out: dict[str, Any] = {
            "documents": self.docs,
            "characters": self.chars if self.has_text else None,
            "whitespace_tokens": self.ws_tokens if self.has_text else None,
            "tokens": self.tokens if self.has_text else None,
            "token_unit": self.options.token_unit,
            "by_source": self.by_source.to_json(),
            "by_domain": self.by_domain.to_json(limit=top),
        }
        if self.duplicate_keys:
            out["duplicates"] = {
                "documents": self.duplicate_docs,
                "document_fraction": self.duplicate_fraction,
                "characters": self.duplicate_chars,
                "character_fraction": self.duplicate_chars / self.chars if self.chars else None,
                "by_attribute": {k: vars(v) for k, v in sorted(self.duplicate_keys.items())},
            }
        if self.languages:
            out["languages"] = {t: dict(c.most_common()) for t, c in sorted(self.languages.items())}
        return out

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_key_kinds"] = {}
        return state


def covered_length(spans: list[tuple[int, int]]) -> int:
    """Total length of the union of half-open spans."""
    total = 0
    end_so_far = None
    for start, end in sorted(spans):
        if end_so_far is None or start >= end_so_far:
            total += end - start
            end_so_far = end
        elif end > end_so_far:
            total += end - end_so_far
            end_so_far = end
    return total
