"""C4 heuristics (Raffel et al. 2020) as Dolma 1.2.1's ``c4_v1`` and ``c4_v2`` compute them.

Both lowercase the text and mark lines without terminal punctuation or with fewer than three words, plus
document flags for naughty words, ``javascript``, ``lorem ipsum`` and ``{``. Dolma quirks kept for
compatibility (see docs/compatibility.md): ``c4_v2`` computes line offsets on the *lowercased* text, and
flags ``javascript`` anywhere in the text while ``c4_v1`` needs it as a whole word; ``c4_v1`` omits the
trailing newline of the last line only.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from dolma_tools import BaseTagger, DocResult, Document, Span, add_tagger
from dolma_tools._rust import C4V2Core

from ._rust_backed import BatchFirstTagger

MIN_WORDS_PER_LINE = 3
END_PUNCTUATION = (".", "?", "!", '"')


@lru_cache(maxsize=1)
def naughty_lists() -> tuple[frozenset[str], tuple[str, ...]]:
    """(single naughty words, naughty phrases: the entries with a space, matched as substrings)."""
    lines = resources.files("taggers").joinpath("data/naughty_words_en.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if " " not in w), tuple(w for w in lines if " " in w)


def has_naughty_words(words: list[str], text: str) -> bool:
    naughty_words, naughty_phrases = naughty_lists()
    return not naughty_words.isdisjoint(words) or any(p in text for p in naughty_phrases)


def line_spans(lines: list[str]) -> list[Span]:
    """The two line-level span types, in line order. A line's span includes its newline (all lines but the
    last have one). Lowercasing never changes these two checks, so the lines may be lowercased or not."""
    spans: list[Span] = []
    start = 0
    last = len(lines) - 1
    for i, line in enumerate(lines):
        end = start + len(line) + (i < last)
        stripped = line.strip()
        if not stripped.endswith(END_PUNCTUATION):
            spans.append(Span(start, end, "lines_with_no_ending_punctuation"))
        if len(stripped.split()) < MIN_WORDS_PER_LINE:
            spans.append(Span(start, end, "lines_with_too_few_words"))
        start = end
    return spans


@add_tagger("c4_v2")
class C4V2(BatchFirstTagger):
    """C4 line and document heuristics (Dolma's faster c4_v2: whole-text checks, line spans)."""

    def __init__(self) -> None:
        words, phrases = naughty_lists()
        self._core = C4V2Core(sorted(words), list(phrases))

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        # Python lowercases (its case mapping is Dolma's); Rust does the rest on the lowercased text, so
        # line offsets are in the lowercased text exactly as in Dolma
        return self._core.tag_lowered([d.text.lower() for d in docs], [len(d.text) for d in docs])


@add_tagger("c4_v1")
class C4V1(BaseTagger):
    """C4 heuristics line by line (Dolma's c4_v1: javascript and naughty words as whole words per line)."""

    def predict(self, doc: Document) -> DocResult:
        text = doc.text
        n = len(text)
        lines = text.split("\n")
        spans = line_spans(lines)
        naughty = javascript = lorem = curly = False
        for line in lines:
            line = line.lower().strip()
            words = line.split()
            naughty = naughty or has_naughty_words(words, line)
            javascript = javascript or "javascript" in words
            lorem = lorem or "lorem ipsum" in line
            curly = curly or "{" in line
        flags = ((naughty, "has_naughty_word"), (javascript, "has_javascript"), (lorem, "has_lorem_ipsum"),
                 (curly, "has_curly_brace"))
        spans.extend(Span(0, n, name) for flag, name in flags if flag)
        spans.append(Span(0, n, "line_count", len(lines)))
        return DocResult(doc=doc, spans=spans)
