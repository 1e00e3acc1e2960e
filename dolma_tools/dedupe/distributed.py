"""Dedupe on a Ray cluster: scan and assemble files in parallel tasks, check keys in partition actors.

For every file, in canonical order (the plan's replayed files, then the files to write):

1. a **scan** task (any node, many at once, at most ``window`` files ahead) reads, parses and hashes the
   file with the deduper's Rust scanner and returns its layout plus its keys split by partition;
2. the driver queues the file's keys on every partition actor (``partitions.py``). Ray runs the calls of
   one caller to one actor in submission order, and the driver submits files in canonical order, so each
   partition checks its keys in exactly the order of a local run: every answer is the local answer;
3. an **assemble** task turns the layout and the partitions' answers into the attribute file with the
   local committer's own checker and row writer, and commits it atomically.

Resume and checkpoints keep the local rules (``plan.py``): the filter is snapshotted (the same file
format, at the same path) only at a barrier, when every file whose keys were queued has been committed,
and records those files as covered; a failed commit makes the filter "dirty" and stops snapshots, as
locally. A distributed run can therefore be resumed by a local one and vice versa.
"""

from __future__ import annotations

import os
import time
from typing import Any

from .._rust import assemble_answers, assemble_clusters, scan_split
from ..errors import InputError
from ..io.atomic import atomic_write
from ..io.compression import Compression
from ..runner import JobResult
from ..runner.ray_executor import SYSTEM_FAILURE_RETRIES, connect, forwarded_env, import_ray
from .engine import TEST_DELAY_ENV, Checkpointer, DedupeProgress, FileOutcome, job_result
from .filter_store import Checkpoint, new_filter_shape
from .partitions import PartitionedFilter, PartitionedLsh
from .settings import DedupeSettings
from .sources import rust_codec, rust_source

class ClusterSession:
    """The Ray connection of one dedupe run and the actors holding its filter (or MinHash index)."""

    def __init__(self, cfg: Any) -> None:
        self.ray = import_ray()
        self.started = connect(self.ray, cfg.resolved_processes(), cfg.ray_address)
        nodes = sum(1 for n in self.ray.nodes() if n.get("Alive"))
        self.partitions = max(1, cfg.ray_partitions or nodes)
        self.target: Any = None

    def filters(self) -> ClusterFilters:
        return ClusterFilters(self.ray, self.partitions)

    def lsh_index(self) -> PartitionedLsh:
        return PartitionedLsh(self.ray, self.partitions)

    def close(self) -> None:
        if self.target is not None:
            self.target.close()
        if self.started:
            self.ray.shutdown()


