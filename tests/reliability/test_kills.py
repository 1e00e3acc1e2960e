"""SIGKILL at precise points (``dolma_tools.fault_hooks``), rerun, compare with an uninterrupted run.

Each case kills one run at the point its id names (``<point>:<n>``, see ``fault_hooks``): the process kills
itself, so the kill lands exactly there every time. The rerun of the same command must finish with outputs
byte-identical to an uninterrupted run's, every document exactly once, and no temporary left behind.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from dedupe.helpers import filter_bits
from dolma_tools.fault_hooks import ENV as FAULT_ENV
from support.runs import hidden_files, popen_cli, run_cli_env

from .catalogue import DEDUPE_KILLS, MIX_KILLS, MIXTURE_KILLS, PIPELINE_KILLS, TAG_KILLS, Case
from .conftest import clean_run
from .corpus import (Comparison, assert_same_outputs, attribute_ids, compare_ids, copy_inputs, output_ids)
from .scenarios import DEDUPE_OUTPUT, TAG_ARGS, TAGGERS, dedupe_args, mix_args, mixture_args, pipeline_args

KILLED = -signal.SIGKILL


def killed_then_resumed(root: Path, args: list[str], fault: str) -> None:
    """Run ``args`` in ``root`` with the fault armed (it must die there), then rerun it to completion."""
    first = run_cli_env(args, {FAULT_ENV: fault}, cwd=root)
    assert first.returncode == KILLED, f"the run was not killed at {fault} (exit {first.returncode}):\n" \
                                       f"{first.stderr[-2000:]}"
    second = run_cli_env(args, cwd=root)
    assert second.returncode == 0, second.stderr[-3000:]


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


def _visible(folder: Path) -> int:
    return len([p for p in folder.rglob("*.gz") if not p.name.startswith(".")]) if folder.exists() else 0


# ------------------------------------------------------------------------------------------------ tag

@pytest.fixture(scope="module")
def tag_clean(small_corpus, tmp_path_factory) -> Path:
    return clean_run(copy_inputs(small_corpus[0], tmp_path_factory.mktemp("tag-clean"), ("documents",)), TAG_ARGS)


#: outputs visible when the run dies at these points (3 per shard; `docs:100` dies in shard 2)
_VISIBLE_AT = {"docs:1": 0, "docs:100": 3, "write:1": 0, "commit:1": 0, "commit:2": 1}


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
    elif fault.startswith("committed:"):
        assert _visible(root / "attributes") == int(fault.split(":")[1]), "the kill landed elsewhere"
    elif fault in _VISIBLE_AT:
        assert _visible(root / "attributes") == _VISIBLE_AT[fault], "the kill landed elsewhere"
    rerun = run_cli_env(args, cwd=root)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert_same_outputs(tag_clean, root, ["attributes"])
    assert_nothing_lost(compare_attributes(root, TAGGERS, small_corpus[1]), TAG_KILLS.docs)


# ------------------------------------------------------------------------------------------------ dedupe

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
    """SIGKILL from outside as soon as the filter's temporary file appears (64 MiB take a while to write)."""
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
    assert [n for n in os.listdir(folder) if n.startswith(".docs.bin.")], "the kill missed the snapshot's write"
    assert not (folder / "docs.bin").exists()


@pytest.mark.parametrize("case", DEDUPE_KILLS.params())
def test_dedupe_killed(case: Case, big_corpus, dedupe_clean, tmp_path: Path) -> None:
    variant, _, fault = case.id.rpartition("/")
    root = copy_inputs(big_corpus[0], tmp_path, ("documents",))
    if case.id == "snapshot-write":
        variant = case.id
        _kill_while_snapshot_is_written(root, dedupe_args(variant))
        assert run_cli_env(dedupe_args(variant), cwd=root).returncode == 0
    else:
        killed_then_resumed(root, dedupe_args(variant), fault)
    name, filter_name = DEDUPE_OUTPUT.get(variant, DEDUPE_OUTPUT["documents"])
    clean = dedupe_clean(variant)
    assert_same_outputs(clean, root, ["attributes"])
    assert hidden_files(root / "filters") == [], "the partial snapshot of the killed run was not removed"
    assert filter_bits(root / "filters" / filter_name) == filter_bits(clean / "filters" / filter_name)
    assert_nothing_lost(compare_attributes(root, [name], big_corpus[1]), DEDUPE_KILLS.docs)


# ------------------------------------------------------------------------------------------------ mix

@pytest.fixture(scope="module")
def mix_clean(mix_inputs, tmp_path_factory) -> Path:
    root = copy_inputs(mix_inputs, tmp_path_factory.mktemp("mix-clean"), ("documents", "attributes"))
    return clean_run(root, mix_args(root))


@pytest.mark.parametrize("case", MIX_KILLS.params())
def test_mix_killed(case: Case, mix_inputs: Path, mix_clean: Path, tmp_path: Path) -> None:
    root = copy_inputs(mix_inputs, tmp_path, ("documents", "attributes"))
    killed_then_resumed(root, mix_args(root), case.id)
    assert_same_outputs(mix_clean, root, ["mixed"])
    assert not list((root / "mixed" / ".dolma-tools").rglob("*.gz")), "staged parts left behind"
    assert_nothing_lost(compare_ids(output_ids(mix_clean / "mixed"), output_ids(root / "mixed")), MIX_KILLS.docs)


@pytest.fixture(scope="module")
def mixture_clean(small_corpus, small_docs, tmp_path_factory) -> Path:
    root = copy_inputs(small_corpus[0], tmp_path_factory.mktemp("mixture-clean"), ("documents",))
    return clean_run(root, mixture_args(root, small_docs))


@pytest.mark.parametrize("case", MIXTURE_KILLS.params())
def test_mixture_killed(case: Case, small_corpus, small_docs, mixture_clean: Path, tmp_path: Path) -> None:
    root = copy_inputs(small_corpus[0], tmp_path, ("documents",))
    killed_then_resumed(root, mixture_args(root, small_docs), case.id)
    assert_same_outputs(mixture_clean, root, ["mixture"])
    got = output_ids(root / "mixture")
    assert any("#2" in i for i in got), "the mixture must upsample (copies) to exercise copy passes"
    assert_nothing_lost(compare_ids(output_ids(mixture_clean / "mixture"), got), MIXTURE_KILLS.docs)


# ------------------------------------------------------------------------------------------------ pipeline

@pytest.fixture(scope="module")
def pipeline_clean(small_corpus, tmp_path_factory) -> Path:
    root = copy_inputs(small_corpus[0], tmp_path_factory.mktemp("pipeline-clean"), ("documents",))
    return clean_run(root, pipeline_args(root))


@pytest.mark.parametrize("case", PIPELINE_KILLS.params())
def test_pipeline_killed(case: Case, small_corpus, pipeline_clean: Path, tmp_path: Path) -> None:
    root = copy_inputs(small_corpus[0], tmp_path, ("documents",))
    killed_then_resumed(root, pipeline_args(root), case.id)
    assert_same_outputs(pipeline_clean, root, ["attributes", "mixed"])
    assert filter_bits(root / "filters" / "docs.bin") == filter_bits(pipeline_clean / "filters" / "docs.bin")
    assert_nothing_lost(compare_attributes(root, [*TAGGERS[:2], "dup_docs"], small_corpus[1]), PIPELINE_KILLS.docs)
    mixed = compare_ids(output_ids(pipeline_clean / "mixed"), output_ids(root / "mixed"))
    assert (mixed.lost, mixed.duplicated) == (0, 0)
