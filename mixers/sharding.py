"""Output shards ``<name>-NNNN.jsonl.gz`` capped by ``max_size_in_bytes``, built so that reruns are safe.

Jobs and output shards are decoupled, so that the output does not depend on ``--processes``:

1. every input file is one job, which writes its kept documents into *staged parts* (each at most
   ``max_size_in_bytes`` uncompressed bytes) and then, last, a small completion record listing them;
   all writes are atomic, so a killed job leaves nothing a rerun could mistake for finished work;
2. when every job is done, the parts are packed in input order into shards of at most
   ``max_size_in_bytes`` uncompressed bytes (a document larger than the cap gets a shard of its own).
   A shard is its parts' compressed bytes concatenated (multi-member gzip / multi-frame zstd, which every
   gzip/zstd reader accepts), or a rename when it has one part, so nothing is recompressed.

The packing is a pure function of the records, so an interrupted run resumes with the same shards,
and the staged parts are deleted only after the manifest is written.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO

import orjson

from dolma_tools import fault_hooks
from dolma_tools.io.atomic import atomic_write, concatenate
from dolma_tools.io.compression import Compression
from dolma_tools.io.paths import basename, glob_paths, is_s3, join, remove

_FLUSH_BYTES = 1 << 20


def output_extension(compression: str | None) -> str:
    """File extension for Dolma's ``compression.output`` (default gzip)."""
    value = (compression or "gz").lower().lstrip(".")
    if value in ("gz", "gzip"):
        return ".jsonl.gz"
    if value in ("zst", "zstd"):
        return ".jsonl.zst"
    if value in ("", "none", "jsonl"):
        return ".jsonl"
    raise ValueError(f"unsupported output compression {compression!r} (use gz, zst or an empty string)")


@dataclass
class Part:
    """One staged part: its path, documents and uncompressed bytes."""

    path: str
    docs: int
    bytes: int


class PartWriter:
    """Writes JSONL lines into atomically committed part files of at most ``cap`` uncompressed bytes."""

    def __init__(self, prefix: str, ext: str, cap: int) -> None:
        self.prefix = prefix
        self.ext = ext
        self.cap = max(1, cap)
        self.parts: list[Part] = []
        self._ctx: Any = None
        self._sink: BinaryIO | None = None
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._docs = 0
        self._bytes = 0

    def write(self, line: bytes) -> None:
        if self._sink is not None and self._bytes + len(line) > self.cap:
            self._finish_part()
        if self._sink is None:
            self._start_part()
        self._buffer.append(line)
        self._buffered += len(line)
        self._docs += 1
        self._bytes += len(line)
        if self._buffered >= _FLUSH_BYTES:
            self._flush()

    def _start_part(self) -> None:
        path = f"{self.prefix}-{len(self.parts):04d}{self.ext}"
        self._ctx = atomic_write(path)
        self._sink = self._ctx.__enter__()
        self.parts.append(Part(path, 0, 0))

    def _flush(self) -> None:
        if self._buffer and self._sink is not None:
            self._sink.write(b"".join(self._buffer))
        self._buffer.clear()
        self._buffered = 0

    def _finish_part(self) -> None:
        self._flush()
        self._ctx.__exit__(None, None, None)
        self.parts[-1].docs, self.parts[-1].bytes = self._docs, self._bytes
        self._ctx = self._sink = None
        self._docs = self._bytes = 0

    def close(self) -> list[Part]:
        if self._sink is not None:
            self._finish_part()
        return self.parts

    def abort(self, exc: BaseException) -> None:
        if self._ctx is not None:
            self._buffer.clear()
            self._ctx.__exit__(type(exc), exc, exc.__traceback__)
            self._ctx = self._sink = None


# --------------------------------------------------------------------------------------- completion records

def record_path(prefix: str) -> str:
    return f"{prefix}.done.json"


def write_record(prefix: str, record: dict[str, Any]) -> None:
    with atomic_write(record_path(prefix), Compression.NONE) as f:
        f.write(orjson.dumps(record, option=orjson.OPT_SORT_KEYS))


def read_record(prefix: str) -> dict[str, Any]:
    from dolma_tools.io.streams import open_read

    with open_read(record_path(prefix), Compression.NONE) as f:
        return orjson.loads(f.read())  # type: ignore[no-any-return]


def parts_of(record: dict[str, Any]) -> list[Part]:
    return [Part(**p) for p in record["parts"]]


# --------------------------------------------------------------------------------------- packing

@dataclass
class Shard:
    path: str
    docs: int
    bytes: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def pack(parts: list[Part], cap: int) -> list[list[Part]]:
    """Group consecutive parts into shards of at most ``cap`` uncompressed bytes."""
    groups: list[list[Part]] = []
    current: list[Part] = []
    size = 0
    for part in parts:
        if part.docs == 0:
            continue
        if current and size + part.bytes > cap:
            groups.append(current)
            current, size = [], 0
        current.append(part)
        size += part.bytes
    if current:
        groups.append(current)
    return groups


def shard_name(name: str, index: int, ext: str) -> str:
    return f"{name}-{index:04d}{ext}"


def assemble(groups: list[list[Part]], output_dir: str, name: str, ext: str) -> list[Shard]:
    """Write every shard (skipping none: writes are cheap copies and idempotent) and delete stale ones."""
    shards = []
    for i, group in enumerate(groups):
        dest = join(output_dir, shard_name(name, i, ext))
        assemble_file(group, dest)
        shards.append(Shard(dest, sum(p.docs for p in group), sum(p.bytes for p in group)))
    _remove_stale_shards(output_dir, name, ext, len(groups))
    return shards


def assemble_file(group: list[Part], dest: str) -> None:
    """Commit ``dest`` as the concatenation of the parts' compressed bytes (a rename for a single local part;
    an empty group gives an empty file)."""
    if len(group) == 1 and not is_s3(dest) and not is_s3(group[0].path):
        src = group[0].path
        if not os.path.exists(src):
            if os.path.exists(dest):
                return  # renamed by an earlier, interrupted finalisation
            raise FileNotFoundError(f"staged part {src} is missing and {dest} does not exist; "
                                    "rerun with --ignore-existing")
        os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
        try:
            os.replace(src, dest)  # staged parts are complete files: a rename is atomic
            fault_hooks.reach("committed")
            return
        except OSError:  # another file system (work_dir elsewhere): copy instead
            pass
    if not group:
        with atomic_write(dest):  # a valid, empty compressed file
            return
    concatenate([part.path for part in group], dest)  # on S3: copied by the store, not through this machine


def _remove_stale_shards(output_dir: str, name: str, ext: str, keep: int) -> None:
    pattern = re.compile(re.escape(name) + r"-(\d{4,})" + re.escape(ext) + r"\Z")
    for path in glob_paths(join(output_dir, f"{name}-*{ext}")):
        m = pattern.match(basename(path))
        if m and int(m.group(1)) >= keep:
            remove(path)


def remove_tree(path: str) -> None:
    """Delete a staging folder (local) or every object under it (S3)."""
    if is_s3(path):
        for p in glob_paths(join(path, "**")):
            remove(p)
    elif os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
