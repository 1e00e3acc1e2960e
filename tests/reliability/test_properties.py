"""Property tests: span arithmetic on arbitrary Unicode, reader round trips, and the mixture sampler.

Every expected value comes from a small reference written here from the documented semantics, never from
the code under test.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from hypothesis import example, given
from hypothesis import strategies as st

from dolma_tools import Document
from dolma_tools.cli.main import main
from dolma_tools.io.jsonl import iter_documents, read_rows, write_jsonl
from mixers.processor import DocumentProcessor, StreamSpec
from mixers.sampling import Selection, SourceSampler, id_hashes, plan_selection, sampling_keys, source_key
from mixers.spans import replace_spans
from taggers.length import CharLengthV1, CharLengthWithParagraphsV1, WhitespaceTokenizerWithParagraphsV1

from .strategies import documents, suite_settings, unicode_text

# ------------------------------------------------------------------------------------------ spans


def reference_replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Dolma's span replacement, written from its description: spans in order of their start (ties keep
    their order); an empty span, a span starting at or past the end, or one starting inside an already
    replaced span is ignored; the end is clipped to the text; ``{}`` in the replacement is the span's text."""
    chars = list(text)
    out, pos = [], 0
    for start, end, rep in sorted(spans, key=lambda s: s[0]):
        if end <= start or start >= len(chars) or start < pos:
            continue
        end = min(end, len(chars))
        out.append("".join(chars[pos:start]))
        out.append(rep.replace("{}", "".join(chars[start:end])))
        pos = end
    out.append("".join(chars[pos:]))
    return "".join(out)


@st.composite
def text_and_spans(draw: Any) -> tuple[str, list[tuple[int, int, str]]]:
    text = draw(unicode_text)
    bound = len(text) + 3
    spans = draw(st.lists(st.tuples(st.integers(0, bound), st.integers(0, bound),
                                    st.sampled_from(["", "{}", "[{}]", "<X>", "🚀", "{}{}"])), max_size=6))
    return text, spans


@given(text_and_spans())
@suite_settings(400)
def test_span_replacement_matches_the_reference(case: tuple[str, list[tuple[int, int, str]]]) -> None:
    text, spans = case
    assert replace_spans(text, spans) == reference_replace(text, spans)


@given(unicode_text, st.data())
@suite_settings(200)
def test_replacing_spans_by_themselves_changes_nothing(text: str, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)))
    spans = [(a, b, "{}") for a, b in zip(cuts[::2], cuts[1::2])]
    assert replace_spans(text, spans) == text


@given(text_and_spans(), st.floats(0, 1))
@suite_settings(200)
def test_mixer_span_replacement_after_a_json_round_trip(case: tuple[str, list[tuple[int, int, str]]],
                                                         threshold: float) -> None:
    """Spans are code-point offsets that survive serialisation: the mixer replaces exactly the spans whose
    score reaches ``min_score``, in a document read back from JSON."""
    text, spans = case
    scored = [[s, e, round((i + 1) / (len(spans) + 1), 5)] for i, (s, e, _) in enumerate(spans)]
    doc = orjson.loads(orjson.dumps({"id": "x", "text": text, "attributes": {"pii": scored}}))
    rule = type("Rule", (), {"span": "$.attributes.pii", "min_score": threshold, "max_score": None,
                             "replacement": "<{}>", "syntax": "jsonpath"})()
    spec = StreamSpec(label="s", key="streams[0]", span_replacement=[rule], provenance=False)
    out = DocumentProcessor(spec).apply(doc, "f", 1)
    expected = reference_replace(text, [(s, e, "<{}>") for s, e, score in scored if score >= threshold])
    assert out is not None and out["text"] == expected


def reference_paragraphs(text: str) -> list[tuple[int, int]]:
    """Lines with their newline, as code-point spans; whitespace-only lines dropped (Python's isspace)."""
    out, start = [], 0
    pieces = text.split("\n")
    for i, piece in enumerate(pieces):
        end = start + len(piece) + (1 if i < len(pieces) - 1 else 0)
        if piece.strip():
            out.append((start, end))
        start = end
    return out


