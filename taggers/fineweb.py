"""FineWeb's quality rules (Penedo et al. 2024; datatrove's FineWebQualityFilter defaults).

Statistics over non-blank lines: the share ending in terminal punctuation (keep if >= 0.12), the share of
lines of at most 30 characters (keep if <= 0.67), the share of characters in lines that repeat an earlier
line, over the text's characters without newlines (keep if <= 0.01), and newlines per whitespace word
(keep if <= 0.3). Each statistic is written with a pass (1) / fail (0) field, plus ``pass`` for all four.
"""

from __future__ import annotations

from dolma_tools import Document, add_tagger

from ._rust_backed import BatchFirstTagger

STOP_CHARS = (".", "'", '"', "!", "?")
LINE_PUNCT_MIN = 0.12
SHORT_LINE_LENGTH = 30
SHORT_LINE_MAX = 0.67
CHAR_DUPLICATES_MAX = 0.01
NEW_LINE_MAX = 0.3


def fineweb_stats(text: str) -> dict[str, float]:
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return {"line_punct_ratio": 0.0, "short_line_ratio": 0.0, "char_duplicates_ratio": 0.0, "new_line_ratio": 0.0}
    seen: set[str] = set()
    duplicate_chars = 0
    for line in lines:
        if line in seen:
            duplicate_chars += len(line)
        seen.add(line)
    chars = len(text) - text.count("\n")
    words = len(text.split())
    return {
        "line_punct_ratio": sum(line.endswith(STOP_CHARS) for line in lines) / len(lines),
        "short_line_ratio": sum(len(line) <= SHORT_LINE_LENGTH for line in lines) / len(lines),
        "char_duplicates_ratio": duplicate_chars / chars if chars else 0.0,
        "new_line_ratio": text.count("\n") / words if words else 0.0,
    }


def fineweb_verdicts(stats: dict[str, float], empty: bool) -> dict[str, bool]:
    return {
        "line_punct_pass": not empty and stats["line_punct_ratio"] >= LINE_PUNCT_MIN,
        "short_line_pass": not empty and stats["short_line_ratio"] <= SHORT_LINE_MAX,
        "char_duplicates_pass": not empty and stats["char_duplicates_ratio"] <= CHAR_DUPLICATES_MAX,
        "new_line_pass": not empty and stats["new_line_ratio"] <= NEW_LINE_MAX,
    }


@add_tagger("fineweb_v1")
class FineWebV1(BatchFirstTagger):
    """FineWeb's four line rules: statistics, pass (1) / fail (0) per rule, and `pass` (empty texts fail)."""

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        out = []
        for doc in docs:
            n = len(doc.text)
            stats = fineweb_stats(doc.text)
            verdicts = fineweb_verdicts(stats, empty=not doc.text.strip())
            grouped = {k: [[0, n, round(v, 5)]] for k, v in stats.items()}
            grouped.update({k: [[0, n, float(v)]] for k, v in verdicts.items()})
            grouped["pass"] = [[0, n, float(all(verdicts.values()))]]
            out.append(grouped)
        return out
