"""SIGKILL at precise points (``dolma_tools.fault_hooks``), rerun, compare with an uninterrupted run.

Each case kills one run at the point its id names (``<point>:<n>``, see ``fault_hooks``): the process kills
itself, so the kill lands exactly there every time. The rerun of the same command must finish with outputs
byte-identical to an uninterrupted run's, every document exactly once, and no temporary left behind.
"""

from __future__ import annotations

import math
import os
import signal
import time
from pathlib import Path

import pytest

from dolma_tools.fault_hooks import ENV as FAULT_ENV
from support.runs import hidden_files, popen_cli, run_cli_env

from .catalogue import DEDUPE_KILLS, MIX_KILLS, MIXTURE_KILLS, PIPELINE_KILLS, TAG_KILLS, Case
from .corpus import (Comparison, assert_same_outputs, attribute_ids, compare_ids, copy_inputs, make_documents,
                     output_ids, write_documents, write_yaml)
from dedupe.helpers import filter_bits

KILLED = -signal.SIGKILL

TAGGERS = ["char_length_with_paragraphs_v1", "whitespace_tokenizer_v1", "random_number_v1"]
TAG_ARGS = ["tag", "--documents", "documents/*.jsonl.gz", "--taggers", *TAGGERS, "--batch_size", "16",
            "--processes", "1"]


def killed_then_resumed(root: Path, args: list[str], fault: str, killed_code: int = KILLED) -> None:
    """Run ``args`` in ``root`` with the fault armed (it must die there), then rerun it to completion."""
    first = run_cli_env(args, {FAULT_ENV: fault}, cwd=root)
    assert first.returncode == killed_code, f"the run was not killed at {fault} (exit {first.returncode}):\n" \
                                            f"{first.stderr[-2000:]}"
    second = run_cli_env(args, cwd=root)
    assert second.returncode == 0, second.stderr[-3000:]