@given(st.lists(unicode_text, min_size=1, max_size=5))
@suite_settings(300)
def test_tagger_spans_are_code_point_offsets(texts: list[str]) -> None:
    docs = [Document(id=str(i), text=t) for i, t in enumerate(texts)]
    lengths = CharLengthV1().tag_batch(docs)
    paragraphs = CharLengthWithParagraphsV1().tag_batch(docs)
    words = WhitespaceTokenizerWithParagraphsV1().tag_batch(docs)
    for text, length, para, word in zip(texts, lengths, paragraphs, words):
        assert length["length"] == [[0, len(text), float(len(text))]]
        expected = reference_paragraphs(text)
        assert [(s, e) for s, e, _ in para.get("paragraph", [])] == expected
        assert all(score == e - s for s, e, score in para.get("paragraph", []))
        assert [(s, e) for s, e, _ in word.get("paragraph", [])] == expected


# ------------------------------------------------------------------------------------------ reader round trips

SUFFIXES = [".jsonl", ".jsonl.gz", ".json.gz", ".jsonl.zst", ".parquet"]


@given(documents(), st.sampled_from(SUFFIXES))
@example([], ".parquet")  # found by this test: an empty Parquet file was written as 0 unreadable bytes
@example([{"id": "a", "text": "t", "source": "s", "metadata": "123"}], ".parquet")  # string metadata came back as 123
@suite_settings(100)
def test_written_documents_read_back_unchanged(rows: list[dict[str, Any]], suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / f"docs{suffix}")
        assert write_jsonl(path, rows) == len(rows)
        read = list(iter_documents(path))
        assert [row for _, row in read] == rows
        if suffix != ".parquet":
            assert [line for line, _ in read] == list(range(1, len(rows) + 1))


@given(documents(n=6), st.booleans())
@suite_settings(25)
def test_rust_and_python_readers_see_the_same_texts(rows: list[dict[str, Any]], ascii_only: bool) -> None:
    """Dedupe (Rust reader) marks a document as a duplicate exactly when the Python reader saw its text
    before, whether the JSON escapes every non-ASCII character (surrogate pairs included) or not."""
    rows = rows + [dict(rows[i], id=f"again-{i}") for i in range(0, 6, 2)]  # planted exact duplicates
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "documents" / "docs.jsonl"
        doc.parent.mkdir()
        import json

        doc.write_text("".join(json.dumps(r, ensure_ascii=ascii_only) + "\n" for r in rows), encoding="utf-8")
        code = main(["dedupe", "--documents", str(doc), "--dedupe.documents.key", "$.text",
                     "--dedupe.documents.attribute_name", "dup", "--bloom_filter.file", f"{tmp}/f.bin",
                     "--bloom_filter.size_in_bytes", "65536", "--processes", "1"])
        assert code == 0
        marked = [bool(r["attributes"].get("dup")) for r in read_rows(f"{tmp}/attributes/dup/docs.jsonl")]
    seen: set[str] = set()
    expected = []
    for r in rows:
        expected.append(r["text"] in seen)  # empty texts too (skip_empty is off by default)
        seen.add(r["text"])
    assert marked == expected


# ------------------------------------------------------------------------------------------ sampler


@st.composite
def sources(draw: Any, max_docs: int = 60) -> tuple[list[str], list[int]]:
    n = draw(st.integers(1, max_docs))
    tokens = draw(st.lists(st.integers(1, 500), min_size=n, max_size=n))
    return [f"doc-{i}" for i in range(n)], tokens


def _arrays(ids: list[str], tokens: list[int], seed: int, cuts: list[int]):
    """A factory of (keys, tokens) per shard, the shards cut at ``cuts``."""
    keys = sampling_keys(id_hashes(ids), source_key(seed, "src"))
    t = np.array(tokens, dtype=np.uint32)
    bounds = [0, *sorted(set(c % (len(ids) + 1) for c in cuts)), len(ids)]
    return lambda: [(keys[a:b], t[a:b]) for a, b in zip(bounds, bounds[1:])], keys


def _copies(selection: Selection, keys: np.ndarray) -> list[int]:
    return [int(c) for c in selection.copies_array(keys)]


