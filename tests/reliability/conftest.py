"""Corpora shared by the fault suite (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.runs import run_cli_env

from .corpus import copy_inputs, make_documents, write_documents
from .scenarios import TAG_ARGS, dedupe_args


def clean_run(root: Path, args: list[str]) -> Path:
    """Run ``args`` in ``root`` to completion (an uninterrupted reference run)."""
    done = run_cli_env(args, cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    return root


@pytest.fixture(scope="session")
def small_docs() -> list[list[dict]]:
    return make_documents(4, 60, seed=11)


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory, small_docs) -> tuple[Path, list[str]]:
    """4 shards x 60 documents; the folder and every document id in canonical order."""
    root = tmp_path_factory.mktemp("small")
    write_documents(root, small_docs)
    return root, [d["id"] for rows in small_docs for d in rows]


@pytest.fixture(scope="session")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """3 shards x 2,400 short documents (more than one 2,000-document dedupe chunk per shard)."""
    root = tmp_path_factory.mktemp("big")
    files = make_documents(3, 2400, seed=12, paragraphs=(1, 2))
    write_documents(root, files)
    return root, [d["id"] for rows in files for d in rows]


@pytest.fixture(scope="session")
def mix_inputs(small_corpus, tmp_path_factory) -> Path:
    """The small corpus with its tag and dedupe attributes (the mixer's inputs)."""
    root = copy_inputs(small_corpus[0], tmp_path_factory.mktemp("mix-inputs"), ("documents",))
    for args in (TAG_ARGS, dedupe_args("documents"), dedupe_args("paragraphs")):
        clean_run(root, args)
    return root
