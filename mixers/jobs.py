"""The per-file job of the mixer: process one document file into staged parts and a completion record.

Used by Dolma streams (every kept document once) and by source mixtures (every selected document as
many times as the sampling plan says, each copy pass into its own parts).
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import orjson

from dolma_tools import fault_hooks
from dolma_tools.io.jsonl import ReadStats, dump_json
from dolma_tools.runner import Job, JobResult, Reporter

from .processor import DocumentProcessor, iter_processed
from .sharding import PartWriter, write_record

_REPORT_EVERY = 2000
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE

#: Decides, per output document, how many copies to write (0 = drop); set for mixtures.
CopyFn = Callable[[dict[str, Any]], int]


def dumps(doc: dict[str, Any]) -> bytes:
    """One output line; keys sorted, as Dolma's mixer writes them."""
    return dump_json(doc, _OPTIONS)


def mix_file(job: Job, reporter: Reporter) -> JobResult:
    """Job function. ``job.params``: spec, prefix, ext, cap, on_error and optionally sampler (mixtures)."""
    params = job.params
    path = job.inputs[0]
    processor = DocumentProcessor(params["spec"])
    sampler = params.get("sampler")
    stats = ReadStats()
    writers: dict[int, PartWriter] = {}

    def writer_for(copy: int) -> PartWriter:
        w = writers.get(copy)
        if w is None:
            prefix = params["prefix"] if copy == 1 else f"{params['prefix']}-c{copy}"
            w = writers[copy] = PartWriter(prefix, params["ext"], params["cap"])
        return w

    kept = written = 0
    crash_hook = fault_hooks.docs_hook()  # None unless a reliability test armed it
    try:
        for _, doc in iter_processed(processor, path, params["on_error"], stats):
            kept += 1
            if sampler is None:
                writer_for(1).write(dumps(doc))
                written += 1
            else:
                written += _write_copies(doc, sampler.copies_of(doc), writer_for)
            if kept % _REPORT_EVERY == 0:
                reporter.advance(docs=_REPORT_EVERY)
            if crash_hook is not None:
                crash_hook()
        parts = {copy: w.close() for copy, w in sorted(writers.items())}
    except BaseException as exc:
        for w in writers.values():
            w.abort(exc)
        raise
    record = {
        "input": path,
        "parts": [vars(p) for copy in sorted(parts) for p in parts[copy]],
        "copies": {str(copy): [p.path for p in ps] for copy, ps in parts.items()},
        "documents": stats.rows,
        "kept": kept,
        "written": written,
        "filtered": processor.counters["filtered"],
        "too_short": processor.counters["too_short"],
        "skipped": dict(stats.skipped),
    }
    write_record(params["prefix"], record)
    reporter.advance(docs=kept % _REPORT_EVERY, bytes=job.size)
    return JobResult(
        key=job.key,
        docs=stats.rows,
        bytes=job.size,
        skipped=stats.skipped,
        skipped_examples=stats.first_errors,
        extra={"documents written": written},
    )


def _write_copies(doc: dict[str, Any], copies: int, writer_for: Callable[[int], PartWriter]) -> int:
    for k, copy in iter_copies(doc, copies):
        writer_for(k).write(dumps(copy))
    return max(copies, 0)


def iter_copies(doc: dict[str, Any], copies: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """The copies of a selected document: copy 1 unchanged, copy k > 1 with id ``<id>#k`` and
    ``metadata.mix_copy = k``. The same dict is updated in place between yields."""
    if copies <= 0:
        return
    yield 1, doc
    if copies > 1:
        original = doc["id"]
        meta = doc.get("metadata")
        if not isinstance(meta, dict):
            meta = doc["metadata"] = {}
        for k in range(2, copies + 1):
            doc["id"] = f"{original}#{k}"
            meta["mix_copy"] = k
            yield k, doc