@given(sources(), st.integers(0, 2**32), st.floats(0, 1.0), st.lists(st.integers(0, 100), max_size=4),
       st.lists(st.integers(0, 100), max_size=4))
@suite_settings(300)
def test_downsampling_takes_the_largest_fitting_prefix_whatever_the_sharding(
        source: tuple[list[str], list[int]], seed: int, share: float, cuts_a: list[int], cuts_b: list[int]) -> None:
    ids, tokens = source
    available = sum(tokens)
    budget = int(available * share)
    arrays_a, keys = _arrays(ids, tokens, seed, cuts_a)
    arrays_b, _ = _arrays(ids, tokens, seed, cuts_b)
    sel = plan_selection(arrays_a, available, budget, 1.0)
    copies = _copies(sel, keys)
    assert copies == _copies(plan_selection(arrays_b, available, budget, 1.0), keys), "sharding changed the sample"
    assert set(copies) <= {0, 1}
    order = np.argsort(keys, kind="stable")
    chosen = [copies[i] for i in order]
    k = sum(chosen)
    assert chosen == [1] * k + [0] * (len(ids) - k), "the selection is a prefix in sampling-key order"
    taken = sum(tokens[i] for i in order[:k])
    assert taken <= budget, "the cap holds"
    assert k == len(ids) or taken + tokens[order[k]] > budget, "the prefix is the largest that fits"
    sampler = SourceSampler(seed, "src", sel)
    assert [sampler.copies_of({"id": i}) for i in ids] == copies


@given(sources(), st.integers(0, 2**32), st.floats(0, 1.0), st.floats(0, 1.0))
@suite_settings(200)
def test_a_smaller_budget_selects_a_subset(source: tuple[list[str], list[int]], seed: int, a: float, b: float) -> None:
    ids, tokens = source
    small, large = sorted((int(sum(tokens) * a), int(sum(tokens) * b)))
    arrays, keys = _arrays(ids, tokens, seed, [])
    inner = _copies(plan_selection(arrays, sum(tokens), small, 1.0), keys)
    outer = _copies(plan_selection(arrays, sum(tokens), large, 1.0), keys)
    assert all(o >= i for i, o in zip(inner, outer))


def _prefix(keys: np.ndarray, tokens: list[int], chosen: set[int]) -> bool:
    """Is ``chosen`` a prefix of the documents in sampling-key order?"""
    order = list(np.argsort(keys, kind="stable"))
    return set(order[:len(chosen)]) == chosen


@given(sources(), st.integers(0, 2**32), st.floats(1.0, 4.0), st.floats(0.05, 1.0))
@suite_settings(300)
def test_upsampling_repeats_the_usable_pool_within_the_budget(
        source: tuple[list[str], list[int]], seed: int, rate: float, fraction: float) -> None:
    """A budget above the usable pool (the key-order prefix within ``max_source_fraction`` of the tokens):
    every pool document gets ``full`` copies, a key-order prefix of them one more, and nothing else."""
    ids, tokens = source
    available = sum(tokens)
    usable = int(available * fraction)
    budget = int(usable * rate)
    arrays, keys = _arrays(ids, tokens, seed, [3])
    copies = _copies(plan_selection(arrays, available, budget, fraction), keys)
    total = sum(c * t for c, t in zip(copies, tokens))
    assert total <= budget
    pool = {i for i, c in enumerate(copies) if c > 0}
    assert _prefix(keys, tokens, pool)
    pool_tokens = sum(tokens[i] for i in pool)
    assert pool_tokens <= usable
    order = [i for i in np.argsort(keys, kind="stable")]
    if len(pool) < len(ids):
        assert pool_tokens + tokens[order[len(pool)]] > min(usable, budget), "the pool is the largest prefix"
    if budget <= usable or not pool:
        assert set(copies) <= {0, 1}
        return
    full = budget // pool_tokens
    extra = {i for i in pool if copies[i] == full + 1}
    assert {copies[i] for i in pool} <= {full, full + 1}
    assert _prefix(keys, tokens, extra)
    rest = budget - full * pool_tokens
    extra_tokens = sum(tokens[i] for i in extra)
    assert extra_tokens <= rest
    assert len(extra) == len(pool) or extra_tokens + tokens[order[len(extra)]] > rest


