"""Streaming S3 objects: a reader that resumes broken downloads, and an all-or-nothing writer.

``S3Reader`` streams an object body; if the connection breaks in the middle (reset, truncated body,
timeout), it reopens the object with a ranged GET from the byte offset already delivered, pinned to the
same version with ``If-Match: <etag>``, after a jittered backoff. Nothing is copied to local disk.

``S3Writer`` buffers up to one part in memory. Small outputs become one PUT when the writer is
committed; larger ones a multipart upload whose object appears only when the upload completes. Either
way no reader ever sees a partial object. ``abort()`` discards everything written.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import shutil
import time
from typing import Any

from ..errors import StorageError
from . import s3

#: How many times one object read may resume after a broken connection.
MAX_RESUMES = 10


def _broken_connection_errors() -> tuple[type[BaseException], ...]:
    import urllib3.exceptions
    from botocore.exceptions import BotoCoreError

    return (ConnectionError, TimeoutError, BotoCoreError, urllib3.exceptions.HTTPError)


class S3Reader(io.RawIOBase):
    """Raw binary stream over one S3 object, resumable at any byte offset."""

    def __init__(self, url: str, max_resumes: int = MAX_RESUMES) -> None:
        super().__init__()
        self.url = url
        self._bucket, self._key = s3.split_url(url)
        self._max_resumes = max_resumes
        self._broken = _broken_connection_errors()
        self._position = 0
        self._size: int | None = None
        self._etag: str | None = None
        self._body: Any = None
        self.resumes = 0
        self._open_body()  # fail now (missing object, denied, no credentials), not at the first read

    @property
    def size(self) -> int | None:
        return self._size

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move the read position; the next read opens a ranged GET there (Parquet footers need this)."""
        assert self._size is not None
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        target = max(0, base + offset)
        if target != self._position:
            self._close_body()
            self._position = target
        return self._position

    def _open_body(self) -> None:
        params: dict[str, Any] = {"Bucket": self._bucket, "Key": self._key}
        if self._position:
            params["Range"] = f"bytes={self._position}-"
        if self._etag:
            params["IfMatch"] = self._etag
        try:
            response = s3.request(self.url, "get_object", **params)
        except StorageError as err:
            if s3.error_code(err) in ("PreconditionFailed", "412"):
                raise StorageError(f"{self.url}: the object changed while it was being read") from err
            raise
        if self._size is None:
            self._size = int(response["ContentLength"])
            self._etag = response.get("ETag")
        self._body = response["Body"]

    def _close_body(self) -> None:
        body, self._body = self._body, None
        if body is not None:
            try:
                body.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is dropped either way
                pass

    def readinto(self, buffer: Any) -> int:
        assert self._size is not None
        if self._position >= self._size or not len(buffer):
            return 0
        failures = 0
        while True:
            try:
                if self._body is None:
                    self._open_body()
                data = self._body.read(len(buffer))
                if not data:  # the server closed the body early without an error
                    raise ConnectionError(f"body ended at byte {self._position} of {self._size}")
                break
            except self._broken as exc:
                self._close_body()
                failures += 1
                self.resumes += 1
                if failures > self._max_resumes:
                    raise StorageError(
                        f"{self.url}: connection kept breaking at byte {self._position} of {self._size} "
                        f"({failures} attempts; last: {type(exc).__name__})"
                    ) from exc
                time.sleep(s3.backoff_delay(failures - 1))
        n = len(data)
        buffer[:n] = data
        self._position += n
        return n

    def close(self) -> None:
        self._close_body()
        super().close()


#: S3's smallest part (all but the last) and largest copied part.
MIN_PART_SIZE = 5 << 20
MAX_COPY_PART = 5 << 30


