"""Streaming JSONL (and Parquet) rows with precise errors or a skip-and-count policy.

Blank lines are ignored everywhere (documents, attributes), so row k of an attribute file always describes
the k-th non-blank document row.
"""

from __future__ import annotations

import enum
import gzip
import json
import sys
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Iterable, Iterator

import orjson

from ..errors import InputError
from .atomic import atomic_write
from .compression import Compression, CorruptStreamError, TruncatedStreamError, compression_of
from .streams import open_read


class OnError(str, enum.Enum):
    """What to do with a bad line: stop the file with an error, or skip the line and count it."""

    RAISE = "raise"
    SKIP = "skip"


@dataclass
class ReadStats:
    """Per-file counters filled while reading."""

    rows: int = 0
    skipped: Counter = field(default_factory=Counter)
    first_errors: list[str] = field(default_factory=list)

    def skip(self, err: InputError) -> None:
        self.skipped[_reason_of(err.problem)] += 1
        if len(self.first_errors) < 5:
            self.first_errors.append(str(err))

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def _reason_of(problem: str) -> str:
    return problem.split(":", 1)[0].split("(", 1)[0].strip()


#: The deepest nesting the JSON reader (orjson) accepts; deeper documents are bad input.
MAX_DEPTH = 1024

_STREAM_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, TruncatedStreamError, OSError)


def _describe_stream_error(exc: BaseException, path: str) -> str:
    comp = compression_of(path)
    if isinstance(exc, (EOFError, TruncatedStreamError)):
        return f"truncated {comp.value} stream: {exc}"
    if isinstance(exc, CorruptStreamError):
        return str(exc)
    return f"corrupt {comp.value} stream: {exc}"


def _parse_line(raw: bytes, path: str, line_no: int) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as uexc:
            raise InputError(
                path, line_no, f"invalid UTF-8: byte 0x{raw[uexc.start]:02x} at column {uexc.start + 1}"
            ) from None
        if exc.msg.startswith("depth limit exceeded"):
            raise InputError(path, line_no, f"JSON nested more than {MAX_DEPTH} levels deep (column {exc.colno})") from None
        raise InputError(path, line_no, f"malformed JSON: {exc.msg} (column {exc.colno})") from None


def _iter_lines(stream: BinaryIO, path: str) -> Iterator[tuple[int, bytes]]:
    line_no = 0
    while True:
        try:
            raw = stream.readline()
        except _STREAM_ERRORS as exc:
            raise InputError(path, line_no + 1, _describe_stream_error(exc, path)) from None
        if not raw:
            return
        line_no += 1
        yield line_no, raw


def iter_json_rows(
    path: str, on_error: OnError | str = OnError.RAISE, stats: ReadStats | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, row)`` for every non-blank row of a JSONL or Parquet file."""
    policy = OnError(on_error)
    stats = stats if stats is not None else ReadStats()
    if compression_of(path) is Compression.PARQUET:
        from .parquet import iter_parquet_rows

        for n, row in iter_parquet_rows(path):
            stats.rows += 1
            yield n, row
        return
    with open_read(path) as stream:
        lines = _iter_lines(stream, path)
        while True:
            try:
                line_no, raw = next(lines)
            except StopIteration:
                return
            except InputError as err:  # the stream itself is broken: nothing after this point is readable
                if policy is OnError.RAISE:
                    raise
                stats.skip(err)
                return
            if not raw.strip():
                continue
            try:
                row = _parse_line(raw, path, line_no)
                if not isinstance(row, dict):
                    raise InputError(path, line_no, f"expected a JSON object, got {type(row).__name__}")
            except InputError as err:
                if policy is OnError.RAISE:
                    raise
                stats.skip(err)
                continue
            stats.rows += 1
            yield line_no, row


def check_document(row: dict[str, Any], path: str, line_no: int) -> None:
    for key in ("id", "text"):
        value = row.get(key)
        if value is None:
            raise InputError(path, line_no, f"missing required field '{key}'")
        if not isinstance(value, str):
            raise InputError(path, line_no, f"field '{key}' must be a string, got {type(value).__name__}")


def iter_documents(
    path: str, on_error: OnError | str = OnError.RAISE, stats: ReadStats | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Like ``iter_json_rows`` but every row is a valid Dolma document (string ``id`` and ``text``)."""
    policy = OnError(on_error)
    stats = stats if stats is not None else ReadStats()
    for line_no, row in iter_json_rows(path, policy, stats):
        try:
            check_document(row, path, line_no)
        except InputError as err:
            if policy is OnError.RAISE:
                raise
            stats.rows -= 1
            stats.skip(err)
            continue
        yield line_no, row


def read_rows(path: str) -> list[dict[str, Any]]:
    """Every row of a (small) file; for tests and tools, not for shards."""
    return [row for _, row in iter_json_rows(path)]


#: orjson reads JSON nested up to 1,023 levels deep, but writes at most 254 levels.
_DEEP_EXTRA_FRAMES = 1100


def dump_json(value: Any, option: int = 0) -> bytes:
    """``orjson.dumps``; a value nested deeper than orjson writes (a document with 255 to 1,023 levels of
    metadata, which every reader here accepts) goes through the standard library instead, so it is written
    rather than crashing the run."""
    try:
        return orjson.dumps(value, option=option)
    except orjson.JSONEncodeError as exc:
        if "Recursion limit" not in str(exc):
            raise
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + _DEEP_EXTRA_FRAMES)  # one C-level frame per level: far below the stack size
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                          sort_keys=bool(option & orjson.OPT_SORT_KEYS))
    finally:
        sys.setrecursionlimit(limit)
    return text.encode("utf-8") + (b"\n" if option & orjson.OPT_APPEND_NEWLINE else b"")


def dumps(row: dict[str, Any]) -> bytes:
    return dump_json(row) + b"\n"


class JsonlWriter:
    """Writes rows to an atomically committed JSONL file, tracking counts."""

    def __init__(self, sink: BinaryIO) -> None:
        self._sink = sink
        self.rows = 0
        self.bytes = 0
        self._buffer: list[bytes] = []
        self._buffered = 0

    def write(self, row: dict[str, Any]) -> None:
        self.write_raw(dump_json(row) + b"\n")

    def write_raw(self, line: bytes) -> None:
        self._buffer.append(line)
        self._buffered += len(line)
        self.rows += 1
        self.bytes += len(line)
        if self._buffered >= 1 << 20:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self._sink.write(b"".join(self._buffer))
            self._buffer.clear()
            self._buffered = 0


def write_jsonl(path: str, rows: Iterable[dict[str, Any]]) -> int:
    """Atomically write ``rows``; returns the number of rows."""
    if compression_of(path) is Compression.PARQUET:
        from .parquet import write_parquet

        return write_parquet(path, rows)
    with atomic_write(path) as sink:
        writer = JsonlWriter(sink)
        for row in rows:
            writer.write(row)
        writer.flush()
    return writer.rows
