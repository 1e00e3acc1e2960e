"""The Dolmino Mix 1124 recipes on a synthetic pool with the relative sizes of the real one.

Pool sizes follow OLMo 2 paper Table 5 (TinyGSM-MIND split 3.06B / 3.42B as in the stage-2 lists), scaled to
2,000 tokens per billion, in the Hugging Face dataset's folder layout, as zstd JSON like the release. The
recipes run unchanged except ``requested_tokens``, scaled the same way.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from mixer_helpers import REPO, approx_tokens, load_yaml, make_source, outputs, run_mix

SCALE = 2000  # tokens per billion
POOL_B = {  # folder under DOLMINO_ROOT -> billions of tokens in the pool
    "data/dclm": 752, "data/flan": 17.0, "data/pes2o": 58.6, "data/wiki": 3.7, "data/stackexchange": 1.26,
    "data/math/tulu_math": 0.230, "data/math/dolmino_math_synth/basic_math": 0.0287,
    "data/math/tinyGSM-MIND/problem-solving": 3.06, "data/math/tinyGSM-MIND/2students": 3.42,
    "data/math/mathcoder2-synthmath/m-a-p_Matrix": 3.09, "data/math/mathcoder2-synthmath/ajibawa-2023": 0.78,
    "data/math/metamath-owmfilter": 0.0842, "data/math/gsm8k": 0.00274,
    "data/math/codesearchnet-owmfilter/python": 0.00178,  # in the pool, in no stage-2 list
}
RECIPES = REPO / "configs" / "dolmino-mix-1124"


@pytest.fixture(scope="module")
def pool(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("dolmino")
    rng = random.Random(1124)
    for folder, billions in POOL_B.items():
        files = 4 if billions > 100 else 2 if billions > 1 else 1
        make_source(root / folder / "0000", folder.rsplit("/", 1)[-1], int(billions * SCALE) + 1, files, rng,
                    ext=".json.zst")
    return root


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """Shared work folder: the token scan of the pool is done once and reused by every run."""
    return tmp_path_factory.mktemp("work")


def _mix(pool: Path, work: Path, recipe: str, out: Path, *extra: str) -> int:
    os.environ["DOLMINO_ROOT"] = str(pool)
    try:
        return run_mix("-c", RECIPES / recipe, "--output.path", out, "--work_dir.output", work, *extra)
    finally:
        os.environ.pop("DOLMINO_ROOT", None)


def _shares(out: Path) -> tuple[dict[str, int], dict[str, Counter]]:
    """Tokens per source recounted from the output files (file name = source), and id copy counts."""
    tokens: dict[str, int] = defaultdict(int)
    copies: dict[str, Counter] = defaultdict(Counter)
    for name, rows in outputs(out).items():
        source = re.sub(r"-\d{4}\.jsonl\.gz$", "", name)
        for row in rows:
            tokens[source] += approx_tokens(row["text"])
            copies[source][row["id"].split("#")[0]] += 1
    return tokens, copies


@pytest.fixture(scope="module")
def mix50(pool: Path, work: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mix50") / "p1"
    assert _mix(pool, work, "dolmino-50B.yaml", out, "--requested_tokens", 50 * SCALE, "--processes", 1) == 0
    return out


def test_50B_recipe_realised_shares_within_one_point(mix50: Path) -> None:
    recipe = {s["source_name"]: s["target_ratio"] for s in load_yaml(RECIPES / "dolmino-50B.yaml")["sources"]}
    manifest = json.loads((mix50 / "manifest.json").read_text())
    tokens, copies = _shares(mix50)
    total = sum(tokens.values())
    assert abs(total - 50 * SCALE) <= 0.01 * 50 * SCALE
    assert set(tokens) <= set(recipe) and "codesearchnet-owmfilter" not in tokens
    for name, ratio in recipe.items():
        realised = tokens.get(name, 0) / total
        assert abs(realised - ratio) <= 0.01, (name, realised, ratio)
        entry = manifest["sources"][name]
        # the manifest's numbers are the ones recounted from the files
        assert entry["selected_tokens"] == tokens.get(name, 0)
        assert entry["selected_docs"] == sum(copies[name].values())
        assert abs(entry["realised_ratio"] - realised) < 1e-12
    # every 50B source has max_repetition_ratio 1: no document twice, nothing beyond the pool
    for name, counts in copies.items():
        assert max(counts.values()) == 1, name
        assert manifest["sources"][name]["repetition"] <= 1.0
    # the big pools are downsampled to the share, the small ones taken almost whole (97% = 50 / 51.472)
    assert manifest["sources"]["dclm"]["repetition"] < 0.05
    assert 0.9 < manifest["sources"]["stackexchange"]["repetition"] <= 1.0
    assert manifest["seed"] == 42 and len(manifest["config_sha256"]) == 64


def test_same_seed_is_byte_identical_across_process_counts(pool: Path, work: Path, mix50: Path) -> None:
    out2 = mix50.parent / "p2"
    assert _mix(pool, work, "dolmino-50B.yaml", out2, "--requested_tokens", 50 * SCALE, "--processes", 2) == 0
    files1 = sorted(p.name for p in mix50.glob("*.jsonl.gz"))
    assert files1 == sorted(p.name for p in out2.glob("*.jsonl.gz")) and files1
    for name in files1:
        assert (mix50 / name).read_bytes() == (out2 / name).read_bytes(), name
    m1 = json.loads((mix50 / "manifest.json").read_text())
    m2 = json.loads((out2 / "manifest.json").read_text())
    assert m1["config_sha256"] != m2["config_sha256"]  # the output path is part of the config
    assert {k: {x: v[x] for x in ("selected_docs", "selected_tokens")} for k, v in m1["sources"].items()} == \
           {k: {x: v[x] for x in ("selected_docs", "selected_tokens")} for k, v in m2["sources"].items()}


def test_another_seed_selects_other_documents_with_the_same_shares(pool: Path, work: Path, mix50: Path) -> None:
    out = mix50.parent / "seed7"
    assert _mix(pool, work, "dolmino-50B.yaml", out, "--requested_tokens", 50 * SCALE, "--seed", 7) == 0
    _, copies42 = _shares(mix50)
    tokens7, copies7 = _shares(out)
    assert set(copies7["dclm"]) != set(copies42["dclm"])
    overlap = len(set(copies7["dclm"]) & set(copies42["dclm"])) / len(copies42["dclm"])
    assert overlap < 0.2  # two independent ~3% samples of the DCLM pool barely overlap
    recipe = {s["source_name"]: s["target_ratio"] for s in load_yaml(RECIPES / "dolmino-50B.yaml")["sources"]}
    total = sum(tokens7.values())
    for name, ratio in recipe.items():
        assert abs(tokens7.get(name, 0) / total - ratio) <= 0.01


def test_100B_recipe_repeats_within_the_caps(pool: Path, work: Path, tmp_path: Path) -> None:
    caps = {s["source_name"]: s["max_repetition_ratio"] for s in load_yaml(RECIPES / "dolmino-100B.yaml")["sources"]}
    out = tmp_path / "mix100"
    assert _mix(pool, work, "dolmino-100B.yaml", out, "--requested_tokens", 100 * SCALE) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    _, copies = _shares(out)
    for name, counts in copies.items():
        assert max(counts.values()) <= caps[name], name
        assert manifest["sources"][name]["repetition"] <= caps[name] + 1e-9
        assert manifest["sources"][name]["max_copies"] == max(counts.values())
    # wiki is needed 1.77 times (2 copies in a 112.9B list, 100B drawn): every document once, most twice
    assert min(copies["wiki"].values()) == 1 and max(copies["wiki"].values()) == 2
    assert max(copies["tinygsm_mind_2students"].values()) == 3
    # repeated copies carry the copy number in the id suffix and in the metadata, with the same text
    rows = [r for rows in outputs(out).values() for r in rows]
    by_id = {r["id"]: r for r in rows}
    second = [r for r in rows if r["id"].endswith("#2")]
    assert second
    for r in second[:50]:
        original = by_id[r["id"][:-2]]
        assert r["text"] == original["text"] and r["metadata"]["mix_copy"] == 2


def test_infeasible_request_fails_before_any_output(pool: Path, work: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "too-big"
    # 50B at its caps (1 copy each) supports at most ~51.5B scaled: ask for twice that
    assert _mix(pool, work, "dolmino-50B.yaml", out, "--requested_tokens", 104 * SCALE) == 2
    err = capsys.readouterr().err
    assert "infeasible mixture" in err and "largest feasible requested_tokens" in err
    best = int(re.search(r"largest feasible requested_tokens with these ratios: ([\d,]+)", err).group(1).replace(",", ""))
    assert 50 * SCALE < best < 104 * SCALE
    assert not list(out.glob("*.jsonl.gz")) and not (out / "manifest.json").exists()
    # and the largest feasible budget is feasible
    assert _mix(pool, work, "dolmino-50B.yaml", out, "--requested_tokens", best) == 0


def test_plan_prints_the_table_and_writes_nothing(pool: Path, work: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "plan"
    assert _mix(pool, work, "dolmino-50B.yaml", out, "--requested_tokens", 50 * SCALE, "--plan") == 0
    table = capsys.readouterr().out
    lines = table.splitlines()
    assert lines[0].split()[:4] == ["source", "owner", "docs", "tokens"]
    assert sum(1 for line in lines if line.startswith(("dclm ", "wiki ", "gsm8k "))) == 3
    assert "47.23%" in table  # dclm's target
    assert not list(out.glob("*.jsonl.gz")) and not (out / "manifest.json").exists()