class S3Writer(io.RawIOBase):
    """Write-only stream whose bytes become the object ``url`` on ``commit()`` and nothing on ``abort()``."""

    def __init__(self, url: str, part_size: int | None = None) -> None:
        super().__init__()
        self.url = url
        self._bucket, self._key = s3.split_url(url)
        # 16 MiB by default (DOLMA_TOOLS_S3_PART_SIZE); S3 allows 10,000 parts, so objects up to 160 GB
        self._part_size = part_size or s3.settings().part_size
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._total = 0
        self._finished = False

    def writable(self) -> bool:
        return True

    @property
    def used_multipart(self) -> bool:
        return self._upload_id is not None

    def write(self, data: Any) -> int:
        if self._finished:
            raise ValueError(f"{self.url}: write after commit/abort")
        view = memoryview(data).cast("B")
        self._buffer += view
        self._total += len(view)
        while len(self._buffer) >= self._part_size:
            self._upload_part(bytes(self._buffer[: self._part_size]))
            del self._buffer[: self._part_size]
        return len(view)

    def _upload_part(self, data: bytes) -> None:
        if self._upload_id is None:
            self._upload_id = s3.request(self.url, "create_multipart_upload", Bucket=self._bucket, Key=self._key)["UploadId"]
        number = len(self._parts) + 1
        response = s3.request(
            self.url, "upload_part", Bucket=self._bucket, Key=self._key, UploadId=self._upload_id,
            PartNumber=number, Body=data,
        )
        self._parts.append({"PartNumber": number, "ETag": response["ETag"]})

    def append_object(self, source_url: str, size: int) -> None:
        """Append the ``size`` bytes of the S3 object ``source_url`` (same store). Large enough sources are copied
        by the store itself (UploadPartCopy: no download, no re-upload); S3 requires every part but the last to be
        at least 5 MiB, so a short buffer is first topped up with the source's first bytes, and sources too small
        to be a part of their own are read and written like any other bytes."""
        head = 0 if not self._buffer or len(self._buffer) >= MIN_PART_SIZE else MIN_PART_SIZE - len(self._buffer)
        if size - head < MIN_PART_SIZE:
            with S3Reader(source_url) as src:
                shutil.copyfileobj(src, self, 8 << 20)
            return
        if head:
            self.write(self._read_range(source_url, head))
        if self._buffer:
            self._upload_part(bytes(self._buffer))
            self._buffer = bytearray()
        # a copied part holds at most 5 GiB: cut longer ranges into equal pieces (each still >= 5 MiB)
        pieces = -(-(size - head) // MAX_COPY_PART)
        bounds = [head + (size - head) * i // pieces for i in range(pieces + 1)]
        for start, end in itertools.pairwise(bounds):
            self._copy_part(source_url, start, end)
        self._total += size - head

    def _read_range(self, source_url: str, n: int) -> bytes:
        """The first ``n`` bytes of an object (one ranged GET, retried if the connection breaks)."""
        bucket, key = s3.split_url(source_url)
        broken = _broken_connection_errors()
        for attempt in range(MAX_RESUMES + 1):
            try:
                body = s3.request(source_url, "get_object", Bucket=bucket, Key=key, Range=f"bytes=0-{n - 1}")["Body"]
                data = body.read()
                if len(data) == n:
                    return data  # type: ignore[no-any-return]
            except broken:
                pass
            time.sleep(s3.backoff_delay(attempt))
        raise StorageError(f"{source_url}: could not read its first {n} bytes after {MAX_RESUMES + 1} attempts")

    def _copy_part(self, source_url: str, start: int, end: int) -> None:
        if self._upload_id is None:
            self._upload_id = s3.request(self.url, "create_multipart_upload", Bucket=self._bucket, Key=self._key)["UploadId"]
        number = len(self._parts) + 1
        bucket, key = s3.split_url(source_url)
        response = s3.request(
            self.url, "upload_part_copy", Bucket=self._bucket, Key=self._key, UploadId=self._upload_id,
            PartNumber=number, CopySource={"Bucket": bucket, "Key": key}, CopySourceRange=f"bytes={start}-{end - 1}",
        )
        self._parts.append({"PartNumber": number, "ETag": response["CopyPartResult"]["ETag"]})

    def commit(self) -> None:
        """Make the object visible with every byte written so far."""
        if self._finished:
            return
        if self._upload_id is None:
            s3.request(self.url, "put_object", Bucket=self._bucket, Key=self._key, Body=bytes(self._buffer))
        else:
            if self._buffer:
                self._upload_part(bytes(self._buffer))
            self._complete()
        self._buffer = bytearray()
        self._finished = True

    def _complete(self) -> None:
        try:
            s3.request(
                self.url, "complete_multipart_upload", Bucket=self._bucket, Key=self._key, UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        except StorageError as err:
            # a retry after a lost response finds the upload already completed: check the object is ours
            if s3.error_code(err) != "NoSuchUpload" or not self._object_is_ours():
                raise

    def _object_is_ours(self) -> bool:
        try:
            head = s3.request(self.url, "head_object", Bucket=self._bucket, Key=self._key)
        except StorageError:
            return False
        digest = hashlib.md5(b"".join(bytes.fromhex(p["ETag"].strip('"')) for p in self._parts), usedforsecurity=False)
        expected = f'"{digest.hexdigest()}-{len(self._parts)}"'
        return head.get("ETag") == expected or int(head.get("ContentLength", -1)) == self._total

    def abort(self) -> None:
        """Discard the upload; no object is created (an existing object at the key is left untouched)."""
        if self._finished:
            return
        self._finished = True
        self._buffer = bytearray()
        if self._upload_id is not None:
            try:
                s3.request(self.url, "abort_multipart_upload", Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)
            except StorageError:
                pass  # left for remove_stale_temporaries on the next run (invisible meanwhile)

    def close(self) -> None:
        if not self._finished:
            self.abort()
        super().close()
