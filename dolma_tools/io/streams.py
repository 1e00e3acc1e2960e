"""Open local files and S3 objects as decompressed byte streams (never a whole-object copy on disk)."""

from __future__ import annotations

from typing import BinaryIO

from . import s3
from .compression import Compression, compression_of, decompressing_reader
from .paths import is_s3


def open_raw_read(path: str) -> BinaryIO:
    if is_s3(path):
        import smart_open

        try:
            return smart_open.open(  # type: ignore[no-any-return]
                path,
                "rb",
                compression="disable",
                transport_params={"client": s3.client(), "buffer_size": 4 << 20},
            )
        except Exception as exc:
            err = s3.describe_error(exc, path)
            if err is not None:
                raise err from exc
            raise
    return open(path, "rb", buffering=1 << 20)


def open_read(path: str, compression: Compression | None = None) -> BinaryIO:
    """A binary stream of the decompressed content of ``path``."""
    comp = compression or compression_of(path)
    if comp is Compression.PARQUET:
        raise ValueError(f"{path}: Parquet files are read with io.parquet, not as a byte stream")
    return decompressing_reader(open_raw_read(path), comp)
