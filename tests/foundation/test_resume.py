"""Kill a tagging run with SIGKILL mid-way, rerun, and compare with an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson

from dolma_tools.io import write_jsonl
from support.runs import SLOW_PLUGIN, local_files


def _corpus(root: Path, files: int = 12, docs: int = 40) -> None:
    for f in range(files):
        rows = [{"id": f"f{f}-d{d}", "text": f"document {d} of file {f} " * (d % 7 + 1), "source": "t"} for d in range(docs)]
        write_jsonl(str(root / "documents" / f"part-{f:03d}.jsonl.gz"), rows)


def _snapshot(root: Path) -> dict[str, bytes]:
    """Committed attribute files, by path relative to ``root``."""
    return {f"attributes/{k}": v for k, v in local_files(root / "attributes").items()}


def _tag_args(root: Path, plugin: Path) -> list[str]:
    return [sys.executable, "-m", "dolma_tools", "tag", "--documents", f"{root}/documents/*.jsonl.gz",
            "--taggers", "slow_length_test", "char_length_v1", "--experiment", "exp", "--processes", "2",
            "--tagger-modules", str(plugin)]


def test_sigkill_then_rerun_equals_uninterrupted_run(tmp_path):
    plugin = tmp_path / "slow_plugin.py"
    plugin.write_text(SLOW_PLUGIN)
    env = {**os.environ, "DOLMA_TOOLS_PROGRESS": "0"}

    clean = tmp_path / "clean"
    _corpus(clean)
    subprocess.run(_tag_args(clean, plugin), env=env, check=True, capture_output=True)
    expected = _snapshot(clean)
    assert len(expected) == 12

    crashed = tmp_path / "crashed"
    _corpus(crashed)
    proc = subprocess.Popen(_tag_args(crashed, plugin), env={**env, "SLOW_TAGGER_SECONDS": "0.03"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    out_dir = crashed / "attributes" / "exp"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = [n for n in os.listdir(out_dir) if not n.startswith(".")] if out_dir.is_dir() else []
        if len(done) >= 2:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole run dies at once: main process and workers
    proc.wait()
    partial = _snapshot(crashed)
    assert 2 <= len(partial) < 12, "the kill must land mid-run"
    for name, data in partial.items():
        assert data == expected[name], "a committed file is never partial"

    rerun = subprocess.run(_tag_args(crashed, plugin), env=env, check=True, capture_output=True, text=True)
    assert f"{len(partial)} already done" in rerun.stderr
    assert _snapshot(crashed) == expected
    leftovers = [n for n in os.listdir(out_dir) if n.startswith(".")]
    assert leftovers == [], "no temporary file is left after the rerun"
    ids = [orjson.loads(line)["id"] for n in sorted(os.listdir(out_dir))
           for line in __import__("gzip").open(out_dir / n)]
    assert len(ids) == len(set(ids)) == 12 * 40, "nothing missing, nothing duplicated"
