"""Joining attribute files to their document file, row by row, with id checks.

``<root>/documents/<rel>`` has its attributes of set ``X`` at ``<root>/attributes/X/<rel>``; row k of the
attribute file describes the k-th document row. The attributes of every set are merged into the
document's ``attributes`` object (later sets win on equal keys), as Dolma's mixer does.
"""

from __future__ import annotations

from typing import Any, Iterator

import orjson

from dolma_tools.errors import AlignmentError, InputError
from dolma_tools.io.jsonl import _STREAM_ERRORS, OnError, ReadStats, _describe_stream_error, _parse_line
from dolma_tools.io.jsonl import iter_documents, iter_json_rows
from dolma_tools.io.paths import attribute_path, exists
from dolma_tools.io.streams import open_read


def attribute_files(document_path: str, names: list[str]) -> list[str]:
    """The attribute file of each set in ``names`` for one document file."""
    return [attribute_path(document_path, name) for name in names]


def check_attribute_files(document_path: str, names: list[str]) -> None:
    """Fail early, naming set and path, when an attribute file is missing."""
    for name, path in zip(names, attribute_files(document_path, names)):
        if not exists(path):
            raise InputError(path, 0, f"attribute file of set '{name}' for {document_path} does not exist")


_BLOCK = 4 << 20


def iter_rows_blockwise(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line, row)`` of a JSONL file, strictly (any bad line raises ``InputError``), reading decompressed
    blocks rather than lines: attribute files have several rows per document, so per-line overhead counts."""
    line_no = 0
    rest = b""
    with open_read(path) as stream:
        while True:
            try:
                block = stream.read(_BLOCK)
            except _STREAM_ERRORS as exc:
                raise InputError(path, line_no + 1, _describe_stream_error(exc, path)) from None
            if not block:
                break
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            for raw in lines:
                line_no += 1
                try:
                    row = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    if not raw.strip():
                        continue
                    row = _parse_line(raw, path, line_no)  # raises with the precise problem
                if type(row) is not dict:
                    raise InputError(path, line_no, f"expected a JSON object, got {type(row).__name__}")
                yield line_no, row
    if rest.strip():
        line_no += 1
        row = _parse_line(rest, path, line_no)
        if type(row) is not dict:
            raise InputError(path, line_no, f"expected a JSON object, got {type(row).__name__}")
        yield line_no, row


class _AttributeReader:
    def __init__(self, path: str) -> None:
        self.path = path
        self._rows = iter_rows_blockwise(path)

    def next_for(self, doc_id: Any, doc_path: str, doc_line: int) -> dict[str, Any]:
        try:
            line, row = next(self._rows)
        except StopIteration:
            raise AlignmentError(
                self.path, 0, f"ends before the documents do: no row for document id={doc_id!r} ({doc_path}:{doc_line})"
            ) from None
        if row.get("id") != doc_id:
            raise AlignmentError(
                self.path, line,
                f"id {row.get('id')!r} does not match document id {doc_id!r} ({doc_path}:{doc_line}); the attribute "
                "file is not aligned with its document file",
            )
        attrs = row.get("attributes")
        if not isinstance(attrs, dict):
            raise AlignmentError(self.path, line, "row has no 'attributes' object")
        return attrs

    def check_exhausted(self, doc_path: str, n_docs: int) -> None:
        for line, _ in self._rows:
            raise AlignmentError(self.path, line, f"has more rows than {doc_path} has documents ({n_docs})")


def iter_joined(
    document_path: str,
    attribute_names: list[str],
    on_error: OnError | str = OnError.RAISE,
    stats: ReadStats | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, document)`` with every attribute set merged into ``document["attributes"]``."""
    readers = [_AttributeReader(p) for p in attribute_files(document_path, attribute_names)]
    n = 0
    for line, doc in iter_documents(document_path, on_error, stats):
        if readers:
            merged = doc.get("attributes")
            if not isinstance(merged, dict):
                merged = {}
                doc["attributes"] = merged
            doc_id = doc["id"]
            for reader in readers:
                merged.update(reader.next_for(doc_id, document_path, line))
        n += 1
        yield line, doc
    for reader in readers:
        reader.check_exhausted(document_path, n)


def attribute_names_in(paths: list[str], wanted: set[str], max_rows: int | None = None) -> set[str]:
    """Names found under ``attributes`` in the given files; stops as soon as every wanted name is seen."""
    found: set[str] = set()
    for path in paths:
        for i, (_, row) in enumerate(iter_json_rows(path)):
            attrs = row.get("attributes")
            if isinstance(attrs, dict):
                found.update(attrs)
                if wanted <= found:
                    return found
            if max_rows is not None and i + 1 >= max_rows:
                break
    return found
