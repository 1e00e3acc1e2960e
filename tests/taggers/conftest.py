"""Helpers: run a registered tagger the way the runtime does (``tag_batch``) and check ``predict`` agrees."""

from __future__ import annotations

from typing import Any

import pytest

from dolma_tools import Document
from dolma_tools.registry import get_tagger_class


def run_tagger(name: str, texts: list[str], options: dict[str, Any] | None = None, metadata: list[dict] | None = None) -> list[dict[str, list[list]]]:
    tagger = get_tagger_class(name)(**(options or {}))
    docs = [Document(id=f"d{i}", text=t, metadata=(metadata[i] if metadata else None)) for i, t in enumerate(texts)]
    grouped = tagger.tag_batch(docs)
    # the per-document API gives the same values
    for doc, g in zip(docs, grouped):
        assert tagger.group_output(tagger.predict(doc)) == (g or {}), f"{name}: predict and tag_batch differ"
    return [g or {} for g in grouped]


def tag_one(name: str, text: str, options: dict[str, Any] | None = None, metadata: dict | None = None) -> dict[str, list[list]]:
    return run_tagger(name, [text], options, [metadata] if metadata is not None else None)[0]


@pytest.fixture
def tag():
    return tag_one


@pytest.fixture
def run():
    return run_tagger