@given(sources(max_docs=12), st.integers(0, 2**32), st.floats(1.0, 3.0), st.floats(0.05, 1.0), st.floats(0.0, 1.0))
@suite_settings(400)
def test_repetition_beyond_the_cap_only_comes_from_a_coarse_pool(
        source: tuple[list[str], list[int]], seed: int, max_repetition: float, fraction: float, share: float) -> None:
    """For any budget the token check accepts (at most ``usable x max_repetition_ratio``), documents get more
    than ceil(max_repetition_ratio) copies only when whole documents fill less than the usable tokens (the
    mixer then refuses the plan: ``test_mixture_refuses_to_repeat_documents_beyond_the_cap``)."""
    ids, tokens = source
    available = sum(tokens)
    usable = int(available * fraction)
    needed = int(usable * max_repetition * share)
    arrays, keys = _arrays(ids, tokens, seed, [])
    copies = _copies(plan_selection(arrays, available, needed, fraction), keys)
    pool_tokens = sum(t for c, t in zip(copies, tokens) if c)
    if max(copies) > math.ceil(max_repetition):
        assert pool_tokens < usable


def test_mixture_refuses_to_repeat_documents_beyond_the_cap(tmp_path: Path, capsys) -> None:
    """Two documents of 60 tokens, max_source_fraction 0.8 (48 of 60 would be usable, so the pool holds one
    document) and max_repetition_ratio 2: the 192 tokens the token check accepts need 3 copies."""
    docs = tmp_path / "documents" / "a.jsonl"
    docs.parent.mkdir()
    write_jsonl(str(docs), [{"id": f"d{i}", "text": "x" * 240} for i in range(2)])  # 240 bytes = 60 tokens
    cfg = tmp_path / "mix.json"
    cfg.write_text(orjson.dumps({"sources": [{"source_name": "a", "documents": [str(docs)], "target_tokens": 192,
                                              "max_source_fraction": 0.8, "max_repetition_ratio": 2}],
                                 "output": {"path": str(tmp_path / "out")}}).decode())
    capsys.readouterr()
    assert main(["mix", "-c", str(cfg), "--processes", "1"]) == 2
    assert "source 'a' would repeat documents 3 times, more than max_repetition_ratio 2 allows (2)" in \
        capsys.readouterr().err
    assert not list((tmp_path / "out").glob("*.jsonl.gz"))


@given(st.lists(sources(max_docs=30), min_size=2, max_size=4), st.data(), st.floats(0.05, 1.0),
       st.integers(0, 2**32))
@suite_settings(200)
def test_source_ratios_are_met_to_within_one_document(srcs: list[tuple[list[str], list[int]]], data: st.DataObject,
                                                      scale: float, seed: int) -> None:
    """Target ratios: each source's budget is ``int(requested x ratio)`` and its selection falls short of it
    by less than one document (the one that did not fit), so realised shares follow the targets."""
    from types import SimpleNamespace

    from mixers.budgets import compute_budgets

    weights = data.draw(st.lists(st.integers(1, 10), min_size=len(srcs), max_size=len(srcs)))
    ratios = [w / sum(weights) for w in weights]
    available = [sum(t) for _, t in srcs]
    requested = int(min(a / r for a, r in zip(available, ratios)) * scale)
    cfgs = [SimpleNamespace(source_name=f"s{i}", max_source_fraction=1.0, max_repetition_ratio=1.0)
            for i in range(len(srcs))]
    budgets, total = compute_budgets(cfgs, available, requested, "ratio", ratios)
    assert total == requested
    for (ids, tokens), budget, ratio in zip(srcs, budgets, ratios):
        assert budget.needed == int(requested * ratio)
        arrays, keys = _arrays(ids, tokens, seed, [])
        copies = _copies(plan_selection(arrays, budget.available, budget.needed, 1.0), keys)
        taken = sum(c * t for c, t in zip(copies, tokens))
        left = [t for c, t in zip(copies, tokens) if c == 0]
        assert taken <= budget.needed
        assert not left or budget.needed - taken < max(left)
