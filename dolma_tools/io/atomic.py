"""Atomic commits: a reader never sees a half-written output.

Local files are written to a hidden temporary file in the destination folder and renamed into place after
an fsync. S3 objects are written by ``s3_stream.S3Writer``: one PUT, or a multipart upload that creates the object
only when it completes; an exception aborts the upload, and a killed process leaves only an invisible
incomplete upload (aborted on the next run by ``remove_stale_temporaries``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from typing import BinaryIO, Iterator

from .. import fault_hooks
from ..errors import StorageError
from . import s3
from .compression import Compression, compressing_writer, compression_of
from .paths import basename, forget_size, is_s3, parent, size_of
from .s3_stream import S3Writer
from .streams import open_raw_read

_TMP_SUFFIX = ".dtmp"


def _read_umask() -> int:
    # os.umask can only be read by setting it; done once, at import, so no other thread can create a file
    # with the wrong mode in between
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: The process's umask: a committed file gets the mode an ordinary ``open`` would have given it.
_UMASK = _read_umask()


def _temporary_name(path: str) -> str:
    return os.path.join(parent(path), f".{basename(path)}.{os.getpid()}-{secrets.token_hex(4)}{_TMP_SUFFIX}")


def remove_stale_temporaries(path: str) -> int:
    """Delete temporaries left for ``path`` by killed runs; returns how many were removed."""
    if is_s3(path):
        return _abort_stale_uploads(path)
    folder = parent(path) or "."
    if not os.path.isdir(folder):
        return 0
    prefix = f".{basename(path)}."
    removed = 0
    for name in os.listdir(folder):
        if name.startswith(prefix) and name.endswith(_TMP_SUFFIX):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(folder, name))
                removed += 1
    return removed


def _abort_stale_uploads(url: str) -> int:
    """Abort multipart uploads of ``url`` left by killed runs (they are invisible, but cost storage)."""
    bucket, key = s3.split_url(url)
    try:
        resp = s3.request(url, "list_multipart_uploads", Bucket=bucket, Prefix=key)
    except StorageError:
        return 0  # e.g. a store without ListMultipartUploads; the leftovers stay invisible either way
    n = 0
    for up in resp.get("Uploads", []):
        if up["Key"] == key:
            with contextlib.suppress(StorageError):
                s3.request(url, "abort_multipart_upload", Bucket=bucket, Key=key, UploadId=up["UploadId"])
                n += 1
    return n


@contextlib.contextmanager
def atomic_write(path: str, compression: Compression | None = None) -> Iterator[BinaryIO]:
    """Yield a binary sink whose bytes (compressed as the file name says) appear at ``path`` only if the
    block exits without an exception."""
    comp = compression or compression_of(path)
    if comp is Compression.PARQUET:
        raise ValueError("use io.parquet.write_parquet for Parquet outputs")
    if "://" in path and not is_s3(path):
        raise StorageError(f"{path}: outputs go to local paths or s3:// (other URLs are read-only inputs)")
    if is_s3(path):
        with _atomic_s3(path) as raw:
            sink = compressing_writer(fault_hooks.wrap_sink(raw), comp)
            yield sink
            sink.close()
            fault_hooks.reach("commit")
        fault_hooks.reach("committed")
        return
    try:
        folder = parent(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        tmp = _temporary_name(path)
        # 0o600 while being written; the final file gets the usual umask-derived mode
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise disk_full_error(path, exc) or exc
    raw = os.fdopen(fd, "wb", buffering=1 << 20)
    try:
        sink = compressing_writer(fault_hooks.wrap_sink(raw), comp)
        yield sink
        sink.close()
        raw.flush()
        os.fsync(raw.fileno())
        raw.close()
        os.chmod(tmp, 0o666 & ~_UMASK)
        fault_hooks.reach("commit")
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            raw.close()  # closing flushes, which fails again on a full disk
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        full = disk_full_error(path, exc)
        if full is not None:
            raise full from exc
        raise
    fault_hooks.reach("committed")


#: errno values of a full file system or an exhausted quota.
_DISK_FULL = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
              errno.EFBIG: "file too large for the file system"}


def disk_full_error(path: str, exc: BaseException) -> StorageError | None:
    """A clear error for a full disk (the raw OSError names neither the file nor what to do)."""
    if not isinstance(exc, OSError) or exc.errno not in _DISK_FULL:
        return None
    return StorageError(f"{path}: {_DISK_FULL[exc.errno]} while writing it; nothing was committed (the partial "
                        "temporary file was removed): free space and rerun the same command to resume")


@contextlib.contextmanager
def _atomic_s3(url: str) -> Iterator[BinaryIO]:
    writer = S3Writer(url)
    try:
        yield writer  # type: ignore[misc]
        writer.commit()
        forget_size(url)
        if writer.used_multipart:
            # uploads whose creation reply was lost (or that a killed run left) are invisible but cost storage
            _abort_stale_uploads(url)
    finally:
        writer.close()  # aborts unless committed


def write_bytes(path: str, data: bytes) -> None:
    """Atomically write raw bytes (no compression inferred)."""
    with atomic_write(path, Compression.NONE) as f:
        f.write(data)


def concatenate(sources: list[str], dest: str) -> None:
    """Atomically commit ``dest`` as the bytes of ``sources``, one after another (e.g. gzip members into one
    file). Onto S3, sources in the store are appended with ``S3Writer.append_object``: the store copies the large
    ones itself (server-side multipart copy), so only small sources travel through this machine."""
    if is_s3(dest):
        with _atomic_s3(dest) as writer:
            for src in sources:
                if is_s3(src):
                    writer.append_object(src, size_of(src))
                else:
                    with open_raw_read(src) as f:
                        shutil.copyfileobj(f, writer, 8 << 20)
        return
    with atomic_write(dest, Compression.NONE) as out:
        for src in sources:
            with open_raw_read(src) as f:
                shutil.copyfileobj(f, out, 8 << 20)
