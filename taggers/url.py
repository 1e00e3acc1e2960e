"""URL blocklist tagger over ``metadata.url`` (or another field), with the blocklist from a file.

Blocklist lines may be domains (``example.com``: the domain and every subdomain), URL prefixes
(``example.com/ads``, scheme optional: URLs under that path), hosts-file lines (``0.0.0.0 example.com``)
or AdBlock domain rules (``||example.com^``); ``#``, ``!`` and ``;`` start comments. Hosts are compared
lowercased, without ``www.`` and port. A blocked document gets Dolma's ``url`` field ``[0, len, 1.0]``;
others get no span.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from dolma_tools import Document, add_tagger
from dolma_tools.errors import ConfigError
from dolma_tools.io.paths import exists
from dolma_tools.io.streams import open_read

from ._rust_backed import BatchFirstTagger

_HOSTS_LINE = re.compile(r"^(?:0\.0\.0\.0|127\.0\.0\.1|::1?)\s+(\S+)")
_ADBLOCK = re.compile(r"^\|\|([^\^/]+)\^?$")


def normalise_host(host: str) -> str:
    host = host.lower().strip().rstrip(".")
    if host.startswith("[") and "]" in host:  # IPv6 literal
        return host[1 : host.index("]")]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    return host[4:] if host.startswith("www.") else host


def split_url(url: str) -> tuple[str, str]:
    """(normalised host, path without trailing slash) of a URL with or without scheme."""
    url = url.strip()
    parts = urlsplit(url if "://" in url else "//" + url)
    return normalise_host(parts.netloc), parts.path.rstrip("/")


def parse_blocklist_line(line: str) -> tuple[str, str] | None:
    """``(host, path prefix)``, path "" for a whole domain; None for comments and blank lines."""
    line = line.strip()
    if not line or line[0] in "#!;":
        return None
    if m := _HOSTS_LINE.match(line):
        line = m.group(1)
    elif m := _ADBLOCK.match(line):
        line = m.group(1)
    host, path = split_url(line.split()[0])
    return (host, path) if host else None


class UrlBlocklist:
    """Domains (with subdomains) and URL prefixes."""

    def __init__(self, lines: list[str]) -> None:
        self.domains: set[str] = set()
        self.prefixes: dict[str, list[str]] = {}
        for line in lines:
            parsed = parse_blocklist_line(line)
            if parsed is None:
                continue
            host, path = parsed
            if path:
                self.prefixes.setdefault(host, []).append(path)
            else:
                self.domains.add(host)

    def __len__(self) -> int:
        return len(self.domains) + sum(map(len, self.prefixes.values()))

    def blocks(self, url: str) -> bool:
        host, path = split_url(url)
        if not host:
            return False
        labels = host.split(".")
        for i in range(len(labels)):
            if ".".join(labels[i:]) in self.domains:
                return True
        return any(path == p or path.startswith(p + "/") for p in self.prefixes.get(host, ()))


def _field(doc: Document, path: str) -> str:
    value: object = doc.metadata if path.startswith("metadata.") else doc.to_json()
    for part in (path.split(".")[1:] if path.startswith("metadata.") else path.split(".")):
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


@add_tagger("url_blocklist_v1")
class UrlBlocklistV1(BatchFirstTagger):
    """`url` = 1 for documents whose URL is blocked (tagger_options: blocklist file, field = metadata.url)."""

    FIELDS = ["text", "metadata"]

    @classmethod
    def check_options(cls, blocklist: str | None = None, field: str = "metadata.url") -> None:
        if not blocklist:
            raise ConfigError("url_blocklist_v1 needs a blocklist file: tagger_options: {url_blocklist_v1: {blocklist: path}}", "tagger_options")
        if not exists(blocklist):
            raise ConfigError(f"blocklist {blocklist} does not exist", "tagger_options")

    def __init__(self, blocklist: str | None = None, field: str = "metadata.url") -> None:
        self.check_options(blocklist, field)
        assert blocklist is not None
        try:
            with open_read(blocklist) as fh:
                lines = fh.read().decode("utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"cannot read blocklist {blocklist}: {exc}", "tagger_options") from None
        self.blocklist = UrlBlocklist(lines)
        if not len(self.blocklist):
            raise ConfigError(f"blocklist {blocklist} has no entries", "tagger_options")
        self.field = field

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        return [{"url": [[0, len(d.text), 1.0]]} if self.blocklist.blocks(_field(d, self.field)) else {} for d in docs]
