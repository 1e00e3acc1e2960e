"""Determinism and crash safety: --processes does not change outputs; killed or repeated runs resume exactly."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dolma_tools._rust import BloomFilter

from .helpers import attributes, dedupe, doc_args, filter_bits, output_bytes, para_args

MODES = {
    "documents": lambda root: doc_args(root),
    "paragraphs": lambda root: para_args(root),
    "ngrams": lambda root: para_args(root) + ["--dedupe.paragraphs.by_ngram.ngram_length", "5",
                                              "--dedupe.paragraphs.by_ngram.stride", "2",
                                              "--dedupe.paragraphs.by_ngram.overlap_threshold", "0.5"],
    "minhash": lambda root: ["--documents", str(root / "documents" / "*.jsonl.gz"),
                             "--dedupe.minhash.attribute_name", "near"],
}
OUTPUT = {"documents": "dup", "paragraphs": "para", "ngrams": "para", "minhash": "near"}


def _copy(corpus: Path, name: str) -> Path:
    dst = corpus.parent / name
    shutil.copytree(corpus / "documents", dst / "documents")
    return dst


@pytest.mark.parametrize("mode", sorted(MODES))
def test_outputs_are_byte_identical_for_any_number_of_processes(corpus: Path, mode: str):
    outs = []
    for processes in (1, 2, 3):
        root = _copy(corpus, f"p{processes}")
        assert dedupe(*MODES[mode](root), "--processes", str(processes)) == 0
        outs.append(output_bytes(root, OUTPUT[mode]))
    assert len(outs[0]) == 3 and outs[0] == outs[1] == outs[2]
    if mode != "minhash":
        assert filter_bits(corpus.parent / "p1" / ("docs.bin" if mode == "documents" else "para.bin")) == \
            filter_bits(corpus.parent / "p2" / ("docs.bin" if mode == "documents" else "para.bin"))


def _start(args: list[str], delay: float) -> subprocess.Popen:
    env = {**os.environ, "DOLMA_TOOLS_PROGRESS": "0", "DOLMA_TOOLS_DEDUPE_TEST_DELAY": str(delay)}
    return subprocess.Popen([sys.executable, "-m", "dolma_tools", "dedupe", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_after_first_output(proc: subprocess.Popen, out_dir: Path, timeout: float = 120,
                             sig: int = signal.SIGKILL) -> int:
    """Signal the run as soon as its first attribute file is committed (it then sleeps in the test hook)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if out_dir.is_dir() and any(p.name.endswith(".gz") and not p.name.startswith(".") for p in out_dir.iterdir()):
            break
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be killed: {proc.stderr.read().decode()}")
        time.sleep(0.02)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    return len([p for p in out_dir.iterdir() if not p.name.startswith(".")])


@pytest.mark.parametrize("mode", ["documents", "paragraphs", "minhash"])
@pytest.mark.parametrize("checkpoint_interval", ["0", "3600"])
def test_sigkill_then_rerun_equals_an_uninterrupted_run(corpus: Path, mode: str, checkpoint_interval: str):
    """Killed after its first file: with a snapshot per file (0) or none before the kill (3600, so the
    rerun must re-insert the completed file's keys). The rerun's outputs and filter bits equal a clean run's."""
    clean = _copy(corpus, "clean")
    assert dedupe(*MODES[mode](clean), "--processes", "2") == 0
    killed = _copy(corpus, "killed")
    args = MODES[mode](killed) + ["--processes", "2"]
    if mode != "minhash":
        args += ["--bloom_filter.checkpoint_interval", checkpoint_interval]
    done = _kill_after_first_output(_start(args, delay=30), killed / "attributes" / OUTPUT[mode])
    assert 1 <= done < 3
    assert dedupe(*args) == 0
    assert output_bytes(killed, OUTPUT[mode]) == output_bytes(clean, OUTPUT[mode])
    if mode != "minhash":
        name = "docs.bin" if mode == "documents" else "para.bin"
        assert filter_bits(killed / name) == filter_bits(clean / name)


