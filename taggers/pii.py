"""PII taggers: e-mail addresses, phone numbers, IP addresses (and, in v3, cards and secrets).

- ``pii_regex_v2``, ``pii_regex_with_counts_v2``, ``pii_regex_with_counts_fast_v2``: Dolma 1.2.1's
  regex taggers, bug for bug (same patterns, same post-processing, same document scores), so existing
  thresholds keep working. Their known bugs are listed in docs/compatibility.md.
- ``pii_regex_v3``: the same PII types with those bugs fixed, plus Luhn-checked card numbers, IPv6 and
  well-known secret/API-key formats; spans cover exactly the PII text.
"""

from __future__ import annotations

import ipaddress
import re

from dolma_tools import BaseTagger, DocResult, Document, Span, add_tagger
from dolma_tools._rust import dolma_pii_matches

from ._rust_backed import RustTagger
from ._secrets import ANY_SECRET

EMAIL = "EMAIL_ADDRESS"
PHONE = "PHONE_NUMBER"
IP = "IP_ADDRESS"
CARD = "CREDIT_CARD"
SECRET = "SECRET"

# --- Dolma 1.2.1's rules (behaviour to reproduce, quirks included) ------------------------------------
# Its e-mail, phone and IP patterns live in the Rust core (rust_ext/src/taggers/pii.rs). The e-mail pattern
# needs a whitespace character after the address (so one at the very end of a text is missed) and its span
# includes the surrounding punctuation/whitespace.
# Dolma's URL pattern starts with "\b" inside a non-raw string: a literal backspace (U+0008). It can only
# match text that contains that character, so the check below short-circuits on it.
DOLMA_URL = re.compile(
    "(?i)\b((?:https?://|www\\d{0,3}[.]|[a-z0-9.\\-]+[.][a-z]{2,4}/)(?:[^\\s()<>]+|\\(([^\\s()<>]+|"
    "(\\([^\\s()<>]+\\)))*\\))+(?:\\(([^\\s()<>]+|(\\([^\\s()<>]+\\)))*\\)|[^\\s`!()\\[\\]"
    "{};:'\".,<>?«»“”‘’]))"
)
_ANY_DIGIT = re.compile(r"\d")
CONTEXT_WINDOW = 100


def dolma_contains_url(text: str) -> bool:
    return "\b" in text and DOLMA_URL.search(text) is not None


def _false_positive_context(context: str) -> bool:
    return "isbn" in context or "doi" in context or "#" in context


def dolma_regex_spans(text: str) -> list[Span]:
    """Dolma's ``pii_regex_v1/v2`` spans: whole-text matches (found by the Rust core in linear time; Python's
    backtracking search is quadratic on long tokens), then Dolma's post-processing rules."""
    emails, phones, ips = dolma_pii_matches(text)
    spans: list[Span] = []
    for start, end in emails:
        parts = text[start:end].split("@")
        if parts[0].strip() != "(" and "." in parts[1]:
            spans.append(Span(start, end, EMAIL))
    has_url: bool | None = None
    for kind, matches in ((PHONE, phones), (IP, ips)):
        for start, end in matches:
            if _false_positive_context(text[max(0, start - CONTEXT_WINDOW) : end + CONTEXT_WINDOW]):
                continue
            if kind == PHONE:
                if has_url is None:
                    has_url = dolma_contains_url(text)
                if has_url:
                    continue
            spans.append(Span(start, end, kind))
    return spans


@add_tagger("pii_regex_v2")
class PiiRegexV2(BaseTagger):
    """Dolma's regex PII tagger: e-mail, phone, IP spans and `doc` = spans per whitespace word (-1 if none)."""

    def predict(self, doc: Document) -> DocResult:
        spans = dolma_regex_spans(doc.text)
        words = len(doc.text.split())
        score = len(spans) / words if words else -1.0
        spans.append(Span(0, len(doc.text), "doc", score))
        return DocResult(doc=doc, spans=spans)


@add_tagger("pii_regex_with_counts_v2")
class PiiRegexWithCountsV2(PiiRegexV2):
    """pii_regex_v2 plus `doc_count`, the number of PII spans."""

    def predict(self, doc: Document) -> DocResult:
        result = super().predict(doc)
        count = sum(1 for s in result.spans if s.type != "doc")
        result.spans.append(Span(0, len(doc.text), "doc_count", count))
        return result


