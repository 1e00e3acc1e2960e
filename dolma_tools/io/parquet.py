"""Parquet documents through pyarrow, in bounded record batches."""

from __future__ import annotations

import contextlib
import io
from typing import Any, Iterable, Iterator

import orjson

from .atomic import atomic_write
from .compression import Compression
from .jsonl import dump_json
from .paths import is_s3
from .streams import open_raw_read

BATCH_ROWS = 4096


def iter_parquet_rows(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow.parquet as pq

    with contextlib.ExitStack() as stack:
        source: Any = path if not is_s3(path) else stack.enter_context(open_raw_read(path))
        pf = pq.ParquetFile(source)
        n = 0
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            for row in batch.to_pylist():
                n += 1
                if isinstance(row.get("metadata"), str):
                    with contextlib.suppress(orjson.JSONDecodeError):
                        row["metadata"] = orjson.loads(row["metadata"])
                yield n, row


def write_parquet(path: str, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows as Parquet; nested ``metadata`` is stored as a JSON string so batches share one schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    writer = None
    total = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal writer
        if not batch:
            return
        if writer is None:
            columns = list(dict.fromkeys(k for row in batch for k in row))
            table = pa.Table.from_pylist([{k: row.get(k) for k in columns} for row in batch])
            writer = pq.ParquetWriter(buffer, table.schema)
        else:
            names = writer.schema.names
            new = {k for row in batch for k in row} - set(names)
            if new:
                raise ValueError(f"{path}: fields {sorted(new)} first appear after row {total - len(batch)}; "
                                 "Parquet needs one schema per file")
            table = pa.Table.from_pylist([{k: row.get(k) for k in names} for row in batch], schema=writer.schema)
        writer.write_table(table)
        batch.clear()

    for row in rows:
        row = dict(row)
        if row.get("metadata") is not None:  # strings too: the reader decodes every metadata string as JSON
            row["metadata"] = dump_json(row["metadata"]).decode()
        batch.append(row)
        total += 1
        if len(batch) >= BATCH_ROWS:
            flush()
    flush()
    if writer is None:  # no rows: still a readable Parquet file (a zero-byte one is not)
        writer = pq.ParquetWriter(buffer, pa.schema([("id", pa.string()), ("text", pa.string())]))
    writer.close()
    with atomic_write(path, Compression.NONE) as sink:
        sink.write(buffer.getvalue())
    return total
