"""OLMo-style token files for training: ``<name>-NNNNN.npy`` (a raw memmap of token ids, no header; uint16
when the vocabulary fits, else uint32) plus ``<name>-NNNNN.csv.gz`` with one row per document piece:
``start,end,id,src,loc`` (token offsets into the .npy, document id, source file, line), as Dolma writes.

One job per input file, so the output is the same for any ``--processes``; files hold at most
``max_tokens`` tokens; a document that does not fit in the current file continues in the next one (it
is split, never wrapped around). Every file is committed atomically and a job records completion last.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from dolma_tools.errors import ConfigError
from dolma_tools.io.atomic import atomic_write
from dolma_tools.io.compression import Compression
from dolma_tools.io.jsonl import ReadStats, iter_documents
from dolma_tools.runner import Job, JobResult, Reporter
from dolma_tools.tokens import load_tokenizer

from .sharding import write_record

_BATCH = 256


def choose_dtype(vocab_size: int, requested: str = "auto") -> np.dtype:
    """uint16 if every id fits (vocab <= 65,536), else uint32; an explicit dtype must fit the vocabulary."""
    if requested == "auto":
        return np.dtype(np.uint16 if vocab_size <= 1 << 16 else np.uint32)
    dtype = np.dtype(requested)
    if dtype.kind != "u" or vocab_size > np.iinfo(dtype).max + 1:
        raise ConfigError(f"{requested} cannot hold token ids of a {vocab_size:,}-token vocabulary "
                          "(use auto, uint16 or uint32)", "dtype")
    return dtype


@dataclass
class TokenSettings:
    tokenizer: str
    dtype: str
    max_tokens: int
    bos_token_id: int | None
    eos_token_id: int | None


class _TokenFileWriter:
    """Streams token ids into capped .npy files with their .csv.gz document tables."""

    def __init__(self, prefix: str, dtype: np.dtype, max_tokens: int) -> None:
        self.prefix = prefix
        self.dtype = dtype
        self.max_tokens = max_tokens
        self.files: list[dict[str, Any]] = []
        self._npy: Any = None
        self._sink: BinaryIO | None = None
        self._rows: list[tuple[int, int, str, str, int]] = []
        self._used = 0

    def add(self, tokens: np.ndarray, doc_id: str, src: str, loc: int) -> None:
        offset = 0
        while offset < len(tokens):
            if self._sink is None or self._used >= self.max_tokens:
                self._next_file()
            take = min(len(tokens) - offset, self.max_tokens - self._used)
            assert self._sink is not None
            self._sink.write(tokens[offset : offset + take].astype(self.dtype, copy=False).tobytes())
            self._rows.append((self._used, self._used + take, doc_id, src, loc))
            self._used += take
            offset += take

    def _next_file(self) -> None:
        self._close_file()
        path = f"{self.prefix}-{len(self.files):05d}.npy"
        self._npy = atomic_write(path, Compression.NONE)
        self._sink = self._npy.__enter__()
        self.files.append({"npy": path, "csv": path[: -len(".npy")] + ".csv.gz", "tokens": 0, "rows": 0})
        self._used = 0

    def _close_file(self) -> None:
        if self._sink is None:
            return
        self._npy.__exit__(None, None, None)
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(self._rows)
        with atomic_write(self.files[-1]["csv"]) as f:
            f.write(text.getvalue().encode("utf-8"))
        self.files[-1]["tokens"], self.files[-1]["rows"] = self._used, len(self._rows)
        self._rows = []
        self._npy = self._sink = None

    def close(self) -> list[dict[str, Any]]:
        self._close_file()
        return self.files

    def abort(self, exc: BaseException) -> None:
        if self._npy is not None:
            self._npy.__exit__(type(exc), exc, exc.__traceback__)
            self._npy = self._sink = None


def tokenize_file(job: Job, reporter: Reporter) -> JobResult:
    """Job function. ``job.params``: settings (TokenSettings), prefix (of the token files), record (prefix of the
    completion record, kept in a hidden folder), on_error."""
    settings: TokenSettings = job.params["settings"]
    path = job.inputs[0]
    tok = load_tokenizer(settings.tokenizer)
    dtype = choose_dtype(tok.get_vocab_size(), settings.dtype)
    writer = _TokenFileWriter(job.params["prefix"], dtype, settings.max_tokens)
    stats = ReadStats()
    docs = tokens = 0
    batch: list[tuple[int, dict[str, Any]]] = []

    def flush() -> None:
        nonlocal docs, tokens
        encodings = tok.encode_batch([row["text"] for _, row in batch], add_special_tokens=False)
        for (line, row), enc in zip(batch, encodings):
            ids = enc.ids
            if settings.bos_token_id is not None:
                ids = [settings.bos_token_id] + ids
            if settings.eos_token_id is not None:
                ids = ids + [settings.eos_token_id]
            arr = np.asarray(ids, dtype=np.int64)
            writer.add(arr, row["id"], path, line)
            docs += 1
            tokens += len(arr)
        reporter.advance(docs=len(batch))
        batch.clear()

    try:
        for line, row in iter_documents(path, job.params["on_error"], stats):
            batch.append((line, row))
            if len(batch) >= _BATCH:
                flush()
        if batch:
            flush()
        files = writer.close()
    except BaseException as exc:
        writer.abort(exc)
        raise
    write_record(job.params["record"], {"input": path, "documents": docs, "tokens": tokens, "files": files,
                                        "dtype": dtype.name})
    reporter.advance(bytes=job.size)
    return JobResult(key=job.key, docs=stats.rows, bytes=job.size, skipped=stats.skipped,
                     skipped_examples=stats.first_errors, extra={"tokens": tokens})


def read_token_file(npy_path: str, dtype: str | np.dtype) -> np.ndarray:
    """The token ids of a written .npy file (memory-mapped, read-only)."""
    return np.memmap(npy_path, dtype=np.dtype(dtype), mode="r")


_EXTENSIONS = (".jsonl.gz", ".json.gz", ".jsonl.zst", ".json.zst", ".jsonl", ".json", ".parquet")


def _output_prefixes(files: list[str], patterns: list[str], destination: str) -> list[str]:
    from dolma_tools.io.paths import make_destination_paths, split_glob

    mapped = make_destination_paths(files, [split_glob(p)[0] for p in patterns], destination)
    out = []
    for m in mapped:
        for ext in _EXTENSIONS:
            if m.endswith(ext):
                m = m[: -len(ext)]
                break
        out.append(m)
    if len(set(out)) != len(out):
        raise ConfigError("two inputs map to the same output name; give globs whose fixed prefixes keep the "
                          "relative paths apart", "documents")
    return out


def run_tokens(cfg: Any) -> int:
    """``dolma-tools tokens``: validate, then one job per input file."""
    import sys

    from dolma_tools.cli.tag import file_size
    from dolma_tools.io.paths import join, relative_to
    from dolma_tools.runner import run_jobs

    from .inputs import expand

    cfg.apply_environment()
    path = cfg.tokenizer.name_or_path or cfg.tokenizer_name_or_path
    if not path:
        raise ConfigError("required: the path of a Hugging Face tokenizer.json", "tokenizer.name_or_path")
    vocab = load_tokenizer(path).get_vocab_size()
    dtype = choose_dtype(vocab, cfg.dtype)
    if cfg.tokenizer.eos_token_id is None:
        print("warning: no tokenizer.eos_token_id: documents will run together in the token files", file=sys.stderr)
    for key in ("bos_token_id", "eos_token_id"):
        tid = getattr(cfg.tokenizer, key)
        if tid is not None and not 0 <= tid < vocab:
            raise ConfigError(f"{tid} is not a token id of this {vocab:,}-token vocabulary", f"tokenizer.{key}")
    max_tokens = cfg.max_size // dtype.itemsize
    if max_tokens < 1:
        raise ConfigError(f"must hold at least one {dtype.name} token", "max_size")
    settings = TokenSettings(path, dtype.name, max_tokens, cfg.tokenizer.bos_token_id, cfg.tokenizer.eos_token_id)
    files = expand(cfg.documents, "documents")
    prefixes = _output_prefixes(files, cfg.documents, cfg.destination)
    records = [join(cfg.destination, ".dolma-tools", relative_to(p, cfg.destination)) for p in prefixes]
    jobs = [Job(key=f, inputs=[f], outputs=[r + ".done.json"], size=file_size(f),
                params={"settings": settings, "prefix": p, "record": r, "on_error": cfg.on_error})
            for f, p, r in zip(files, prefixes, records)]
    if cfg.dryrun:
        for job in jobs:
            print(f"{'done' if job.is_done() else 'todo'}\t{job.inputs[0]}\t->\t{job.params['prefix']}-NNNNN.npy")
        return 0
    summary = run_jobs("tokens", tokenize_file, jobs, processes=cfg.resolved_processes(), executor=cfg.executor,
                       ray_address=cfg.ray_address, ignore_existing=cfg.ignore_existing)
    return 0 if summary.ok else 1
