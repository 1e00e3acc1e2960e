"""The scan phase of a mixture: one job per input file records, for every document that survives the
source's filters, its id hash and token count (``<index>/<NNNNNN>.npz`` plus a ``.json`` summary).

The index holds no seed, so changing ``seed`` or the ratios re-plans without re-reading the data; it is
keyed by the source's document-level config, input files and tokenizer, and kept after the mix.
"""

from __future__ import annotations

import io
from typing import Any, Mapping

import numpy as np
import orjson

from dolma_tools.io.atomic import atomic_write
from dolma_tools.io.compression import Compression
from dolma_tools.io.jsonl import ReadStats
from dolma_tools.io.streams import open_read
from dolma_tools.runner import Job, JobResult, Reporter
from dolma_tools.tokens import counter_for

from .processor import DocumentProcessor, iter_processed
from .sampling import id_hash

_BATCH = 512


def scan_file(job: Job, reporter: Reporter) -> JobResult:
    """Job function. ``job.params``: spec, prefix (index file prefix), tokenizer, on_error, input_size."""
    params = job.params
    path = job.inputs[0]
    processor = DocumentProcessor(params["spec"])
    counter = counter_for(params["tokenizer"])
    stats = ReadStats()
    hashes: list[int] = []
    tokens: list[int] = []
    texts: list[str] = []
    for _, doc in iter_processed(processor, path, params["on_error"], stats):
        hashes.append(id_hash(doc["id"]))
        texts.append(doc["text"])
        if len(texts) >= _BATCH:
            tokens += counter.count(texts)
            reporter.advance(docs=len(texts))
            texts = []
    if texts:
        tokens += counter.count(texts)
        reporter.advance(docs=len(texts))
    write_scan(params["prefix"], path, params["input_size"], stats, hashes, tokens, processor.counters)
    reporter.advance(bytes=job.size)
    return JobResult(key=job.key, docs=stats.rows, bytes=job.size, skipped=stats.skipped,
                     skipped_examples=stats.first_errors)


def write_scan(prefix: str, path: str, input_size: int, stats: ReadStats, hashes: list[int], tokens: list[int],
               counters: Mapping[str, int]) -> None:
    """One input file's index (id hashes and token counts of the documents the source keeps) and its summary,
    written last: the summary marks the file as scanned. ``counters``: documents ``filtered`` and ``too_short``."""
    write_index(prefix, np.array(hashes, dtype=np.uint64), np.array(tokens, dtype=np.uint32))
    summary = {
        "input": path,
        "input_bytes": input_size,
        "documents": stats.rows,
        "kept": len(hashes),
        "tokens": int(sum(tokens)),
        "filtered": counters["filtered"],
        "too_short": counters["too_short"],
        "skipped": dict(stats.skipped),
    }
    with atomic_write(prefix + ".json", Compression.NONE) as f:
        f.write(orjson.dumps(summary, option=orjson.OPT_SORT_KEYS))


def write_index(prefix: str, hashes: np.ndarray, tokens: np.ndarray) -> None:
    buf = io.BytesIO()
    np.savez(buf, id_hash=hashes, tokens=tokens)
    with atomic_write(prefix + ".npz", Compression.NONE) as f:
        f.write(buf.getvalue())


def read_index(prefix: str) -> tuple[np.ndarray, np.ndarray]:
    with open_read(prefix + ".npz", Compression.NONE) as f:
        data = np.load(io.BytesIO(f.read()))
        return data["id_hash"], data["tokens"]


def read_summary(prefix: str) -> dict[str, Any]:
    with open_read(prefix + ".json", Compression.NONE) as f:
        return orjson.loads(f.read())  # type: ignore[no-any-return]