def test_ctrl_c_stops_cleanly_and_the_rerun_resumes(corpus: Path):
    clean = _copy(corpus, "clean")
    assert dedupe(*MODES["paragraphs"](clean)) == 0
    stopped = _copy(corpus, "stopped")
    args = MODES["paragraphs"](stopped) + ["--processes", "2", "--bloom_filter.checkpoint_interval", "3600"]
    proc = _start(args, delay=30)
    _kill_after_first_output(proc, stopped / "attributes" / "para", sig=signal.SIGINT)
    assert proc.returncode == 130
    assert "interrupted" in proc.stderr.read().decode()
    assert (stopped / "para.bin").is_file()  # stopped between files: the filter was checkpointed on the way out
    assert dedupe(*args) == 0
    assert output_bytes(stopped, "para") == output_bytes(clean, "para")


def test_rerun_of_a_finished_run_marks_nothing_new(corpus: Path):
    assert dedupe(*doc_args(corpus)) == 0
    before = output_bytes(corpus, "dup")
    bits = filter_bits(corpus / "docs.bin")
    assert dedupe(*doc_args(corpus)) == 0
    assert output_bytes(corpus, "dup") == before
    assert filter_bits(corpus / "docs.bin") == bits
    # redoing everything against the saved filter rebuilds it instead of marking every document
    assert dedupe(*doc_args(corpus), "--ignore-existing") == 0
    assert output_bytes(corpus, "dup") == before
    marked = sum(bool(a["attributes"].get("dup")) for a in attributes(corpus, "dup"))
    assert 0 < marked < len(attributes(corpus, "dup")) / 2


def test_a_deleted_output_in_the_middle_is_redone_exactly(corpus: Path):
    assert dedupe(*para_args(corpus)) == 0
    before = output_bytes(corpus, "para")
    middle = sorted((corpus / "attributes" / "para").iterdir())[1]
    middle.unlink()
    assert dedupe(*para_args(corpus)) == 0
    assert output_bytes(corpus, "para") == before


def test_a_filter_shared_with_other_files_is_not_silently_rebuilt(corpus: Path, capsys):
    """Incremental dedupe: corpus B against the filter of corpus A. Redoing a B file whose keys are already in
    the filter would need removing keys, which a Bloom filter cannot do: the run refuses and says why."""
    other = _copy(corpus, "other")
    for f in (other / "documents").iterdir():
        f.rename(f.with_name("b-" + f.name))
    assert dedupe(*doc_args(corpus)) == 0
    shared = ["--bloom_filter.file", str(corpus / "docs.bin")]
    assert dedupe(*doc_args(other), *shared) == 0
    marked = [a for a in attributes(other, "dup") if a["attributes"].get("dup")]
    assert len(marked) == len(attributes(other, "dup"))  # every document of B was already seen in A
    sorted((other / "attributes" / "dup").iterdir())[0].unlink()
    capsys.readouterr()
    assert dedupe(*doc_args(other), *shared) == 1
    assert "outside this run" in capsys.readouterr().err


def test_changed_settings_are_refused_on_resume(corpus: Path, capsys):
    assert dedupe(*doc_args(corpus)) == 0
    sorted((corpus / "attributes" / "dup").iterdir())[-1].unlink()  # the first two stay completed
    capsys.readouterr()
    assert dedupe(*doc_args(corpus, key="$.metadata.url")) == 1
    assert "different dedupe settings" in capsys.readouterr().err


def test_checkpoint_record_lists_covered_files(corpus: Path):
    assert dedupe(*doc_args(corpus), "--bloom_filter.checkpoint_interval", "0") == 0
    import json

    record = json.loads(BloomFilter.load(str(corpus / "docs.bin"), read_only=True).metadata)["dolma_tools"]
    covered = [p for p, _ in record["covered"]]
    assert covered == sorted(str(p) for p in (corpus / "documents").iterdir())
