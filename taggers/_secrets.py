"""Well-known secret and API-key formats, shared by ``pii_regex_v3`` and ``code_secrets_v2``."""

from __future__ import annotations

import re

SECRET_PATTERNS: dict[str, re.Pattern[str]] = {
    "AWS_Access_Key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub_Token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
    "Slack_Token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Google_API_Key": re.compile(r"\bAIza[0-9A-Za-z_\-]{35}"),
    "Stripe_Key": re.compile(r"\b[sr]k_live_[0-9A-Za-z]{20,}\b"),
    "OpenAI_Key": re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}"),
    "Private_Key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"),
    "JSON_Web_Token": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
}

#: Any of the formats above, in one pattern.
ANY_SECRET = re.compile("|".join(f"(?:{p.pattern})" for p in SECRET_PATTERNS.values()))
