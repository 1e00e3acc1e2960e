"""``dolma-tools mix --verify manifest.json``: re-derive a mix from its inputs and compare with its output.

The config stored in the manifest is run again without writing: for Dolma streams every kept document,
for mixtures the token scan and sampling plan (in a temporary work folder, so no cached index is
trusted) and every selected copy. Each expected document is compared with the output by id and by a hash
of its canonical JSON, which reports documents added, missing or changed (and, for mixtures, per-source
numbers in the manifest that no longer match).
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import Counter
from typing import Any, Iterator

import orjson
import xxhash

from dolma_tools.config.schema import build
from dolma_tools.io.jsonl import dump_json, iter_json_rows
from dolma_tools.io.paths import basename, exists, glob_paths, join

from .jobs import iter_copies
from .manifest import RUN_ONLY_KEYS, output_path, read_manifest
from .processor import DocumentProcessor, iter_processed
from .sampling import SourceSampler

_SHOW = 10
_CHECKED_NUMBERS = ("available_docs", "available_tokens", "selected_docs", "selected_tokens")


def doc_digest(doc: dict[str, Any]) -> int:
    return xxhash.xxh3_64_intdigest(dump_json(doc, orjson.OPT_SORT_KEYS))


def _stream_expected(cfg: Any) -> dict[tuple[str, str], list[int]]:
    from .streams import plan_stream

    expected: dict[tuple[str, str], list[int]] = {}
    for i, stream in enumerate(cfg.streams):
        plan = plan_stream(cfg, i, stream)
        processor = DocumentProcessor(plan.spec)
        for path in plan.files:
            for _, doc in iter_processed(processor, path, cfg.on_error):
                expected.setdefault((plan.name, doc["id"]), []).append(doc_digest(doc))
    return expected


def _mixture_expected(cfg: Any, notes: list[str], manifest: dict[str, Any]) -> dict[tuple[str, str], list[int]]:
    from .mixture import derive

    with tempfile.TemporaryDirectory(prefix="dolma-tools-verify-") as tmp:
        cfg.work_dir.output = tmp
        derived = derive(cfg, tmp)
        if derived is None:
            raise SystemExit(1)
        runs, _, _, counts = derived
        expected: dict[tuple[str, str], list[int]] = {}
        for run in runs:
            recorded = manifest.get("sources", {}).get(run.name, {})
            derived_numbers = {
                "available_docs": run.available_docs,
                "available_tokens": run.available_tokens,
                "selected_docs": sum(c["docs"] for c in counts[run.name]),
                "selected_tokens": sum(c["tokens"] for c in counts[run.name]),
            }
            for key in _CHECKED_NUMBERS:
                if recorded.get(key) != derived_numbers[key]:
                    notes.append(f"source '{run.name}': manifest says {key}={recorded.get(key)}, inputs give "
                                 f"{derived_numbers[key]}")
            assert run.selection is not None
            sampler = SourceSampler(cfg.seed, run.name, run.selection)
            processor = DocumentProcessor(run.spec)
            for path in run.files:
                for _, doc in iter_processed(processor, path, cfg.on_error):
                    _add_copies(expected, run.name, doc, sampler.copies_of(doc))
        return expected


def _add_copies(expected: dict[tuple[str, str], list[int]], group: str, doc: dict[str, Any], copies: int) -> None:
    for _, copy in iter_copies(doc, copies):
        expected.setdefault((group, copy["id"]), []).append(doc_digest(copy))


def _output_files(manifest: dict[str, Any], group_key: str, folder: str) -> dict[str, list[str]]:
    """Per stream/source: the files the manifest lists plus any other shard of that name in its folder."""
    out: dict[str, list[str]] = {}
    for name, entry in manifest[group_key].items():
        listed = [output_path(folder, o["path"]) for o in entry.get("outputs", [])]
        folders = {p.rsplit("/", 1)[0] for p in listed}
        pattern = re.compile(re.escape(name) + r"-\d{4,}\.jsonl(\.gz|\.zst)?\Z")
        extra = [p for folder in sorted(folders) for p in glob_paths(join(folder, "*"))
                 if pattern.match(basename(p)) and p not in listed]
        out[name] = listed + extra
    return out


def _actual(files: dict[str, list[str]], notes: list[str]) -> Iterator[tuple[tuple[str, str], int]]:
    for name, paths in files.items():
        for path in paths:
            if not exists(path):
                notes.append(f"output file {path} is missing")
                continue
            for _, row in iter_json_rows(path):
                yield (name, str(row.get("id"))), doc_digest(row)


def compare(expected: dict[tuple[str, str], list[int]], actual: Iterator[tuple[tuple[str, str], int]]) -> dict[str, list]:
    remaining = {k: Counter(v) for k, v in expected.items()}
    added, changed = [], []
    seen = 0
    for key, digest in actual:
        seen += 1
        bucket = remaining.get(key)
        if bucket is None:
            added.append(key)
        elif bucket[digest] > 0:
            bucket[digest] -= 1
        elif sum(bucket.values()) > 0:
            changed.append(key)
            bucket[next(d for d, c in bucket.items() if c > 0)] -= 1
        else:
            added.append(key)  # a duplicate beyond the expected copies
    missing = [k for k, bucket in remaining.items() for _ in range(sum(bucket.values()))]
    return {"added": added, "missing": missing, "changed": changed, "seen": [seen]}


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else "."


def verify_manifest(path: str, run_options: Any) -> int:
    from .config import MixConfig

    manifest = read_manifest(path)
    data = dict(manifest["config"])
    for key in RUN_ONLY_KEYS:
        if key not in ("verify", "plan", "dryrun", "ignore_existing") and getattr(run_options, key, None) is not None:
            data[key] = getattr(run_options, key)
    data["work_dir"] = {}
    cfg = build(MixConfig, data)
    notes: list[str] = []
    if manifest["kind"] == "streams":
        expected = _stream_expected(cfg)
        files = _output_files(manifest, "streams", _folder(path))
    else:
        expected = _mixture_expected(cfg, notes, manifest)
        files = _output_files(manifest, "sources", _folder(path))
    result = compare(expected, _actual(files, notes))
    n_files = sum(len(v) for v in files.values())
    problems = len(result["added"]) + len(result["missing"]) + len(result["changed"]) + len(notes)
    if not problems:
        print(f"[verify] {path}: OK: {result['seen'][0]:,} documents in {n_files} files match what the config "
              "derives from the inputs", file=sys.stderr)
        return 0
    print(f"[verify] {path}: DIFFERENT: {len(result['added'])} added, {len(result['missing'])} missing, "
          f"{len(result['changed'])} changed documents", file=sys.stderr)
    for kind in ("added", "missing", "changed"):
        for group, doc_id in result[kind][:_SHOW]:
            print(f"    {kind}: {group}: id={doc_id}", file=sys.stderr)
        if len(result[kind]) > _SHOW:
            print(f"    ... and {len(result[kind]) - _SHOW} more {kind}", file=sys.stderr)
    for note in notes:
        print(f"    {note}", file=sys.stderr)
    return 1
