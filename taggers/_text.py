"""Text splitting shared by taggers, with Dolma's exact semantics (code-point offsets)."""

from __future__ import annotations

import re
from typing import NamedTuple

_PARAGRAPH = re.compile(r"[^\n]*\n|[^\n]+$")


class TextSlice(NamedTuple):
    start: int
    end: int
    text: str


def split_paragraphs(text: str, remove_empty: bool = True) -> list[TextSlice]:
    """Dolma's paragraphs: each line including its trailing newline; whitespace-only ones dropped."""
    out = [TextSlice(m.start(), m.end(), m.group()) for m in _PARAGRAPH.finditer(text)]
    if remove_empty:
        out = [p for p in out if p.text.strip()]
    return out


# a sentence ends after ., ! or ? (with closing quotes/brackets) followed by whitespace, or at a newline
_SENTENCE = re.compile(r"[^\n]*?(?:[.!?]+[\"'”’)\]]*(?=\s)|(?=\n)|$)")


def split_sentences(text: str) -> list[TextSlice]:
    """Simple rule-based sentences with code-point offsets, surrounding whitespace excluded."""
    out: list[TextSlice] = []
    pos = 0
    n = len(text)
    while pos < n:
        while pos < n and text[pos].isspace():
            pos += 1
        if pos >= n:
            break
        m = _SENTENCE.match(text, pos)
        end = m.end() if m and m.end() > pos else n
        piece = text[pos:end].rstrip()
        if piece:
            out.append(TextSlice(pos, pos + len(piece), piece))
        pos = max(end, pos + 1)
    return out
