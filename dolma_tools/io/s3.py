"""The boto3 client every S3 access goes through, its settings, request cap and readable errors.

Endpoint, region and credentials come from the usual AWS environment variables and profile files;
``configure(endpoint_url=...)`` (the CLI's ``--s3-endpoint-url``) overrides the endpoint for any
S3-compatible store. Settings live in environment variables so that worker processes (local spawn pool,
Ray workers) see the same values as the command that started them.

Retries: every API call goes through botocore's retry handler (``adaptive`` mode by default: jittered
exponential backoff on throttling such as 503 SlowDown, on 5xx and on connection errors, plus client-side
rate limiting after throttling). What botocore cannot retry, a connection lost in the middle of a streamed
object body, is resumed by ``s3_stream.S3Reader`` with a ranged GET from the byte offset already read.

Concurrency: ``request()`` holds one of ``max_concurrency`` slots per process while a request is in flight,
so a worker never has more than that many S3 requests outstanding (total = workers x max_concurrency).
"""

from __future__ import annotations

import os
import random
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar

from ..errors import StorageError
from ..redaction import redact

T = TypeVar("T")

#: Environment variables holding the settings (inherited by local workers, forwarded to Ray workers).
ENV_MAX_ATTEMPTS = "DOLMA_TOOLS_S3_MAX_ATTEMPTS"
ENV_MAX_CONCURRENCY = "DOLMA_TOOLS_S3_MAX_CONCURRENCY"
ENV_RETRY_MODE = "DOLMA_TOOLS_S3_RETRY_MODE"
ENV_BACKOFF_BASE = "DOLMA_TOOLS_S3_BACKOFF_BASE"
ENV_PART_SIZE = "DOLMA_TOOLS_S3_PART_SIZE"

#: S3's smallest allowed multipart part (except the last).
MIN_PART_SIZE = 5 << 20

#: Non-secret variables a remote worker needs to reach the same store (credentials are never forwarded).
FORWARDED_ENV = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_PROFILE",
    ENV_MAX_ATTEMPTS,
    ENV_MAX_CONCURRENCY,
    ENV_RETRY_MODE,
    ENV_BACKOFF_BASE,
    ENV_PART_SIZE,
)

_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
_DENIED_CODES = frozenset({"AccessDenied", "403", "AllAccessDisabled", "AccountProblem", "InvalidObjectState"})
_BAD_KEY_CODES = frozenset({"InvalidAccessKeyId", "InvalidClientTokenId", "UnrecognizedClientException"})
_BAD_SECRET_CODES = frozenset({"SignatureDoesNotMatch"})
_EXPIRED_CODES = frozenset({"ExpiredToken", "TokenRefreshRequired", "RequestExpired", "InvalidToken"})


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str | None
    max_attempts: int
    max_concurrency: int
    retry_mode: str
    backoff_base: float
    part_size: int
    connect_timeout: float = 10.0
    read_timeout: float = 120.0


def _env_number(name: str, default: float, kind: Callable[[str], Any]) -> Any:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise StorageError(f"environment variable {name}={raw!r} is not a number") from None


def settings() -> S3Settings:
    """Current settings, read from the environment (so every process agrees)."""
    return S3Settings(
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None,
        max_attempts=_env_number(ENV_MAX_ATTEMPTS, 10, int),
        max_concurrency=max(1, _env_number(ENV_MAX_CONCURRENCY, 16, int)),
        retry_mode=os.environ.get(ENV_RETRY_MODE) or "adaptive",
        backoff_base=_env_number(ENV_BACKOFF_BASE, 0.5, float),
        part_size=max(MIN_PART_SIZE, _env_number(ENV_PART_SIZE, 16 << 20, int)),
    )


class _ProcessState:
    """One client and one request semaphore per process (rebuilt after fork or ``configure``)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pid = -1
        self.client: Any = None
        self.slots: threading.BoundedSemaphore | None = None


_state = _ProcessState()


def configure(
    endpoint_url: str | None = None, max_attempts: int | None = None, max_concurrency: int | None = None
) -> None:
    """Set process-wide S3 options (exported to the environment for worker processes); drops the client."""
    if endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
        os.environ.pop("AWS_ENDPOINT_URL_S3", None)
    if max_attempts:
        os.environ[ENV_MAX_ATTEMPTS] = str(max_attempts)
    if max_concurrency:
        os.environ[ENV_MAX_CONCURRENCY] = str(max_concurrency)
    with _state.lock:
        _state.pid = -1


def _ensure_state() -> _ProcessState:
    if _state.pid == os.getpid():
        return _state
    import boto3
    from botocore.config import Config

    with _state.lock:
        if _state.pid != os.getpid():
            s = settings()
            # stores other than AWS often reject the aws-chunked CRC trailers boto3 sends by default
            checksums = "when_required" if s.endpoint_url else "when_supported"
            cfg = Config(
                retries={"total_max_attempts": s.max_attempts, "mode": s.retry_mode},
                max_pool_connections=s.max_concurrency,
                connect_timeout=s.connect_timeout,
                read_timeout=s.read_timeout,
                request_checksum_calculation=checksums,
                response_checksum_validation=checksums,
            )
            _state.client = boto3.session.Session().client("s3", endpoint_url=s.endpoint_url, config=cfg)
            _state.slots = threading.BoundedSemaphore(s.max_concurrency)
            _state.pid = os.getpid()
    return _state


def client() -> Any:
    """The process's boto3 S3 client (thread-safe). Prefer ``request()``, which also caps concurrency."""
    return _ensure_state().client


