"""Code taggers: leaked secrets, and copyright/licence comment headers.

- ``code_secrets_v2``: well-known secret formats (AWS, GitHub, Slack, Google, Stripe, OpenAI keys, private
  key blocks, JWTs) and quoted values assigned to names like ``password`` or ``api_key``. Spans
  ``SECRET_<kind>`` cover the secret itself; ``doc`` = secrets per whitespace word (-1 for no words), like
  Dolma's ``code_secrets_v1`` (which needs the detect-secrets package; not reproduced).
- ``code_copyright_comments_v1``: Dolma's rule (RedPajama's): the first ``/* ... */`` block if it mentions
  "copyright" (``copyright_notice``), otherwise the leading run of ``//``, ``#``, ``--`` or empty lines
  (``comment_block``); ``doc`` = (span length + 1) / text length, 0 without a span.
"""

from __future__ import annotations

import re

from dolma_tools import BaseTagger, DocResult, Document, Span, add_tagger

from ._secrets import SECRET_PATTERNS

# name = "value" where the name contains a secret-like word; the span is the quoted value only. The word is
# found first, then the assignment is matched right after it (linear time even on long tokens).
_SECRET_NAME = re.compile(r"(?i)password|passwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token")
_ASSIGNMENT_AFTER_NAME = re.compile(r"""[\w.-]{0,40}["']?\s{0,8}[:=]\s{0,8}(["'])([^"'\s]{8,200})\1""")
_PLACEHOLDER = re.compile(r"(?i)^(?:x+|\*+|\.+|<[^>]*>|\$\{[^}]*\}|changeme|password|example\w*|your[_-]?\w*)$")


def find_secrets(text: str) -> list[Span]:
    spans = [Span(m.start(), m.end(), f"SECRET_{kind}") for kind, pattern in SECRET_PATTERNS.items() for m in pattern.finditer(text)]
    taken = [(s.start, s.end) for s in spans]
    reach = 0
    for name in _SECRET_NAME.finditer(text):
        m = _ASSIGNMENT_AFTER_NAME.match(text, name.end()) if name.start() >= reach else None
        if m is None:
            continue
        start, end = m.span(2)
        reach = end
        if not _PLACEHOLDER.match(m.group(2)) and not any(s <= start < e for s, e in taken):
            spans.append(Span(start, end, "SECRET_Assigned_Secret"))
    spans.sort(key=lambda s: s.start)
    return spans


@add_tagger("code_secrets_v2")
class CodeSecretsV2(BaseTagger):
    """Spans of API keys, tokens, private keys and assigned passwords; `doc` = secrets per word."""

    def predict(self, doc: Document) -> DocResult:
        spans = find_secrets(doc.text)
        words = len(doc.text.split())
        spans.append(Span(0, len(doc.text), "doc", len(spans) / words if words else -1.0))
        return DocResult(doc=doc, spans=spans)


_C_BLOCK_COMMENT = re.compile(r"/\*[^*]*\*+(?:[^/*][^*]*\*+)*/")
_COPYRIGHT = re.compile("copyright", re.IGNORECASE)


def copyright_spans(text: str) -> list[Span]:
    block = _C_BLOCK_COMMENT.search(text)
    if block:
        return [Span(block.start(), block.end(), "copyright_notice")] if _COPYRIGHT.search(block.group()) else []
    lines = 0
    end = 0
    for line in text.split("\n"):
        if line.startswith(("//", "#", "--")) or not line:
            lines += 1
            end += len(line) if line else 1  # Dolma's arithmetic: newlines after comment lines are not counted
        else:
            break
    return [Span(0, end, "comment_block")] if lines else []


@add_tagger("code_copyright_comments_v1")
class CodeCopyrightCommentsV1(BaseTagger):
    """Copyright comment headers (Dolma's rule): `copyright_notice` or `comment_block`, and `doc` share."""

    def predict(self, doc: Document) -> DocResult:
        spans = copyright_spans(doc.text)
        n = len(doc.text)
        score = 0.0 if not spans else ((spans[0].end - spans[0].start + 1) / n if n else -1.0)
        spans.append(Span(0, n, "doc", score))
        return DocResult(doc=doc, spans=spans)
