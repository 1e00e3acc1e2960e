"""Streaming I/O for local paths and ``s3://`` URLs: globs, compression, atomic commits, JSONL, Parquet."""

from .atomic import atomic_write, remove_stale_temporaries
from .compression import Compression, compression_of
from .jsonl import iter_documents, iter_json_rows, read_rows, write_jsonl
from .paths import (
    attribute_path,
    exists,
    glob_paths,
    is_s3,
    join,
    make_destination_paths,
    parent,
    relative_to,
    split_glob,
)
from .streams import open_read

__all__ = [
    "Compression",
    "atomic_write",
    "attribute_path",
    "compression_of",
    "exists",
    "glob_paths",
    "is_s3",
    "iter_documents",
    "iter_json_rows",
    "join",
    "make_destination_paths",
    "open_read",
    "parent",
    "read_rows",
    "relative_to",
    "remove_stale_temporaries",
    "split_glob",
    "write_jsonl",
]
