"""What the Rust reader reads: local paths directly; S3 objects and Parquet files through Python.

``_rust.DedupeRun`` takes, per file, either a local path (opened, decompressed and parsed in Rust
with the GIL released) or a callable returning a binary file object that Rust reads with
``read(n)`` (taking the GIL only for each large read): a raw S3 stream from smart-open (still
compressed; Rust decompresses it), or Parquet rows rendered as JSON lines.
"""

from __future__ import annotations

import io
from typing import Any, Callable, Iterator


from ..io.compression import Compression, compression_of
from ..io.jsonl import dump_json
from ..io.paths import is_s3
from ..io.streams import open_raw_read

_RUST_CODEC = {Compression.NONE: "none", Compression.GZIP: "gzip", Compression.ZSTD: "zstd", Compression.PARQUET: "none"}


def rust_codec(path: str) -> str:
    """The compression name the Rust reader/writer uses for ``path`` (Parquet is read as JSON lines)."""
    return _RUST_CODEC[compression_of(path)]


class _JsonLines(io.RawIOBase):
    """A read-only byte stream of JSON lines produced from rows."""

    def __init__(self, rows: Iterator[dict[str, Any]]) -> None:
        self._rows = rows
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self._pending) < len(buffer):
            row = next(self._rows, None)
            if row is None:
                break
            self._pending += dump_json(row) + b"\n"
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def _parquet_opener(path: str) -> Callable[[], Any]:
    def open_rows() -> Any:
        from ..io.parquet import iter_parquet_rows

        return _JsonLines(row for _, row in iter_parquet_rows(path))

    return open_rows


def _s3_opener(path: str) -> Callable[[], Any]:
    return lambda: open_raw_read(path)


def rust_source(path: str) -> str | Callable[[], Any]:
    """A local path, or a callable returning a binary file object, for ``_rust.DedupeRun``."""
    if compression_of(path) is Compression.PARQUET:
        return _parquet_opener(path)
    if is_s3(path):
        return _s3_opener(path)
    return path
