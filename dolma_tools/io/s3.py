"""The boto3 client every S3 access goes through.

Endpoint, region and credentials come from the usual AWS environment variables and profile files;
``configure(endpoint_url=...)`` (the CLI's ``--s3-endpoint-url``) overrides the endpoint for any
S3-compatible store. Retries use botocore's adaptive mode (jittered exponential backoff on throttling
and 5xx) and the connection pool caps concurrent requests per process.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from ..errors import StorageError


@dataclass
class S3Settings:
    endpoint_url: str | None = None
    max_attempts: int = 10
    max_concurrency: int = 16
    connect_timeout: float = 10.0
    read_timeout: float = 120.0


_settings = S3Settings()
_local = threading.local()
_lock = threading.Lock()


def configure(endpoint_url: str | None = None, max_attempts: int | None = None, max_concurrency: int | None = None) -> None:
    """Set process-wide S3 options; clients made before the call are dropped."""
    global _settings
    with _lock:
        _settings = S3Settings(
            endpoint_url=endpoint_url if endpoint_url is not None else _settings.endpoint_url,
            max_attempts=max_attempts or _settings.max_attempts,
            max_concurrency=max_concurrency or _settings.max_concurrency,
        )
        if endpoint_url:
            # child processes (workers, Ray tasks) inherit the endpoint through the environment
            os.environ["AWS_ENDPOINT_URL"] = endpoint_url
        _local.__dict__.clear()


def settings() -> S3Settings:
    return _settings


def client() -> Any:
    """A boto3 S3 client for this thread (boto3 clients are thread-safe, but sessions are not)."""
    cached = getattr(_local, "client", None)
    if cached is not None:
        return cached
    import boto3
    from botocore.config import Config

    s = _settings
    endpoint = s.endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    cfg = Config(
        retries={"max_attempts": s.max_attempts, "mode": "adaptive"},
        max_pool_connections=s.max_concurrency,
        connect_timeout=s.connect_timeout,
        read_timeout=s.read_timeout,
    )
    session = boto3.session.Session()
    _local.client = session.client("s3", endpoint_url=endpoint, config=cfg)
    return _local.client


def split_url(url: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``(bucket, key)``."""
    if not url.startswith("s3://"):
        raise ValueError(f"not an s3:// URL: {url}")
    bucket, _, key = url[5:].partition("/")
    return bucket, key


def describe_error(exc: BaseException, url: str) -> StorageError | None:
    """Turn botocore errors into a clear message without credentials; None if not a storage error."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    if isinstance(exc, NoCredentialsError):
        return StorageError(
            f"{url}: no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE)"
        )
    if isinstance(exc, EndpointConnectionError):
        return StorageError(f"{url}: cannot reach the S3 endpoint ({exc.kwargs.get('endpoint_url', '?')})")
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket",):
            return StorageError(f"{url}: bucket '{split_url(url)[0]}' does not exist")
        if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return StorageError(f"{url}: access denied ({code})")
        if code in ("NoSuchKey", "404"):
            return StorageError(f"{url}: object does not exist")
        return StorageError(f"{url}: S3 error {code}")
    return None
