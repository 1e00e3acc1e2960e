"""The commands the fault suite runs: arguments and configs with paths relative to the run's folder."""

from __future__ import annotations

import math
from pathlib import Path

from .corpus import write_yaml

TAGGERS = ["char_length_with_paragraphs_v1", "whitespace_tokenizer_v1", "random_number_v1"]
TAG_ARGS = ["tag", "--documents", "documents/*.jsonl.gz", "--taggers", *TAGGERS, "--batch_size", "16",
            "--processes", "1"]

#: dedupe variant -> (attributes folder, filter file under filters/)
DEDUPE_OUTPUT = {"documents": ("dup_docs", "docs.bin"), "paragraphs": ("dup_paras", "paras.bin")}


def dedupe_args(variant: str, documents: str = "documents/*.jsonl.gz", filter_dir: str = "filters") -> list[str]:
    """``documents`` / ``paragraphs`` dedupe, a snapshot after every file; ``interval``: documents with
    snapshots every hour (so none before the end); ``snapshot-write``: documents with a 64 MiB filter."""
    common = ["dedupe", "--documents", documents, "--processes", "1", "--bloom_filter.estimated_doc_count", "100000",
              "--bloom_filter.desired_false_positive_rate", "0.0001",
              "--bloom_filter.checkpoint_interval", "3600" if variant == "interval" else "0"]
    if variant == "paragraphs":
        return [*common, "--dedupe.name", "dup_paras", "--dedupe.paragraphs.attribute_name", "dup_para",
                "--bloom_filter.file", f"{filter_dir}/paras.bin"]
    args = [*common, "--dedupe.name", "dup_docs", "--dedupe.documents.attribute_name", "dup_doc",
            "--dedupe.documents.key", "$.text", "--bloom_filter.file", f"{filter_dir}/docs.bin"]
    if variant == "snapshot-write":
        args += ["--bloom_filter.size_in_bytes", str(64 << 20)]
    return args


STREAM = {
    "name": "mixed",
    "documents": ["documents/*.jsonl.gz"],
    "attributes": ["char_length_with_paragraphs_v1", "dup_docs", "dup_paras"],
    "filter": {"exclude": ["$.attributes[?(@.dup_doc && @.dup_doc[0][2] >= 1.0)]"]},
    "span_replacement": [{"span": "$.attributes.dup_para", "min_score": 0.5, "replacement": ""}],
    "output": {"path": "mixed", "max_size_in_bytes": 4000},
}


def mix_args(root: Path, output: str = "mixed") -> list[str]:
    write_yaml(root / "mix.yaml", {"processes": 1, "streams": [{**STREAM, "output": {**STREAM["output"],
                                                                                     "path": output}}]})
    return ["mix", "-c", "mix.yaml"]


def mixture_args(root: Path, docs: list[list[dict]]) -> list[str]:
    """Source a (shards 0-1) upsampled 1.5x, source b (shards 2-3) downsampled."""
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


def pipeline_args(root: Path) -> list[str]:
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
