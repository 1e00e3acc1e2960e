"""The commit loop: scan files on Rust threads, commit them one by one in canonical order.

For each file, in order: the Rust committer checks (and inserts) its keys and builds its attribute
file with the GIL released; Python writes that file atomically, then records the file as covered by
the filter and, every ``checkpoint_interval`` seconds, snapshots the filter with that record. A
file whose commit did not finish leaves the in-memory filter "dirty" (it may hold part of the
file's keys), so nothing is snapshotted after it; the last snapshot plus the completed outputs are
what a rerun resumes from (see ``plan.py``).

Test hook: ``DOLMA_TOOLS_DEDUPE_TEST_DELAY=<seconds>`` sleeps after each committed file, so tests
can kill a run between commits deterministically.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .. import fault_hooks
from .._rust import DedupeRun
from ..errors import InputError
from ..io.atomic import atomic_write
from ..io.compression import Compression
from ..runner import JobResult
from ..runner.progress import ProgressBoard
from .filter_store import Checkpoint, save_filter
from .plan import identity
from .settings import DedupeSettings
from .sources import rust_codec, rust_source

TEST_DELAY_ENV = "DOLMA_TOOLS_DEDUPE_TEST_DELAY"


class DedupeProgress(ProgressBoard):
    """The runner's progress bar plus gauges (filter fill ratio) that are set rather than summed."""

    def set_gauge(self, name: str, text: str) -> None:
        with self._lock:
            self.counters[name] = text  # type: ignore[assignment]
            self._refresh_postfix()


@dataclass
class Checkpointer:
    """Snapshots a writable filter together with the list of files whose keys it holds."""

    bloom: Any
    path: str
    checkpoint: Checkpoint
    fingerprint: str
    interval: float
    pending: list[str] = field(default_factory=list)
    dirty: bool = False
    last: float = field(default_factory=time.monotonic)
    saves: int = 0

    def committed(self, path: str, autosave: bool = True) -> None:
        self.pending.append(path)
        if autosave and self.due():
            self.save()

    def due(self) -> bool:
        return time.monotonic() - self.last >= self.interval

    def save(self) -> None:
        if self.dirty:
            return
        fault_hooks.reach("checkpoint")
        self.checkpoint.covered.extend((identity(p), self.fingerprint) for p in self.pending)
        save_filter(self.bloom, self.checkpoint, self.path)
        self.pending.clear()
        self.last = time.monotonic()
        self.saves += 1


@dataclass
class FileOutcome:
    result: JobResult
    error: InputError | None = None


def job_result(path: str, stats: dict[str, Any], size: int, seconds: float) -> JobResult:
    extra = {k: stats[k] for k in ("duplicate_docs", "duplicate_spans", "keys")}
    return JobResult(key=path, docs=stats["docs"], bytes=size, skipped=Counter(stats["skipped"]),
                     skipped_examples=list(stats["skipped_examples"]), seconds=seconds, extra=extra)


class CommitLoop:
    """Runs the files of a plan through one ``DedupeRun``: replayed files first, then the rest."""

    def __init__(self, settings: DedupeSettings, target: Any, *, insert: bool, threads: int, on_error: str,
                 board: DedupeProgress | None = None, checkpointer: Checkpointer | None = None) -> None:
        self.settings = settings
        self.target = target
        self.insert = insert
        self.threads = threads
        self.on_error = on_error
        self.board = board
        self.checkpointer = checkpointer
        self.delay = float(os.environ.get(TEST_DELAY_ENV, "0") or 0)

    def run(self, files: list[str], outputs: list[str | None], sizes: list[int]) -> list[FileOutcome]:
        """Commit ``files`` in order; ``outputs[i]`` is None for files only re-inserted. Stops at the first
        file that fails (later files would otherwise see a different filter than in a clean run)."""
        outcomes: list[FileOutcome] = []
        if not files:
            return outcomes
        run = DedupeRun([rust_source(p) for p in files], list(files), [rust_codec(p) for p in files],
                        self.settings.rust_json(self.on_error), self.threads)
        try:
            for i, path in enumerate(files):
                outcome = self._commit_one(run, i, path, outputs[i], sizes[i])
                outcomes.append(outcome)
                if outcome.error is not None:
                    break
        finally:
            run.close()
        return outcomes

    def _commit_one(self, run: DedupeRun, i: int, path: str, output: str | None, size: int) -> FileOutcome:
        start = time.monotonic()
        seen = {"docs": 0, "dups": 0}

        def progress(docs: int, _bytes: int, dups: int) -> None:
            if self.board is not None:
                self.board.advance(docs=docs - seen["docs"], duplicates=dups - seen["dups"])
            fault_hooks.reach("docs", docs - seen["docs"])
            seen.update(docs=docs, dups=dups)

        if self.checkpointer is not None:
            self.checkpointer.dirty = True  # the filter may hold part of this file until it is committed
        stats = run.commit(i, self.target, insert=self.insert, output=rust_codec(output) if output else None,
                           progress=progress)
        if "error" in stats:
            line, message = stats["error"]
            err = InputError(path, line, message)
            return FileOutcome(JobResult(key=path, error=str(err), seconds=time.monotonic() - start), err)
        if output is not None:
            with atomic_write(output, Compression.NONE) as sink:
                sink.write(stats["data"])
        if self.checkpointer is not None:
            self.checkpointer.dirty = False
            self.checkpointer.committed(path)
        if self.board is not None:
            self.board.advance(docs=stats["docs"] - seen["docs"], duplicates=stats["duplicate_docs"] - seen["dups"],
                               bytes=size, files=1)
            fill = getattr(self.target, "fill_ratio", None)
            if fill is not None:
                self.board.set_gauge("fill", f"{fill:.1%}")
        if self.delay and output is not None:
            time.sleep(self.delay)
        return FileOutcome(job_result(path, stats, size, time.monotonic() - start))


def describe_stop(outcome: FileOutcome, remaining: int) -> str:
    return (f"[dedupe] stopped at {outcome.result.key}: {outcome.error or outcome.result.error}\n"
            f"[dedupe] {remaining} later file(s) not processed, so that keep-first stays deterministic; fix the "
            "file (or use --on-error skip) and rerun the same command to resume")


def warn(message: str) -> None:
    print(f"[dedupe] {message}", file=sys.stderr, flush=True)