class ClusterFilters:
    """``command.LocalFilters`` for filters held by partition actors."""

    def __init__(self, ray: Any, partitions: int) -> None:
        self.ray = ray
        self.partitions = partitions

    def load(self, path: str, read_only: bool) -> tuple[PartitionedFilter, Checkpoint]:
        bloom, metadata = PartitionedFilter.load(self.ray, path, self.partitions, read_only)
        return bloom, Checkpoint.from_metadata(metadata, path)

    def create(self, bf: Any) -> PartitionedFilter:
        num_bits, num_hashes = new_filter_shape(bf)
        return PartitionedFilter.create(self.ray, num_bits, num_hashes, min(self.partitions, num_bits // 512))


# ---- tasks (run in Ray worker processes) --------------------------------------------------------------------


def _enter(cwd: str) -> None:
    if os.path.isdir(cwd):  # relative local paths mean what they meant to the driver (same machine or NFS)
        os.chdir(cwd)


def scan_task(path: str, settings_json: str, partitions: int, num_bits: int, num_hashes: int, cwd: str) -> tuple:
    """(meta, layout, keys of partition 0, ..., keys of partition P-1)."""
    _enter(cwd)
    meta, layout, parts = scan_split(rust_source(path), rust_codec(path), settings_json, partitions, num_bits,
                                     num_hashes)
    return (meta, layout, *(parts or [b""] * partitions))


def assemble_task(layout: bytes, settings_json: str, path: str, output: str, shape: tuple[int, int, int],
                  minhash: bool, cwd: str, *answers: bytes) -> dict[str, Any]:
    """Build the file's attribute rows from the partitions' answers and commit them; returns the counters."""
    _enter(cwd)
    codec = rust_codec(output)
    if minhash:
        stats = assemble_clusters(layout, settings_json, path, codec, answers[0])
    else:
        partitions, num_bits, num_hashes = shape
        stats = assemble_answers(layout, settings_json, path, codec, partitions, num_bits, num_hashes, list(answers))
    data = stats.pop("data")
    with atomic_write(output, Compression.NONE) as sink:
        sink.write(data)
    return stats  # type: ignore[no-any-return]


# ---- driver ----------------------------------------------------------------------------------------------------


class RayCommitLoop:
    """``CommitLoop``'s contract (outcomes in file order, stop at the first failure) on a Ray cluster;
    ``target`` is a ``PartitionedFilter`` or a ``PartitionedLsh``."""

    def __init__(self, settings: DedupeSettings, target: Any, *, insert: bool, on_error: str,
                 board: DedupeProgress | None = None, checkpointer: Checkpointer | None = None) -> None:
        self.settings = settings
        self.target = target
        self.ray = target.ray
        self.insert = insert
        self.on_error = on_error
        self.board = board
        self.checkpointer = checkpointer
        self.delay = float(os.environ.get(TEST_DELAY_ENV, "0") or 0)
        self.minhash = not settings.uses_bloom_filter

    def run(self, files: list[str], outputs: list[str | None], sizes: list[int]) -> list[FileOutcome]:
        self.files, self.outputs, self.sizes = files, outputs, sizes
        self.results: dict[int, FileOutcome] = {}
        self.inflight: dict[Any, tuple[int, float]] = {}
        self.recorded = 0  # files [0, recorded) are reported to the checkpointer (in canonical order)
        try:
            self._submit_all()
            self._drain()
        except BaseException:
            for ref in self.inflight:
                self.ray.cancel(ref, force=True)
            if self.checkpointer is not None and self.inflight:
                self.checkpointer.dirty = True  # keys of uncommitted files may be in the partitions
            raise
        outcomes = []
        for i in range(len(files)):
            if i not in self.results:
                break
            outcomes.append(self.results[i])
            if self.results[i].error is not None or self.results[i].result.error:
                break
        return outcomes

    def _submit_all(self) -> None:
        ray, target = self.ray, self.target
        partitions = target.partitions
        shape = (partitions, getattr(target, "num_bits", 0), getattr(target, "num_hashes", 0))
        settings_json = self.settings.rust_json(self.on_error)
        env = forwarded_env()
        options: dict[str, Any] = {"max_retries": SYSTEM_FAILURE_RETRIES, "num_cpus": 1}
        if env:
            options["runtime_env"] = {"env_vars": env}
        scan = ray.remote(scan_task).options(num_returns=2 + partitions, **options)
        assemble = ray.remote(assemble_task).options(**options)
        window = max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
        cwd = os.getcwd()
        n = len(self.files)
        scans: dict[int, list[Any]] = {}
        next_scan = first_doc = 0
        for i in range(n):
            while next_scan < min(n, i + window):
                scans[next_scan] = scan.remote(self.files[next_scan], settings_json, partitions, shape[1], shape[2], cwd)
                next_scan += 1
            refs = scans.pop(i)
            meta = self._wait_for(refs[0], i)
            if meta is None or self._failed():
                return
            if self.checkpointer is not None and self.checkpointer.due():
                self._drain()
                if self._failed():
                    return
                self.checkpointer.save()
            answers = target.check(refs[2:], first_doc, refs[1], self.insert)
            first_doc += meta["docs"]
            output = self.outputs[i]
            if output is None:  # replayed: only its keys matter; later calls on the actors queue behind them
                self.results[i] = FileOutcome(JobResult(key=self.files[i], docs=meta["docs"], bytes=self.sizes[i]))
                if self.board is not None:
                    self.board.advance(docs=meta["docs"], bytes=self.sizes[i], files=1)
                self._record()
                continue
            ref = assemble.remote(refs[1], settings_json, self.files[i], output, shape, self.minhash, cwd, *answers)
            self.inflight[ref] = (i, time.monotonic())
            while len(self.inflight) >= window:
                self._collect(timeout=None)

    def _wait_for(self, meta_ref: Any, i: int) -> dict[str, Any] | None:
        """The scan's summary of file ``i`` (collecting finished commits meanwhile); None if it failed."""
        while not self.ray.wait([meta_ref], timeout=0.2)[0]:
            self._collect(timeout=0)
        self._collect(timeout=0)
        path = self.files[i]
        try:
            meta = self.ray.get(meta_ref)
        except self.ray.exceptions.RayError as exc:
            meta = {"error": (0, f"cannot open: {_cause(exc)}")}
        if "error" in meta:
            line, message = meta["error"]
            err = InputError(path, line, message)
            self.results[i] = FileOutcome(JobResult(key=path, error=str(err)), err)
            return None
        return meta  # type: ignore[no-any-return]

    def _collect(self, timeout: float | None) -> None:
        if not self.inflight:
            return
        ray = self.ray
        ready, _ = ray.wait(list(self.inflight), num_returns=1, timeout=timeout)
        if ready:
            ready, _ = ray.wait(list(self.inflight), num_returns=len(self.inflight), timeout=0)
        for ref in ready:
            i, start = self.inflight.pop(ref)
            path = self.files[i]
            try:
                stats = ray.get(ref)
            except ray.exceptions.RayError as exc:
                self.results[i] = FileOutcome(JobResult(key=path, error=f"{path}: {_cause(exc)}",
                                                        seconds=time.monotonic() - start))
                if self.checkpointer is not None:
                    self.checkpointer.dirty = True  # its keys are in the filter, its output is not committed
                continue
            self.results[i] = FileOutcome(job_result(path, stats, self.sizes[i], time.monotonic() - start))
            if self.board is not None:
                self.board.advance(docs=stats["docs"], duplicates=stats["duplicate_docs"], bytes=self.sizes[i], files=1)
            if self.delay:
                time.sleep(self.delay)
        self._record()

    def _record(self) -> None:
        """Tell the checkpointer about committed files, in canonical order (the order a local run records)."""
        while self.recorded in self.results and self.results[self.recorded].result.ok:
            if self.checkpointer is not None:
                self.checkpointer.committed(self.files[self.recorded], autosave=False)
            self.recorded += 1

    def _drain(self) -> None:
        while self.inflight:
            self._collect(timeout=None)

    def _failed(self) -> bool:
        return any(not o.result.ok for o in self.results.values())


def _cause(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None)
    if cause is not None:
        return f"{type(cause).__name__}: {cause}"
    return f"worker process died (killed or out of memory): {type(exc).__name__}"