def request(url: str, operation: str, **params: Any) -> Any:
    """Call ``client.<operation>(**params)`` in a concurrency slot; storage failures become ``StorageError``."""
    state = _ensure_state()
    assert state.slots is not None
    with state.slots:
        try:
            return getattr(state.client, operation)(**params)
        except Exception as exc:
            err = describe_error(exc, url)
            if err is None:
                raise
            raise err from exc


def error_code(exc: BaseException) -> str | None:
    """The S3 error code of a botocore ``ClientError`` anywhere in the exception's chain, else None."""
    from botocore.exceptions import ClientError

    for e in _chain(exc):
        if isinstance(e, ClientError):
            return str(e.response.get("Error", {}).get("Code", "")) or str(
                e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
            )
    return None


def is_missing(exc: BaseException) -> bool:
    return error_code(exc) in _MISSING_CODES


def list_objects(url_prefix: str) -> Iterator[tuple[str, int]]:
    """``(key, size)`` of every object under ``s3://bucket/prefix`` (one LIST per 1,000 objects)."""
    bucket, prefix = split_url(url_prefix)
    token: str | None = None
    while True:
        params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        if token:
            params["ContinuationToken"] = token
        page = request(url_prefix, "list_objects_v2", **params)
        for obj in page.get("Contents", []):
            yield obj["Key"], int(obj["Size"])
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return


def backoff_delay(attempt: int, base: float | None = None, cap: float = 20.0) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base * 2**attempt)]."""
    b = settings().backoff_base if base is None else base
    return random.uniform(0, min(cap, b * (2**attempt)))


def split_url(url: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``(bucket, key)``."""
    if not url.startswith("s3://"):
        raise ValueError(f"not an s3:// URL: {url}")
    bucket, _, key = url[5:].partition("/")
    return bucket, key


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and its causes/contexts (a storage error may be wrapped by the code that hit it)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend([e.__cause__, e.__context__])


def describe_error(exc: BaseException, url: str) -> StorageError | None:
    """A clear message for a storage failure (never including credentials); None if ``exc`` is not one."""
    from botocore.exceptions import (
        ClientError,
        ConnectionError as BotoConnectionError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ReadTimeoutError,
    )

    attempts = settings().max_attempts
    for e in _chain(exc):
        if isinstance(e, StorageError):
            return e
        if isinstance(e, NoCredentialsError):
            return StorageError(
                f"{url}: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, "
                "or run where an instance role is available)"
            )
        if isinstance(e, PartialCredentialsError):
            return StorageError(f"{url}: incomplete AWS credentials ({e.kwargs.get('cred_var', 'a variable')} is missing)")
        if isinstance(e, NoRegionError):
            return StorageError(f"{url}: no AWS region configured (set AWS_DEFAULT_REGION)")
        if isinstance(e, EndpointConnectionError):
            endpoint = redact(str(e.kwargs.get("endpoint_url", "?")))
            return StorageError(f"{url}: cannot reach the S3 endpoint {endpoint} after {attempts} attempts")
        if isinstance(e, ReadTimeoutError):
            return StorageError(f"{url}: S3 read timed out after {attempts} attempts")
        if isinstance(e, BotoConnectionError):
            return StorageError(f"{url}: connection to S3 failed after {attempts} attempts ({type(e).__name__})")
        if isinstance(e, ClientError):
            return _describe_client_error(e, url, attempts)
    return None


def _describe_client_error(e: Any, url: str, attempts: int) -> StorageError:
    code = str(e.response.get("Error", {}).get("Code", "")) or "?"
    status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    bucket = split_url(url)[0] if url.startswith("s3://") else "?"
    if code == "NoSuchBucket":
        return StorageError(f"{url}: bucket '{bucket}' does not exist")
    if code in _DENIED_CODES:
        return StorageError(f"{url}: access denied ({code}): the credentials in use may not access this bucket/key")
    if code in _BAD_KEY_CODES:
        return StorageError(f"{url}: the AWS access key id is not recognised by the endpoint ({code})")
    if code in _BAD_SECRET_CODES:
        return StorageError(f"{url}: request signature rejected ({code}): check the secret access key")
    if code in _EXPIRED_CODES:
        return StorageError(f"{url}: the AWS session credentials have expired ({code})")
    if code in _MISSING_CODES:
        return StorageError(f"{url}: object does not exist")
    if code in ("SlowDown", "Throttling", "RequestLimitExceeded") or status == 503:
        return StorageError(f"{url}: S3 kept throttling ({code}) after {attempts} attempts; lower --processes or "
                            "raise DOLMA_TOOLS_S3_MAX_ATTEMPTS")
    if isinstance(status, int) and status >= 500:
        return StorageError(f"{url}: S3 server error {code} (HTTP {status}) after {attempts} attempts")
    return StorageError(f"{url}: S3 error {code}" + (f" (HTTP {status})" if status else ""))
