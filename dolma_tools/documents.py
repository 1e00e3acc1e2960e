"""The Dolma data model: documents, spans, tagger results and attribute keys.

Compatible with AllenAI's Dolma: attribute keys are ``<experiment>__<tagger>__<field>``, spans are
half-open code-point offsets into ``text`` (Python ``str`` indices) and scores are rounded to 5 decimals.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

#: Digits kept after the decimal point in attribute scores (as Dolma does).
SCORE_PRECISION = 5

_INVALID_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_]")

#: Top-level fields of a Dolma document that the data model knows by name.
KNOWN_FIELDS = ("id", "text", "source", "added", "created", "version", "metadata")
_KNOWN = frozenset(KNOWN_FIELDS)


def make_variable_name(name: str) -> str:
    """Sanitise a tagger or field name to ``[A-Za-z0-9_]`` (Dolma's rule)."""
    if not name:
        raise ValueError("empty name")
    clean = _INVALID_NAME_CHARS.sub("_", name)
    if clean[0].isdigit():
        raise ValueError(f"invalid name {name!r}: must not start with a digit")
    return clean


def attribute_key(experiment: str, tagger: str, field: str) -> str:
    """``<experiment>__<tagger>__<field>`` with every part sanitised."""
    return f"{make_variable_name(experiment)}__{make_variable_name(tagger)}__{make_variable_name(field)}"


def round_score(score: float) -> float:
    return round(float(score), SCORE_PRECISION)


class Document:
    """One document. Unknown top-level fields are kept in ``extra`` so writers can preserve them."""

    __slots__ = ("id", "text", "source", "added", "created", "version", "metadata", "extra")

    def __init__(
        self,
        id: str,
        text: str,
        source: str = "",
        added: str = "",
        created: str = "",
        version: str | None = None,
        metadata: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.id = id
        self.text = text
        self.source = source
        self.added = added
        self.created = created
        self.version = version
        self.metadata = metadata if metadata is not None else {}
        self.extra = extra if extra is not None else {}

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> "Document":
        """Build from a parsed JSON row that has already been validated (string ``id`` and ``text``)."""
        extra = {k: row[k] for k in row.keys() - _KNOWN} if not _KNOWN.issuperset(row.keys()) else None
        return cls(
            id=row["id"],
            text=row["text"],
            source=row.get("source") or "",
            added=row.get("added") or "",
            created=row.get("created") or "",
            version=row.get("version"),
            metadata=row.get("metadata") if isinstance(row.get("metadata"), dict) else None,
            extra=extra,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "text": self.text, "source": self.source}
        if self.added:
            out["added"] = self.added
        if self.created:
            out["created"] = self.created
        if self.version is not None:
            out["version"] = self.version
        if self.metadata:
            out["metadata"] = self.metadata
        out.update(self.extra)
        return out

    def __repr__(self) -> str:
        preview = self.text[:40] + ("..." if len(self.text) > 40 else "")
        return f"Document(id={self.id!r}, source={self.source!r}, text={preview!r})"


# Dolma taggers that need metadata subclass BaseTaggerWithMetadata and receive this type;
# our Document always carries metadata, so the name is an alias.
DocumentWithMetadata = Document


class Span:
    """A half-open code-point range ``[start, end)`` of a document's text with a type and score."""

    __slots__ = ("start", "end", "type", "score", "experiment", "tagger")

    def __init__(
        self,
        start: int,
        end: int,
        type: str,
        score: float = 1.0,
        experiment: str | None = None,
        tagger: str | None = None,
    ) -> None:
        self.start = int(start)
        self.end = int(end)
        self.type = type
        self.score = float(score)
        self.experiment = experiment
        self.tagger = tagger

    def mention(self, text: str, window: int = 0) -> str:
        return text[max(0, self.start - window) : min(len(text), self.end + window)]

    def select(self, doc: Document) -> str:
        return doc.text[self.start : self.end]

    def to_value(self) -> list:
        """The attribute-file value ``[start, end, score]`` with the score rounded."""
        return [self.start, self.end, round_score(self.score)]

    @classmethod
    def from_attribute(cls, key: str, value: Iterable[Any]) -> "Span":
        start, end, score = value
        parts = key.split("__", 2)
        if len(parts) == 3:
            exp, tagger, typ = parts
        else:
            exp = tagger = typ = key
        return cls(int(start), int(end), typ, float(score), experiment=exp, tagger=tagger)

    def __len__(self) -> int:
        return self.end - self.start

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Span)
            and (self.start, self.end, self.type, self.score) == (other.start, other.end, other.type, other.score)
        )

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.type, self.score))

    def __repr__(self) -> str:
        return f"Span(start={self.start}, end={self.end}, type={self.type!r}, score={self.score:.5f})"


class DocResult:
    """What a tagger returns for one document: the document and its spans."""

    __slots__ = ("doc", "spans")

    def __init__(self, doc: Document, spans: list[Span]) -> None:
        self.doc = doc
        self.spans = spans

    def __repr__(self) -> str:
        return f"DocResult(doc={self.doc!r}, spans={self.spans!r})"


def group_spans(spans: Iterable[Span], defaults: Iterable[str] = ()) -> dict[str, list[list]]:
    """Group spans by field (type) into attribute values, in emission order."""
    out: dict[str, list[list]] = {field: [] for field in defaults}
    for span in spans:
        out.setdefault(span.type, []).append(span.to_value())
    return out


def attribute_row(doc_id: str, source: str, attributes: dict[str, list]) -> dict[str, Any]:
    """One line of a Dolma attribute file (field order as Dolma writes it)."""
    return {"id": doc_id, "attributes": attributes, "source": source}
