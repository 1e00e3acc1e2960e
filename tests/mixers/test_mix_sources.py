"""Source mixtures beyond the Dolmino recipes: opt-out, source-fraction caps, budget modes, exact token
counts with a tokenizer.json, filters on sources, and --verify."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from mixer_helpers import TOKENIZER, approx_tokens, make_source, outputs, read_docs, run_mix, write_docs


@pytest.fixture(scope="module")
def pool(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pool")
    rng = random.Random(5)
    for name, tokens in (("a", 30_000), ("b", 20_000), ("c", 10_000)):
        make_source(root / name, name, tokens, 2, rng)
    return root


def _mix(tmp: Path, sources: list[dict], *extra: str, **top) -> tuple[int, Path]:
    out = tmp / "out"
    cfg = {"sources": sources, "output": {"path": str(out)}, **top}
    (tmp / "mix.json").write_text(json.dumps(cfg))
    return run_mix("-c", tmp / "mix.json", *extra), out


def _src(pool: Path, name: str, **kw) -> dict:
    return {"source_name": name, "documents": [str(pool / name / "*.jsonl.gz")], **kw}


def _tokens_by_source(out: Path) -> Counter:
    c: Counter = Counter()
    for name, rows in outputs(out).items():
        c[name.rsplit("-", 1)[0]] += sum(approx_tokens(r["text"]) for r in rows)
    return c


def test_opt_out_drops_owners_and_rescales_the_rest(pool: Path, tmp_path: Path) -> None:
    sources = [_src(pool, n, owner=f"owner-{n}", target_ratio=1 / 3, max_repetition_ratio=3) for n in "abc"]
    code, out = _mix(tmp_path, sources, "--exclude_owners", "owner-b", requested_tokens=12_000)
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["excluded_owners"] == ["owner-b"] and manifest["excluded_sources"] == ["b"]
    assert set(manifest["sources"]) == {"a", "c"}
    assert not list(out.glob("b-*"))
    tokens = _tokens_by_source(out)
    assert set(tokens) == {"a", "c"}
    for name in "ac":
        assert manifest["sources"][name]["target_ratio"] == pytest.approx(0.5)
        assert abs(tokens[name] / sum(tokens.values()) - 0.5) < 0.01
        assert manifest["sources"][name]["owner"] == f"owner-{name}"


def test_unknown_owner_is_an_error(pool: Path, tmp_path: Path, capsys) -> None:
    sources = [_src(pool, n, owner=n, target_ratio=0.5) for n in "ab"]
    code, _ = _mix(tmp_path, sources, "--exclude_owners", "nobody", requested_tokens=1000)
    assert code == 2
    assert "no source has owner 'nobody' (owners: a, b)" in capsys.readouterr().err


def test_max_source_fraction_limits_unique_documents(pool: Path, tmp_path: Path) -> None:
    # source c: ~10k tokens, at most half usable, up to 3 passes; 7.5k tokens needed = 1.5 x the usable half
    code, out = _mix(tmp_path, [_src(pool, "c", target_tokens=7_500, max_source_fraction=0.5, max_repetition_ratio=3)])
    assert code == 0
    entry = json.loads((out / "manifest.json").read_text())["sources"]["c"]
    rows = [r for rs in outputs(out).values() for r in rs]
    unique = {r["id"].split("#")[0]: r["text"] for r in rows}
    unique_tokens = sum(approx_tokens(t) for t in unique.values())
    assert unique_tokens <= 0.5 * entry["available_tokens"]
    assert unique_tokens == entry["unique_tokens"]
    assert entry["max_copies"] == 2 and max(Counter(r["id"].split("#")[0] for r in rows).values()) == 2
    assert abs(sum(approx_tokens(r["text"]) for r in rows) - 7_500) <= 200
    # too much for the cap: 0.5 x available x 3 passes
    code, _ = _mix(tmp_path, [_src(pool, "c", target_tokens=16_000, max_source_fraction=0.5, max_repetition_ratio=3)])
    assert code == 2


def test_selection_is_nested_across_budgets(pool: Path, tmp_path: Path) -> None:
    ids = []
    for budget in (3_000, 9_000):
        (tmp_path / str(budget)).mkdir()
        code, out = _mix(tmp_path / str(budget), [_src(pool, "a", target_tokens=budget)], seed=3)
        assert code == 0
        ids.append({r["id"] for rs in outputs(out).values() for r in rs})
    assert ids[0] < ids[1]


def test_natural_proportions_take_everything_once(pool: Path, tmp_path: Path) -> None:
    code, out = _mix(tmp_path, [_src(pool, n) for n in "abc"])
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    for name in "abc":
        docs = [r for f in sorted((pool / name).glob("*.gz")) for r in read_docs(f)]
        assert manifest["sources"][name]["selected_docs"] == len(docs)
        assert manifest["sources"][name]["repetition"] == 1.0


def test_exact_counts_with_a_tokenizer_json(pool: Path, tmp_path: Path) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(TOKENIZER))
    code, out = _mix(tmp_path, [_src(pool, "c", target_tokens=4_000)], tokenizer=str(TOKENIZER))
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    rows = [r for rs in outputs(out).values() for r in rs]
    exact = sum(len(tok.encode(r["text"], add_special_tokens=False).ids) for r in rows)
    assert manifest["sources"]["c"]["selected_tokens"] == exact
    assert 4_000 - 200 < exact <= 4_000
    assert manifest["tokenizer"]["kind"] == "huggingface" and manifest["tokenizer"]["vocab_size"] == 50280
    available = sum(len(tok.encode(r["text"], add_special_tokens=False).ids)
                    for f in sorted((pool / "c").glob("*.gz")) for r in read_docs(f))
    assert manifest["sources"]["c"]["available_tokens"] == available


def test_sources_can_filter_with_attributes(tmp_path: Path) -> None:
    docs = [{"id": f"d{i}", "text": "word " * (10 + i)} for i in range(40)]
    write_docs(tmp_path / "src" / "documents" / "x.jsonl.gz", docs)
    write_docs(tmp_path / "src" / "attributes" / "q" / "x.jsonl.gz",
               [{"id": d["id"], "attributes": {"q__odd": [[0, 1, i % 2]]}} for i, d in enumerate(docs)])
    src = {"source_name": "s", "documents": [str(tmp_path / "src/documents/*.gz")], "attributes": ["q"],
           "filter": {"exclude": ["$.attributes[?(@.q__odd[0][2] > 0.5)]"]}}
    code, out = _mix(tmp_path, [src])
    assert code == 0
    kept = [r["id"] for rs in outputs(out).values() for r in rs]
    assert kept == [f"d{i}" for i in range(0, 40, 2)]
    assert json.loads((out / "manifest.json").read_text())["sources"]["s"]["available_docs"] == 20


def test_verify_a_mixture(pool: Path, tmp_path: Path, capsys) -> None:
    sources = [_src(pool, "a", target_ratio=0.7), _src(pool, "c", target_ratio=0.3, max_repetition_ratio=2)]
    code, out = _mix(tmp_path, sources, requested_tokens=40_000)  # c: 12k of ~10k tokens, 1.2 passes
    assert code == 0
    capsys.readouterr()
    assert run_mix("--verify", out / "manifest.json") == 0
    assert "OK" in capsys.readouterr().err
    shard = sorted(out.glob("c-*.jsonl.gz"))[0]
    rows = read_docs(shard)
    repeated = next(r["id"] for r in rows if "#2" in r["id"])
    write_docs(shard, [r for r in rows if r["id"] != repeated])
    assert run_mix("--verify", out / "manifest.json") == 1
    err = capsys.readouterr().err
    assert "0 added, 1 missing, 0 changed" in err and f"missing: c: id={repeated}" in err
