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
