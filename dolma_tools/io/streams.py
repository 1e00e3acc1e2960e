"""Open local files and remote objects as decompressed byte streams (never a whole-object copy on disk).

S3 goes through ``S3Reader`` (resumable ranged GETs on our boto3 client, see s3_stream.py); any other
remote URL smart-open understands (``https://``, ``gs://``, ``azure://``, ``hdfs://``...) is streamed by
smart-open, so documents can be read from wherever they are published.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from .compression import Compression, compression_of, decompressing_reader
from .paths import is_other_remote, is_s3
from .s3_stream import S3Reader

#: Bytes asked of the S3 body per read (large reads keep the per-call overhead low).
_S3_READ_BUFFER = 4 << 20


def open_raw_read(path: str) -> BinaryIO:
    """The stored bytes of ``path``; S3 objects are streamed (resumable ranged GETs), never copied to disk."""
    if is_s3(path):
        return io.BufferedReader(S3Reader(path), buffer_size=_S3_READ_BUFFER)  # type: ignore[return-value]
    if is_other_remote(path):
        import smart_open

        return smart_open.open(path, "rb", compression="disable")  # type: ignore[no-any-return]
    return open(path, "rb", buffering=1 << 20)


def open_read(path: str, compression: Compression | None = None) -> BinaryIO:
    """A binary stream of the decompressed content of ``path``."""
    comp = compression or compression_of(path)
    if comp is Compression.PARQUET:
        raise ValueError(f"{path}: Parquet files are read with io.parquet, not as a byte stream")
    return decompressing_reader(open_raw_read(path), comp)
