"""What happens to each document of a stream or source: join attributes, filter, replace spans, trim fields.

The order is Dolma's: merge attributes -> include/exclude filter -> span replacement -> discard_fields ->
``min_text_length`` (UTF-8 bytes of the stripped text) -> ``metadata.provenance = "<file name>:<line>"``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator

from dolma_tools.errors import DolmaToolsError, InputError
from dolma_tools.io.jsonl import OnError, ReadStats
from dolma_tools.io.paths import basename

from .attributes import iter_joined
from .filters import DocFilter, attribute_names
from .spans import SpanReplacer, replace_spans


@dataclass
class StreamSpec:
    """The per-document part of a stream or source config (picklable; compiled in each worker)."""

    label: str
    key: str
    attributes: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    syntax: str = "jsonpath"
    span_replacement: list[Any] = field(default_factory=list)
    discard_fields: list[str] = field(default_factory=list)
    min_text_length: int = 0
    provenance: bool = True

    @classmethod
    def from_config(cls, cfg: Any, label: str, key: str, discard_fields: list[str] | None = None,
                    min_text_length: int = 0) -> "StreamSpec":
        flt = getattr(cfg, "filter", None)
        return cls(
            label=label,
            key=key,
            attributes=list(cfg.attributes),
            include=list(flt.include) if flt else [],
            exclude=list(flt.exclude) if flt else [],
            syntax=flt.syntax if flt else "jsonpath",
            span_replacement=list(cfg.span_replacement),
            discard_fields=list(discard_fields or []),
            min_text_length=min_text_length,
        )


class DocumentProcessor:
    """Compiled form of a ``StreamSpec``; ``apply`` returns the output document or None if it is dropped."""

    def __init__(self, spec: StreamSpec) -> None:
        self.spec = spec
        self.filter = (
            DocFilter(spec.include, spec.exclude, spec.syntax, key=f"{spec.key}.filter")
            if spec.include or spec.exclude
            else None
        )
        self.replacers = [
            SpanReplacer.from_config(cfg, key=f"{spec.key}.span_replacement[{i}]")
            for i, cfg in enumerate(spec.span_replacement)
        ]
        self.counters: Counter = Counter()

    def references(self) -> list[tuple[str, str]]:
        """(attribute name, config key) for every attribute the filter and span rules read."""
        refs: list[tuple[str, str]] = []
        if self.filter is not None:
            for kind, exprs in (("include", self.spec.include), ("exclude", self.spec.exclude)):
                for i, expr in enumerate(exprs):
                    refs += [(n, f"{self.spec.key}.filter.{kind}[{i}]") for n in attribute_names([expr], self.spec.syntax)]
        for i, rep in enumerate(self.replacers):
            refs += [(n, f"{self.spec.key}.span_replacement[{i}].span") for n in rep.attribute_references()]
        return refs

    def passes_filter(self, doc: dict[str, Any]) -> bool:
        """The include/exclude decision (True when the stream has no filter)."""
        return self.filter is None or self.filter.keep(doc)

    def replaced_text(self, doc: dict[str, Any]) -> str:
        """``doc``'s text after span replacement (``doc`` is not changed)."""
        if self.replacers:
            replacements = [r for rep in self.replacers for r in rep.find(doc)]
            if replacements:
                return replace_spans(doc["text"], replacements)
        return doc["text"]  # type: ignore[no-any-return]

    def long_enough(self, text: str) -> bool:
        """``min_text_length``: the stripped text has at least that many UTF-8 bytes (always true when 0)."""
        return not self.spec.min_text_length or _long_enough(text, self.spec.min_text_length)

    def apply(self, doc: dict[str, Any], path_name: str, line: int) -> dict[str, Any] | None:
        if not self.passes_filter(doc):
            self.counters["filtered"] += 1
            return None
        doc["text"] = self.replaced_text(doc)
        for name in self.spec.discard_fields:
            doc.pop(name, None)
        if not self.long_enough(doc["text"]):
            self.counters["too_short"] += 1
            return None
        if self.spec.provenance:
            meta = doc.get("metadata")
            if not isinstance(meta, dict):
                meta = {}
                doc["metadata"] = meta
            meta["provenance"] = f"{path_name}:{line}"
        return doc


def _long_enough(text: str, min_bytes: int) -> bool:
    stripped = text.strip()
    # UTF-8 needs at least one byte per code point: only short texts need encoding
    return len(stripped) >= min_bytes or len(stripped.encode("utf-8")) >= min_bytes


def document_error(path: str, line: int, doc: dict[str, Any], exc: DolmaToolsError | RecursionError) -> InputError:
    """A filter or span rule failed on one document: the input error naming file, line and document."""
    problem = "nested too deeply to evaluate the filter or span expressions" if isinstance(exc, RecursionError) else exc
    return InputError(path, line, f"document id={doc.get('id')!r}: {problem}")


def iter_processed(
    processor: DocumentProcessor,
    path: str,
    on_error: OnError | str = OnError.RAISE,
    stats: ReadStats | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line, output document)`` for every document of ``path`` that the processor keeps."""
    policy = OnError(on_error)
    stats = stats if stats is not None else ReadStats()
    name = basename(path)
    for line, doc in iter_joined(path, processor.spec.attributes, policy, stats):
        try:
            try:
                out = processor.apply(doc, name, line)
            except RecursionError:  # a JSONPath over a document nested ~1,000 levels deep
                raise DolmaToolsError("nested too deeply to evaluate the filter or span expressions") from None
        except InputError:
            raise
        except DolmaToolsError as exc:
            err = document_error(path, line, doc, exc)
            if policy is OnError.RAISE:
                raise err from None
            stats.skip(err)
            continue
        if out is not None:
            yield line, out
