"""Small corpora and object snapshots shared by the S3 and cluster tests."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import orjson

from dolma_tools.io import s3, write_jsonl
from foundation import test_resume as _foundation_resume

#: A tagger plugin that sleeps $SLOW_TAGGER_SECONDS per document, so a run can be killed mid-way.
SLOW_PLUGIN = _foundation_resume.SLOW_PLUGIN


def rows_for(file_index: int, docs: int) -> list[dict]:
    """Every fifth document's text is the same in every file (duplicates for dedupe to find)."""
    return [
        {"id": f"f{file_index}-d{d}", "source": "t",
         "text": f"a text every file has, number {d}." if d % 5 == 4 else f"document {d} of file {file_index}. " * (d % 7 + 1)}
        for d in range(docs)
    ]


def write_corpus(root: str, files: int = 6, docs: int = 30) -> list[str]:
    """``root/documents/part-NNN.jsonl.gz`` (local folder or s3:// prefix); returns the file paths."""
    paths = []
    for f in range(files):
        path = f"{root.rstrip('/')}/documents/part-{f:03d}.jsonl.gz"
        write_jsonl(path, rows_for(f, docs))
        paths.append(path)
    return paths


def s3_objects(bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object under the prefix, read with a plain client (not through the code under test)."""
    client = s3.client()
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            out[obj["Key"][len(prefix):]] = client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
    return out


def local_files(root: Path) -> dict[str, bytes]:
    """Committed files under ``root`` (hidden names are temporaries of a killed run, not outputs)."""
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            if not name.startswith("."):
                p = Path(dirpath) / name
                out[str(p.relative_to(root))] = p.read_bytes()
    return out


def attribute_rows(data: bytes) -> list[dict]:
    """Decode a committed .jsonl.gz attribute file; raises if it is truncated or corrupt."""
    return [orjson.loads(line) for line in gzip.decompress(data).splitlines() if line.strip()]


def tag_args(documents: str, destination: str, plugin: Path, *extra: str,
             taggers: tuple[str, ...] = ("slow_length_test", "char_length_v1")) -> list[str]:
    """CLI arguments of a tag run with the slow plugin (one experiment, so one output per input)."""
    return ["tag", "--documents", documents, "--destination", destination, "--taggers", *taggers,
            "--experiment", "exp", "--tagger-modules", str(plugin), *extra]


def popen_cli(args: list[str], **env: str) -> subprocess.Popen:
    """Start the CLI in its own process group (so a kill takes its workers too)."""
    return subprocess.Popen([sys.executable, "-m", "dolma_tools", *args], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def settled(count: Callable[[], int], quiet: float = 2.0, timeout: float = 60) -> int:
    """Wait until ``count()`` stops changing for ``quiet`` seconds (work of a killed run winding down)."""
    last, since, deadline = count(), time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.2)
        now = count()
        if now != last:
            last, since = now, time.monotonic()
    return last


def kill_when(proc: subprocess.Popen, ready: Callable[[], bool], timeout: float = 120, poll: float = 0.05,
              each: Callable[[], None] | None = None) -> None:
    """SIGKILL the process group of ``proc`` once ``ready()``; ``each()`` runs at every poll (checks)."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if each is not None:
                each()
            if ready():
                return
            if proc.poll() is not None:
                raise AssertionError(f"the run ended (exit {proc.returncode}) before the kill point")
            time.sleep(poll)
        raise AssertionError("the kill point was not reached in time")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # main process and every worker die at once
        proc.wait()
