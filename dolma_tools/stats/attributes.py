"""Per attribute key: distributions of span scores and span lengths, and whether the key is document-level.

A value is *document-level* when its span covers the whole text (``start == 0`` and ``end == len(text)``). A
key is reported as ``document`` level when every one of its spans is whole-document and no row has more than
one of them (length taggers, classifiers, document duplicates); otherwise it is ``span`` level (paragraphs,
PII matches, duplicate paragraphs). The text length comes from the document file when it is read; without
documents it is inferred as the largest span end in the row over all attribute sets read with it, which is
exact whenever any document-level key is present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from .sketch import DEFAULT_ALPHA, LogSketch

#: Values buffered per key before they are added to the sketches (bounds memory, amortises numpy calls).
FLUSH_EVERY = 8192

#: Quantiles reported for every key.
QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)

_END = itemgetter(1)

DOCUMENT = "document"
SPAN = "span"


@dataclass
class KeyStats:
    """Everything known about one attribute key; mergeable."""

    alpha: float = DEFAULT_ALPHA
    score: LogSketch = field(init=False)
    length: LogSketch = field(init=False)
    rows: int = 0
    empty_rows: int = 0
    spans: int = 0
    whole_doc_spans: int = 0
    max_spans_per_row: int = 0
    _scores: list[float] = field(default_factory=list, repr=False)
    _lengths: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.score = LogSketch(self.alpha)
        self.length = LogSketch(self.alpha)

    def observe(self, spans: list, text_length: int) -> None:
        self.rows += 1
        n = len(spans)
        if not n:
            self.empty_rows += 1
            return
        self.spans += n
        if n > self.max_spans_per_row:
            self.max_spans_per_row = n
        for span in spans:
            start, end, score = span[0], span[1], span[2]
            if start == 0 and end == text_length:
                self.whole_doc_spans += 1
            self._scores.append(score)
            self._lengths.append(end - start)
        if len(self._scores) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if self._scores:
            self.score.add(self._scores)
            self.length.add(self._lengths)
            self._scores = []
            self._lengths = []

    def merge(self, other: "KeyStats") -> "KeyStats":
        self.flush()
        other.flush()
        self.score.merge(other.score)
        self.length.merge(other.length)
        self.rows += other.rows
        self.empty_rows += other.empty_rows
        self.spans += other.spans
        self.whole_doc_spans += other.whole_doc_spans
        self.max_spans_per_row = max(self.max_spans_per_row, other.max_spans_per_row)
        return self

    @property
    def level(self) -> str:
        if self.spans and self.whole_doc_spans == self.spans and self.max_spans_per_row <= 1:
            return DOCUMENT
        return SPAN

    def __getstate__(self) -> dict[str, Any]:
        self.flush()
        return self.__dict__.copy()


@dataclass
class AttributeStats:
    """All keys seen in a set of attribute rows."""

    alpha: float = DEFAULT_ALPHA
    name_regex: str | None = None
    keys: dict[str, KeyStats] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._filter = re.compile(self.name_regex) if self.name_regex else None
        self._skip: set[str] = set()

    def observe_row(self, attributes: dict[str, list], text_length: int) -> None:
        for key, spans in attributes.items():
            stats = self.keys.get(key)
            if stats is None:
                if key in self._skip:
                    continue
                if self._filter is not None and not self._filter.search(key):
                    self._skip.add(key)
                    continue
                stats = self.keys[key] = KeyStats(self.alpha)
            try:
                stats.observe(spans or [], text_length)
            except (TypeError, IndexError, ValueError) as exc:
                raise ValueError(f"attribute {key!r}: {spans!r:.80}: {exc}") from None

    def merge(self, other: "AttributeStats") -> "AttributeStats":
        for key, stats in other.keys.items():
            mine = self.keys.get(key)
            if mine is None:
                self.keys[key] = stats
            else:
                mine.merge(stats)
        return self

    def flush(self) -> None:
        for stats in self.keys.values():
            stats.flush()

    def sorted_keys(self) -> list[str]:
        return sorted(self.keys)

    def __getstate__(self) -> dict[str, Any]:
        self.flush()
        state = self.__dict__.copy()
        state.pop("_filter", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._filter = re.compile(self.name_regex) if self.name_regex else None


def text_length_of(attributes: dict[str, list]) -> int:
    """The text length implied by spans when the document is not read: the largest span end."""
    return max((max(map(_END, spans)) for spans in attributes.values() if spans), default=0)
