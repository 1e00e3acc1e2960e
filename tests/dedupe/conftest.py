"""Fixtures for the dedupe tests: a small planted-duplicate corpus and attribute readers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def planted_corpus(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    """~1.5 MB of documents in 3 gzip shards with planted exact duplicates, near-duplicates and boilerplate
    (make_corpus.py from ../shared, seed text only so it does not depend on installed Debian docs)."""
    out = tmp_path_factory.mktemp("planted") / "corpus"
    subprocess.run(
        [sys.executable, str(shared_dir / "bench" / "make_corpus.py"), "--out", str(out), "--size-mb", "1.5",
         "--shards", "3", "--seed", "11", "--no-system-docs", "--quiet"],
        check=True, capture_output=True, timeout=300,
    )
    return out


@pytest.fixture
def corpus(planted_corpus: Path, tmp_path: Path) -> Path:
    """A private copy of the planted corpus (dedupe writes attributes next to the documents)."""
    dst = tmp_path / "corpus"
    shutil.copytree(planted_corpus / "documents", dst / "documents")
    return dst


