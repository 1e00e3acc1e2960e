"""``span_replacement``: replace or remove attribute spans in a document's text (Dolma's semantics).

Each rule selects a list of ``[start, end, score]`` spans (code-point offsets) and replaces those with
``min_score <= score < max_score`` by ``replacement``, where ``{}`` stands for the original span text
(an empty replacement removes the span). Spans of all rules are applied in order of their start; a span
that starts inside an already replaced span is skipped, as Dolma does. Dolma mishandles empty spans
(it drops the following character) and spans starting past the end of the text; we ignore both.
"""

from __future__ import annotations

import math
from typing import Any

from dolma_tools.errors import DolmaToolsError

from .filters import Selector


class SpanError(DolmaToolsError):
    """The selected value is not a list of [start, end, score] spans."""


class SpanReplacer:
    """One ``span_replacement`` rule."""

    def __init__(
        self,
        span: str,
        replacement: str = "",
        min_score: float | None = None,
        max_score: float | None = None,
        syntax: str = "jsonpath",
        key: str | None = None,
    ) -> None:
        self.selector = Selector(span, syntax, f"{key}.span" if key else None)
        self.min_score = -math.inf if min_score is None else float(min_score)
        self.max_score = math.inf if max_score is None else float(max_score)
        # Dolma: a replacement starting with "$" is a jq expression evaluated on the document
        self._dynamic = Selector(replacement[1:], "jq", f"{key}.replacement" if key else None) if replacement.startswith("$") else None
        self.replacement = replacement

    @classmethod
    def from_config(cls, cfg: Any, key: str | None = None) -> "SpanReplacer":
        return cls(cfg.span, cfg.replacement, cfg.min_score, cfg.max_score, cfg.syntax, key)

    def find(self, doc: dict[str, Any]) -> list[tuple[int, int, str]]:
        """``(start, end, replacement)`` for every span of ``doc`` whose score is in range."""
        spans = self.selector.select(doc)
        if spans is None:
            return []
        if not isinstance(spans, list):
            raise SpanError(f"span_replacement {self.selector.expression!r}: expected a list of [start, end, score] "
                            f"spans or null, got {type(spans).__name__}")
        if len(spans) == 3 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in spans):
            spans = [spans]  # the selector picked out a single span
        out = []
        replacement: str | None = None
        lo, hi = self.min_score, self.max_score
        for span in spans:
            # fast path for well-formed spans; anything else goes through the checks
            if type(span) is list and len(span) == 3 and type(span[0]) is int and type(span[1]) is int \
                    and span[0] >= 0 and span[1] >= 0 and (type(span[2]) is float or type(span[2]) is int):
                start, end, score = span
            else:
                start, end, score = _check_span(span, self.selector.expression)
            if lo <= score < hi:
                if replacement is None:
                    replacement = self._replacement_for(doc)
                out.append((start, end, replacement))
        return out

    def _replacement_for(self, doc: dict[str, Any]) -> str:
        if self._dynamic is None:
            return self.replacement
        value = self._dynamic.select(doc)
        if not isinstance(value, str):
            raise SpanError(f"replacement {self.replacement!r} must produce a string, got {type(value).__name__}")
        return value

    def attribute_references(self) -> list[str]:
        return self.selector.attribute_references()


def _check_span(span: Any, expression: str) -> tuple[int, int, float]:
    if not isinstance(span, list) or len(span) < 3:
        raise SpanError(f"span_replacement {expression!r}: expected spans of the form [start, end, score], "
                        f"got {str(span)[:60]}")
    start, end, score = span[0], span[1], span[2]
    try:
        s, e = _offset(start), _offset(end)
        if isinstance(score, bool) or not isinstance(score, (int, float)):
            raise ValueError
    except ValueError:
        raise SpanError(f"span_replacement {expression!r}: span {str(span)[:60]} needs integer offsets >= 0 and a "
                        "numeric score") from None
    return s, e, float(score)


def _offset(v: Any) -> int:
    if isinstance(v, bool):
        raise ValueError
    if isinstance(v, int) and v >= 0:
        return v
    if isinstance(v, float) and v.is_integer() and v >= 0:
        return int(v)
    raise ValueError


def replace_spans(text: str, replacements: list[tuple[int, int, str]]) -> str:
    """Apply ``(start, end, replacement)`` triples (code-point offsets) to ``text``."""
    if not replacements:
        return text
    n = len(text)
    out = []
    pos = 0
    for start, end, rep in sorted(replacements, key=lambda r: r[0]):
        if end <= start or start >= n or start < pos:
            continue
        end = min(end, n)
        out.append(text[pos:start])
        if rep:
            out.append(rep.replace("{}", text[start:end]) if "{}" in rep else rep)
        pos = end
    out.append(text[pos:])
    return "".join(out)
