"""Shared fixtures: paths to ../shared, a CLI runner, and a real S3 server (moto) on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()

os.environ.setdefault("DOLMA_TOOLS_PROGRESS", "0")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    assert SHARED.is_dir(), f"{SHARED} is missing: the tests read ../shared in place"
    return SHARED


@pytest.fixture(scope="session")
def dolma_fixtures(shared_dir: Path) -> Path:
    return shared_dir / "fixtures" / "dolma"


def run_cli(*args: str, check: bool = True, env: dict | None = None, cwd: str | Path | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``python -m dolma_tools ARGS`` in a subprocess (the way users run it)."""
    full_env = {**os.environ, "DOLMA_TOOLS_PROGRESS": "0", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "dolma_tools", *map(str, args)], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"dolma-tools {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


@pytest.fixture
def cli():
    return run_cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """A real S3 protocol server (moto's server mode) on 127.0.0.1; yields its endpoint URL.

    Credentials and endpoint are exported through the standard AWS environment variables, so both
    in-process code and CLI subprocesses reach it with their normal boto3 client over HTTP.
    """
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                           "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN")}
    os.environ.update({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing-secret", "AWS_DEFAULT_REGION": "us-east-1"})
    os.environ.pop("AWS_SESSION_TOKEN", None)
    from dolma_tools.io import s3

    s3.configure()
    try:
        yield endpoint
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        s3.configure()


@pytest.fixture
def s3_bucket(s3_server: str, request) -> str:
    """A fresh, empty bucket for one test."""
    from dolma_tools.io import s3

    name = "t-" + "".join(c if c.isalnum() else "-" for c in request.node.name.lower())[:50].strip("-")
    s3.client().create_bucket(Bucket=name)
    yield name
    client = s3.client()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=name, Key=obj["Key"])