def clean_run(root: Path, args: list[str]) -> Path:
    done = run_cli_env(args, cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    return root


def assert_nothing_lost(comparison: Comparison, expected_docs: int) -> None:
    assert (comparison.lost, comparison.duplicated) == (0, 0), comparison
    assert comparison.documents == expected_docs, "the catalogue's document count is out of date"


def compare_attributes(root: Path, folders: list[str], doc_ids: list[str]) -> Comparison:
    """Every attribute folder must have one row per document, in document order."""
    lost = duplicated = 0
    for folder in folders:
        ids = attribute_ids(root, f"attributes/{folder}")
        c = compare_ids(doc_ids, ids)
        lost, duplicated = lost + c.lost, duplicated + c.duplicated
        if not (c.lost or c.duplicated):
            assert ids == doc_ids, f"{folder}: rows out of document order"
    return Comparison(len(doc_ids), lost, duplicated)


def point(case: Case) -> tuple[str, str]:
    """``"variant/point:n"`` -> (variant, "point:n")."""
    variant, _, spec = case.id.rpartition("/")
    return variant, spec


# ------------------------------------------------------------------------------------------------ corpora

@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """4 shards x 60 documents; returns the folder and every document id in canonical order."""
    root = tmp_path_factory.mktemp("small")
    files = make_documents(4, 60, seed=11)
    write_documents(root, files)
    return root, [d["id"] for rows in files for d in rows]


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """3 shards x 2,400 short documents (more than one 2,000-document dedupe chunk per shard)."""
    root = tmp_path_factory.mktemp("big")
    files = make_documents(3, 2400, seed=12, paragraphs=(1, 2))
    write_documents(root, files)
    return root, [d["id"] for rows in files for d in rows]


# ------------------------------------------------------------------------------------------------ tag

@pytest.fixture(scope="module")
def tag_clean(small_corpus, tmp_path_factory) -> Path:
    return clean_run(copy_inputs(small_corpus[0], tmp_path_factory.mktemp("tag-clean"), ("documents",)), TAG_ARGS)


@pytest.mark.parametrize("case", TAG_KILLS.params())
def test_tag_killed(case: Case, small_corpus, tag_clean: Path, tmp_path: Path) -> None:
    root = copy_inputs(small_corpus[0], tmp_path, ("documents",))
    fault, args, code = case.id, TAG_ARGS, KILLED
    if fault.startswith("worker-"):  # the workers die, the driver survives and reports them
        fault, args, code = fault[len("worker-"):], [*TAG_ARGS[:-1], "2"], 1
    first = run_cli_env(args, {FAULT_ENV: fault}, cwd=root)
    assert first.returncode == code, first.stderr[-2000:]
    if code == 1:
        assert "worker process died" in first.stderr
    visible = [k for k in (root / "attributes").rglob("*.gz") if not k.name.startswith(".")] \
        if (root / "attributes").exists() else []
    if fault.startswith("committed:"):
        assert len(visible) == int(fault.split(":")[1]), "the kill landed elsewhere than its point"
    if fault.startswith(("docs:", "write:", "commit:")) and code == KILLED:
        n_done = {"docs:1": 0, "docs:100": 3, "write:1": 0, "commit:1": 0, "commit:2": 1}.get(fault)
        assert n_done is None or len(visible) == n_done
    rerun = run_cli_env(args, cwd=root)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert_same_outputs(tag_clean, root, ["attributes"])
    assert_nothing_lost(compare_attributes(root, TAGGERS, small_corpus[1]), TAG_KILLS.docs)


# ------------------------------------------------------------------------------------------------ dedupe

def dedupe_args(variant: str) -> list[str]:
    common = ["dedupe", "--documents", "documents/*.jsonl.gz", "--processes", "1",
              "--bloom_filter.estimated_doc_count", "100000", "--bloom_filter.desired_false_positive_rate", "0.0001"]
    interval = "3600" if variant == "interval" else "0"
    if variant == "paragraphs":
        return [*common, "--dedupe.name", "dup_paras", "--dedupe.paragraphs.attribute_name", "dup_para",
                "--bloom_filter.file", "filters/paras.bin", "--bloom_filter.checkpoint_interval", interval]
    args = [*common, "--dedupe.name", "dup_docs", "--dedupe.documents.attribute_name", "dup_doc",
            "--dedupe.documents.key", "$.text", "--bloom_filter.file", "filters/docs.bin",
            "--bloom_filter.checkpoint_interval", interval]
    if variant == "snapshot-write":
        args += ["--bloom_filter.size_in_bytes", str(64 << 20)]
    return args


DEDUPE_OUTPUT = {"paragraphs": ("dup_paras", "paras.bin")}
_dedupe_clean: dict[str, Path] = {}


@pytest.fixture(scope="module")
def dedupe_clean(big_corpus, tmp_path_factory):
    def get(variant: str) -> Path:
        key = "documents" if variant == "interval" else variant  # the interval changes no output
        if key not in _dedupe_clean:
            root = copy_inputs(big_corpus[0], tmp_path_factory.mktemp(f"dedupe-clean-{key}"), ("documents",))
            _dedupe_clean[key] = clean_run(root, dedupe_args(key))
        return _dedupe_clean[key]
    yield get
    _dedupe_clean.clear()


def _kill_while_snapshot_is_written(root: Path, args: list[str]) -> None:
    """SIGKILL from outside as soon as the filter's temporary file appears (it takes a while to write)."""
    proc = popen_cli(args, cwd=root)
    folder = root / "filters"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if folder.is_dir() and any(n.startswith(".docs.bin.") for n in os.listdir(folder)):
                break
            time.sleep(0.0005)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == KILLED, "the run ended before its first snapshot"
    leftovers = [n for n in os.listdir(folder) if n.startswith(".docs.bin.")]
    assert leftovers, "the kill did not land while the snapshot was being written"
    assert not (folder / "docs.bin").exists()


@pytest.mark.parametrize("case", DEDUPE_KILLS.params())
def test_dedupe_killed(case: Case, big_corpus, dedupe_clean, tmp_path: Path) -> None:
    variant, fault = point(case)
    if case.id == "snapshot-write":
        variant = "snapshot-write"
    root = copy_inputs(big_corpus[0], tmp_path, ("documents",))
    args = dedupe_args(variant)
    if variant == "snapshot-write":
        _kill_while_snapshot_is_written(root, args)
        assert run_cli_env(args, cwd=root).returncode == 0
    else:
        killed_then_resumed(root, args, fault)
    name, filter_name = DEDUPE_OUTPUT.get(variant, ("dup_docs", "docs.bin"))
    clean = dedupe_clean(variant)
    assert_same_outputs(clean, root, ["attributes"])
    assert hidden_files(root / "filters") == [], "the partial snapshot of the killed run was not removed"
    assert filter_bits(root / "filters" / filter_name) == filter_bits(clean / "filters" / filter_name)
    assert_nothing_lost(compare_attributes(root, [name], big_corpus[1]), DEDUPE_KILLS.docs)


# ------------------------------------------------------------------------------------------------ mix

@pytest.fixture(scope="module")
def mix_inputs(small_corpus, tmp_path_factory) -> Path:
    """The small corpus with tag and dedupe attributes (the mixer's inputs)."""
    root = copy_inputs(small_corpus[0], tmp_path_factory.mktemp("mix-inputs"), ("documents",))
    for args in (TAG_ARGS, *(dedupe_args(v) for v in ("documents", "paragraphs"))):
        clean_run(root, args)
    return root


STREAM = {
    "name": "mixed",
    "documents": ["documents/*.jsonl.gz"],
    "attributes": ["char_length_with_paragraphs_v1", "dup_docs", "dup_paras"],
    "filter": {"exclude": ["$.attributes[?(@.dup_doc && @.dup_doc[0][2] >= 1.0)]"]},
    "span_replacement": [{"span": "$.attributes.dup_para", "min_score": 0.5, "replacement": ""}],
    "output": {"path": "mixed", "max_size_in_bytes": 4000},
}


def _mix_config(root: Path) -> list[str]:
    write_yaml(root / "mix.yaml", {"processes": 1, "streams": [STREAM]})
    return ["mix", "-c", "mix.yaml"]


def _mixture_config(root: Path, docs: list[list[dict]]) -> list[str]:
    tokens_a = sum(math.ceil(len(d["text"].encode()) / 4) for rows in docs[:2] for d in rows)
    write_yaml(root / "mixture.yaml", {
        "processes": 1, "seed": 3, "requested_tokens": 2 * tokens_a,
        "sources": [
            {"source_name": "a", "documents": ["documents/part-00[01].jsonl.gz"], "target_ratio": 0.75,
             "max_repetition_ratio": 2},
            {"source_name": "b", "documents": ["documents/part-00[23].jsonl.gz"], "target_ratio": 0.25},
        ],
        "output": {"path": "mixture", "max_size_in_bytes": 4000},
    })
    return ["mix", "-c", "mixture.yaml"]


@pytest.fixture(scope="module")
def mix_clean(mix_inputs, tmp_path_factory) -> Path:
    root = copy_inputs(mix_inputs, tmp_path_factory.mktemp("mix-clean"), ("documents", "attributes"))
    return clean_run(root, _mix_config(root))


@pytest.mark.parametrize("case", MIX_KILLS.params())
def test_mix_killed(case: Case, mix_inputs: Path, mix_clean: Path, tmp_path: Path) -> None:
    root = copy_inputs(mix_inputs, tmp_path, ("documents", "attributes"))
    killed_then_resumed(root, _mix_config(root), case.id)
    assert_same_outputs(mix_clean, root, ["mixed"])
    assert not list((root / "mixed" / ".dolma-tools").rglob("*.gz")), "staged parts left behind"
    assert_nothing_lost(compare_ids(output_ids(mix_clean / "mixed"), output_ids(root / "mixed")), MIX_KILLS.docs)


@pytest.fixture(scope="module")
def mixture_clean(small_corpus, tmp_path_factory) -> Path:
    root = copy_inputs(small_corpus[0], tmp_path_factory.mktemp("mixture-clean"), ("documents",))
    return clean_run(root, _mixture_config(root, make_documents(4, 60, seed=11)))


@pytest.mark.parametrize("case", MIXTURE_KILLS.params())
def test_mixture_killed(case: Case, small_corpus, mixture_clean: Path, tmp_path: Path) -> None:
    root = copy_inputs(small_corpus[0], tmp_path, ("documents",))
    killed_then_resumed(root, _mixture_config(root, make_documents(4, 60, seed=11)), case.id)
    assert_same_outputs(mixture_clean, root, ["mixture"])
    got = output_ids(root / "mixture")
    assert any("#2" in i for i in got), "the mixture must upsample (copies) to exercise copy passes"
    assert_nothing_lost(compare_ids(output_ids(mixture_clean / "mixture"), got), MIXTURE_KILLS.docs)


# ------------------------------------------------------------------------------------------------ pipeline

def _pipeline_config(root: Path) -> list[str]:
    stream = {**STREAM, "attributes": ["char_length_with_paragraphs_v1", "dup_docs"], "span_replacement": []}
    write_yaml(root / "pipeline.yaml", {"processes": 1, "stages": [
        {"tag": {"documents": ["documents/*.jsonl.gz"], "taggers": TAGGERS[:2], "batch_size": 16}},
        {"dedupe": {"documents": ["documents/*.jsonl.gz"],
                    "dedupe": {"name": "dup_docs", "documents": {"attribute_name": "dup_doc", "key": "$.text"}},
                    "bloom_filter": {"file": "filters/docs.bin", "estimated_doc_count": 10000,
                                     "desired_false_positive_rate": 0.0001, "checkpoint_interval": 0}}},
        {"mix": {"streams": [stream]}},
    ]})
    return ["pipeline", "-c", "pipeline.yaml"]


@pytest.fixture(scope="module")
def pipeline_clean(small_corpus, tmp_path_factory) -> Path:
    root = copy_inputs(small_corpus[0], tmp_path_factory.mktemp("pipeline-clean"), ("documents",))
    return clean_run(root, _pipeline_config(root))


@pytest.mark.parametrize("case", PIPELINE_KILLS.params())
def test_pipeline_killed(case: Case, small_corpus, pipeline_clean: Path, tmp_path: Path) -> None:
    root = copy_inputs(small_corpus[0], tmp_path, ("documents",))
    killed_then_resumed(root, _pipeline_config(root), case.id)
    assert_same_outputs(pipeline_clean, root, ["attributes", "mixed"])
    assert filter_bits(root / "filters" / "docs.bin") == filter_bits(pipeline_clean / "filters" / "docs.bin")
    assert_nothing_lost(compare_attributes(root, [*TAGGERS[:2], "dup_docs"], small_corpus[1]), PIPELINE_KILLS.docs)
    mixed = compare_ids(output_ids(pipeline_clean / "mixed"), output_ids(root / "mixed"))
    assert (mixed.lost, mixed.duplicated) == (0, 0)
