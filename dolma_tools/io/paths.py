"""Paths and globs for local files and ``s3://`` prefixes.

Glob semantics follow Python's ``glob(recursive=True)``: ``*`` and ``?`` stay inside one folder, ``**`` as a
whole path segment matches zero or more folders, and names starting with ``.`` only match patterns that
start with ``.`` (so our temporary files never match). Results are sorted, which fixes the canonical
order that deterministic dedupe and sampling rely on.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Iterator

from ..errors import ConfigError, StorageError
from . import s3

_GLOB_CHARS = re.compile(r"[*?\[]")


def is_s3(path: str) -> bool:
    return path.startswith("s3://")


def is_other_remote(path: str) -> bool:
    """A URL of a store other than S3 (``https://``, ``gs://``, ``azure://``...), read through smart-open."""
    return "://" in path and not is_s3(path) and not path.startswith("file://")


def join(base: str, *parts: str) -> str:
    out = base
    for part in parts:
        if not part:
            continue
        out = out.rstrip("/") + "/" + part.lstrip("/")
    return out


def parent(path: str) -> str:
    """The folder of ``path``; "" for a bare file name (the current directory)."""
    stripped = path.rstrip("/")
    return stripped.rsplit("/", 1)[0] if "/" in stripped else ""


def basename(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def split_glob(pattern: str) -> tuple[str, str]:
    """Split into the longest folder prefix without glob characters and the rest."""
    parts = pattern.split("/")
    for i, part in enumerate(parts):
        if _GLOB_CHARS.search(part):
            return "/".join(parts[:i]), "/".join(parts[i:])
    return pattern, ""


@functools.lru_cache(maxsize=256)
def _segment_regex(segment: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(segment):
        c = segment[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = segment.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = segment[i + 1 : j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def _match_segments(pattern: list[str], name: list[str]) -> bool:
    if not pattern:
        return not name
    head = pattern[0]
    if head == "**":
        # zero or more folders; never descend into hidden folders
        for k in range(len(name) + 1):
            if k and name[k - 1].startswith("."):
                break
            if _match_segments(pattern[1:], name[k:]):
                return True
        return False
    if not name:
        return False
    if name[0].startswith(".") and not head.startswith("."):
        return False
    return bool(_segment_regex(head).match(name[0])) and _match_segments(pattern[1:], name[1:])


def matches(relative_pattern: str, relative_name: str) -> bool:
    """Does ``relative_name`` (a/b/c.jsonl) match ``relative_pattern`` (a/**/*.jsonl)?"""
    return _match_segments(relative_pattern.split("/"), relative_name.split("/"))


def glob_paths(pattern: str) -> list[str]:
    """Sorted files matching ``pattern`` (local or ``s3://``). A pattern without glob characters names a
    single file and is returned as is if it exists."""
    prefix, rest = split_glob(pattern)
    if not rest:
        return [pattern] if exists(pattern) else []
    recursive = "**" in rest.split("/")
    depth = None if recursive else len(rest.split("/"))
    if is_s3(pattern):
        names = _list_s3(prefix, depth)
    else:
        names = _list_local(prefix or ".", depth)
    return sorted(join(prefix, n) if prefix else n for n in names if matches(rest, n))


def _list_local(root: str, depth: int | None) -> Iterator[str]:
    if not os.path.isdir(root):
        return
    root = root.rstrip("/") or "/"
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        rel_dir = os.path.relpath(dirpath, root)
        level = 0 if rel_dir == "." else rel_dir.count(os.sep) + 1
        if depth is not None and level >= depth - 1:
            dirnames[:] = []
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for f in filenames:
            rel = f if rel_dir == "." else os.path.join(rel_dir, f).replace(os.sep, "/")
            if depth is None or rel.count("/") == depth - 1:
                yield rel


def _list_s3(prefix: str, depth: int | None) -> Iterator[str]:
    bucket_url = prefix.rstrip("/") + "/"
    bucket, key_prefix = s3.split_url(bucket_url)
    if key_prefix == "/":
        key_prefix = ""
    for key, size in s3.list_objects(f"s3://{bucket}/{key_prefix}"):
        rel = key[len(key_prefix) :]
        if rel and not rel.endswith("/") and (depth is None or rel.count("/") == depth - 1):
            _listed_sizes[f"s3://{bucket}/{key}"] = size
            yield rel


#: Sizes of S3 objects seen by the last listings, so ``size_of`` needs no HEAD request per object.
_listed_sizes: dict[str, int] = {}


def forget_size(path: str) -> None:
    """Drop a remembered size (the object was just rewritten)."""
    _listed_sizes.pop(path, None)


def exists(path: str) -> bool:
    if is_s3(path):
        bucket, key = s3.split_url(path)
        try:
            s3.request(path, "head_object", Bucket=bucket, Key=key)
            return True
        except StorageError as err:
            if s3.is_missing(err):
                return False
            raise
    if is_other_remote(path):
        from .streams import open_raw_read

        try:
            open_raw_read(path).close()
            return True
        except (OSError, ValueError):
            return False
    return os.path.isfile(path)


def size_of(path: str) -> int:
    """Size in bytes; for S3 objects found by ``glob_paths`` the listing's size (no extra request)."""
    if is_s3(path):
        known = _listed_sizes.get(path)
        if known is not None:
            return known
        bucket, key = s3.split_url(path)
        return int(s3.request(path, "head_object", Bucket=bucket, Key=key)["ContentLength"])
    return os.path.getsize(path)


def remove(path: str) -> None:
    if is_s3(path):
        bucket, key = s3.split_url(path)
        s3.request(path, "delete_object", Bucket=bucket, Key=key)
        forget_size(path)
    elif os.path.exists(path):
        os.remove(path)


def makedirs(path: str) -> None:
    if not is_s3(path) and path:
        os.makedirs(path, exist_ok=True)


def check_file_name(name: str, key: str) -> str:
    """``name`` (a config value that becomes one file or folder name inside an output folder: a dedupe name,
    a stream or source name) must stay there: no separators, no ``..``, not hidden, no control characters."""
    if not name:
        problem = "must not be empty"
    elif "/" in name or "\\" in name:
        problem = "must be a single name, without '/' or '\\'"
    elif name in (".", ".."):
        problem = "must not be '.' or '..'"
    elif name.startswith("."):
        problem = "must not start with '.' (hidden names are reserved for temporaries and skipped by globs)"
    elif any(ord(c) < 32 for c in name):
        problem = "must not contain control characters"
    else:
        return name
    raise ConfigError(f"{name!r} names files in the output folder and {problem}", key)


def relative_to(path: str, root: str) -> str:
    root = root.rstrip("/") + "/"
    if not path.startswith(root):
        raise ValueError(f"{path} is not under {root}")
    return path[len(root) :]


def attribute_path(document_path: str, name: str, documents_dir: str = "documents") -> str:
    """``<root>/documents/<rel>`` -> ``<root>/attributes/<name>/<rel>``, keeping relative path and compression.

    The last ``documents`` folder of the path is the one replaced (Dolma's rule). Parquet document files get
    JSONL-gzip attribute files (attributes are always Dolma JSONL)."""
    parts = document_path.split("/")
    try:
        i = len(parts) - 1 - parts[::-1].index(documents_dir)
    except ValueError:
        raise ValueError(
            f"cannot derive an attribute path: '{document_path}' has no '{documents_dir}/' folder; "
            "pass --destination explicitly"
        ) from None
    mapped = "/".join(parts[:i] + ["attributes", name] + parts[i + 1 :])
    if mapped.endswith(".parquet"):
        mapped = mapped[: -len(".parquet")] + ".jsonl.gz"
    return mapped


def make_destination_paths(sources: list[str], pattern_prefixes: list[str], destination: str) -> list[str]:
    """Map each source file under one of ``pattern_prefixes`` to the same relative path under ``destination``."""
    out = []
    for src in sources:
        for prefix in sorted(pattern_prefixes, key=len, reverse=True):
            if prefix and src.startswith(prefix.rstrip("/") + "/"):
                out.append(join(destination, relative_to(src, prefix)))
                break
        else:
            out.append(join(destination, basename(src)))
    return out
