"""dedupe and mix killed (SIGKILL) mid-run with everything on S3: no half-written object is ever visible, and a
rerun finishes with the bytes of an uninterrupted local run."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson

from dolma_tools._rust import BloomFilter
from dolma_tools.io import s3
from dolma_tools.io.jsonl import read_rows

from .corpus import attribute_rows, kill_when, local_files, popen_cli, s3_objects, write_corpus
from .faults import FaultPlan

FILES, DOCS = 8, 30
DEDUPE = ["--dedupe.name", "dups", "--dedupe.documents.attribute_name", "dup_doc", "--dedupe.documents.key", "$.text",
          "--bloom_filter.estimated_doc_count", "1000", "--bloom_filter.desired_false_positive_rate", "0.001",
          "--processes", "2"]


def _dedupe(root: str, *extra: str) -> list[str]:
    return ["dedupe", "--documents", f"{root}/documents/*.jsonl.gz", "--bloom_filter.file", f"{root}/filters/docs.bin",
            *DEDUPE, *extra]


def _bits(filter_file: bytes) -> bytes:
    return filter_file[int.from_bytes(filter_file[64:72], "little"):-16]


def test_killed_s3_dedupe_resumes_without_visible_partial_objects(cli, s3_bucket, tmp_path):
    write_corpus(str(tmp_path / "ref"), FILES, DOCS)
    cli(*_dedupe(str(tmp_path / "ref")))
    expected = local_files(tmp_path / "ref" / "attributes" / "dups")
    expected_filter = (tmp_path / "ref" / "filters" / "docs.bin").read_bytes()

    root = f"s3://{s3_bucket}"
    write_corpus(root, FILES, DOCS)
    filters_seen = []

    def every_visible_object_is_complete() -> None:
        for key, data in s3_objects(s3_bucket, "attributes/dups/").items():
            assert len(attribute_rows(data)) == DOCS, f"partial object visible: {key}"
        for data in s3_objects(s3_bucket, "filters/").values():
            BloomFilter.from_bytes(data)  # raises on a truncated or corrupt file
            filters_seen.append(data)

    # a snapshot of the filter after every file, so the kill lands between snapshots and commits
    proc = popen_cli(_dedupe(root, "--bloom_filter.checkpoint_interval", "0"), DOLMA_TOOLS_DEDUPE_TEST_DELAY="0.3")
    kill_when(proc, lambda: len(s3_objects(s3_bucket, "attributes/dups/")) >= 3, each=every_visible_object_is_complete)
    every_visible_object_is_complete()
    partial = s3_objects(s3_bucket, "attributes/dups/")
    assert 3 <= len(partial) < FILES and filters_seen, "the kill must land mid-run, after a snapshot"
    assert all(data == expected[key] for key, data in partial.items())

    rerun = cli(*_dedupe(root))
    assert f"{len(partial)} of {FILES} files already done" in rerun.stderr
    assert s3_objects(s3_bucket, "attributes/dups/") == expected
    assert _bits(s3_objects(s3_bucket, "filters/")["docs.bin"]) == _bits(expected_filter)
    assert s3.client().list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []


def _mix_config(tmp_path: Path, root: str, name: str) -> Path:
    config = tmp_path / f"{name}.json"
    config.write_text(json.dumps({
        "processes": 2,
        "streams": [{"name": "out", "documents": [f"{root}/documents/*.jsonl.gz"], "attributes": ["dups"],
                     "filter": {"exclude": ["$.attributes[?(@.dup_doc && @.dup_doc[0][2] >= 1.0)]"]},
                     "output": {"path": f"{root}/mixed", "max_size_in_bytes": 3000}}],
    }))
    return config


def test_killed_s3_mix_resumes_without_visible_partial_objects(cli, s3_bucket, s3_server, tmp_path):
    from .faults import FaultProxy

    write_corpus(str(tmp_path / "ref"), FILES, DOCS)
    cli(*_dedupe(str(tmp_path / "ref")))
    cli("mix", "-c", _mix_config(tmp_path, str(tmp_path / "ref"), "ref"))
    expected = {k: v for k, v in local_files(tmp_path / "ref" / "mixed").items() if k != "manifest.json"}
    assert len(expected) >= 3

    root = f"s3://{s3_bucket}"
    write_corpus(root, FILES, DOCS)
    cli(*_dedupe(root))
    staged: set[str] = set()

    def every_visible_object_is_complete() -> None:
        for key, data in s3_objects(s3_bucket, "mixed/").items():
            if key.endswith(".done.json"):
                record = orjson.loads(data)  # complete JSON, naming parts that are all there
                staged.add(key)
                assert all(p["path"].startswith(root) for p in record["parts"])
            elif key.endswith(".jsonl.gz"):
                lines = gzip.decompress(data).splitlines()  # raises on a truncated gzip stream
                assert all(orjson.loads(line)["id"] for line in lines)
            assert key != "manifest.json", "the manifest is written last"

    # every S3 request held 50 ms, so the kill lands while files are being staged
    with FaultProxy(s3_server, FaultPlan(latency=0.05)) as slow:
        proc = popen_cli(["mix", "-c", str(_mix_config(tmp_path, root, "s3")), "--s3-endpoint-url", slow.endpoint])
        kill_when(proc, lambda: len(staged) >= 2, each=every_visible_object_is_complete)
    every_visible_object_is_complete()
    assert 2 <= len(staged) < FILES, "the kill must land while files are being staged"

    rerun = cli("mix", "-c", _mix_config(tmp_path, root, "s3"))
    assert f"{len(staged)} of {FILES} files already done" in rerun.stderr
    got = s3_objects(s3_bucket, "mixed/")
    assert "manifest.json" in got and not [k for k in got if "/staging/" in k]  # staging removed at the end
    assert {k: v for k, v in got.items() if k != "manifest.json"} == expected
    rows = [r for k in sorted(expected) for r in read_rows(f"{root}/mixed/{k}")]
    assert len(rows) == len({r["id"] for r in rows}) == json.loads(got["manifest.json"])["streams"]["out"]["documents_out"]