@add_tagger("pii_regex_with_counts_fast_v2")
class PiiRegexWithCountsFastV2(RustTagger):
    """Dolma's fast paragraph-wise PII regexes with `doc_count` and `doc_frac` (Dolma's definitions).

    Computed by the Rust core with the same patterns (Python's \\s and \\d spelled out); Dolma's extra
    URL check on IP matches is dropped because digits and dots can never match its URL pattern.
    """

    RUST_NAME = "pii_regex_with_counts_fast_v2"


# --- pii_regex_v3: corrected ----------------------------------------------------------------------------
V3_EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}(?![\w-])")
V3_PHONE = re.compile(r"(?<![\w+])(?:\+?1[-. ]?)?(?:\(\d{3}\)|\d{3})[-. ]?\d{3}[-. ]\d{4}(?![\w-])|(?<![\w+])(?:\+?1[-. ]?)?\(\d{3}\)\d{3}-?\d{4}(?![\w-])|(?<![\w+.-])\d{10}(?![\w.-])")
V3_IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)")
V3_IPV6_CANDIDATE = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:|:){2,7}(?::|[0-9A-Fa-f]{1,4})(?![\w:])")
V3_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
V3_URL = re.compile(r"(?i)\b(?:https?://|ftp://|www\d{0,3}\.)[^\s<>\"']+")
_CONTEXT_FALSE_POSITIVE = re.compile(r"(?i)\b(?:isbn|doi)\b")
V3_CONTEXT_WINDOW = 30


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def v3_spans(text: str) -> list[Span]:
    """Corrected PII spans, in text order; each covers exactly the PII characters."""
    urls = [m.span() for m in V3_URL.finditer(text)] if "://" in text or "www" in text else []
    found: list[Span] = []
    if "@" in text:
        found.extend(Span(m.start(), m.end(), EMAIL) for m in V3_EMAIL.finditer(text))
    for m in ANY_SECRET.finditer(text):
        found.append(Span(m.start(), m.end(), SECRET))
    if _ANY_DIGIT.search(text):
        for m in V3_CARD.finditer(text):
            digits = re.sub(r"[ -]", "", m.group())
            if 13 <= len(digits) <= 19 and luhn_valid(digits):
                found.append(Span(m.start(), m.end(), CARD))
        for m in V3_PHONE.finditer(text):
            context = text[max(0, m.start() - V3_CONTEXT_WINDOW) : m.end() + V3_CONTEXT_WINDOW]
            if not _CONTEXT_FALSE_POSITIVE.search(context) and not _inside(urls, *m.span()):
                found.append(Span(m.start(), m.end(), PHONE))
        for m in V3_IPV4.finditer(text):
            if not _inside(urls, *m.span()):
                found.append(Span(m.start(), m.end(), IP))
    if "::" in text or text.count(":") >= 7:
        for m in V3_IPV6_CANDIDATE.finditer(text):
            try:
                ipaddress.IPv6Address(m.group())
            except ValueError:
                continue
            found.append(Span(m.start(), m.end(), IP))
    found.sort(key=lambda s: (s.start, -s.end))
    # a phone number that is part of a card number (or any span inside an earlier one) is dropped
    out: list[Span] = []
    for span in found:
        if out and span.end <= out[-1].end:
            continue
        out.append(span)
    return out


def covered_chars(spans: list[Span]) -> int:
    total = 0
    reach = 0
    for s in sorted(spans, key=lambda s: s.start):
        start = max(s.start, reach)
        if s.end > start:
            total += s.end - start
        reach = max(reach, s.end)
    return total


@add_tagger("pii_regex_v3")
class PiiRegexV3(BaseTagger):
    """E-mail, phone, IPv4/IPv6, Luhn-valid card numbers and API keys; exact spans; `doc_count`, `doc_frac`."""

    def predict(self, doc: Document) -> DocResult:
        spans = v3_spans(doc.text)
        n = len(doc.text)
        frac = covered_chars(spans) / n if n else 0.0
        spans.append(Span(0, n, "doc_count", len(spans)))
        spans.append(Span(0, n, "doc_frac", frac))
        return DocResult(doc=doc, spans=spans)
