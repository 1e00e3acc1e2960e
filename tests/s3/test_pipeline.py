"""Whole runs from S3 to S3 over HTTP: same bytes as a local run, resumable after SIGKILL, robust to faults.

The pipeline test runs the stages of ``STAGES`` on S3 and on local disk and compares every output byte.
Every output is compared byte for byte, except two files that name their own paths (the filter's checkpoint
record and the mix manifest): for those the bits and the statistics are compared.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import yaml

from dolma_tools.io import s3, write_jsonl

from .corpus import (SLOW_PLUGIN, attribute_rows, kill_when, local_files, popen_cli, s3_objects, tag_args,
                     write_corpus)
from .faults import FaultPlan

FILES, DOCS = 8, 30


def stages(root: str) -> list[dict]:
    """The pipeline under test, rooted at a local folder or an s3:// prefix."""
    return [
        {"tag": {"documents": [f"{root}/documents/*.jsonl.gz"], "taggers": ["char_length_v1", "random_number_v1"],
                 "experiment": "quality"}},
        {"dedupe": {"documents": [f"{root}/documents/*.jsonl.gz"],
                    "dedupe": {"name": "dups", "documents": {"attribute_name": "dup_doc", "key": "$.text"}},
                    "bloom_filter": {"file": f"{root}/filters/docs.bin", "estimated_doc_count": 1000,
                                     "desired_false_positive_rate": 0.001}}},
        {"mix": {"streams": [{"name": "out", "documents": [f"{root}/documents/*.jsonl.gz"],
                              "attributes": ["quality", "dups"],
                              "filter": {"exclude": ["$.attributes[?(@.dup_doc && @.dup_doc[0][2] >= 1.0)]"]},
                              "output": {"path": f"{root}/mixed", "max_size_in_bytes": 10000}}]}},
    ]


def _config(tmp_path: Path, root: str) -> Path:
    path = tmp_path / f"pipeline-{len(list(tmp_path.glob('pipeline-*')))}.yaml"
    path.write_text(yaml.safe_dump({"processes": 2, "stages": stages(root)}))
    return path


def test_pipeline_from_s3_to_s3_matches_local(cli, s3_bucket, s3_server, tmp_path):
    write_corpus(str(tmp_path / "local"), FILES, DOCS)
    write_corpus(f"s3://{s3_bucket}", FILES, DOCS)
    cli("pipeline", "-c", _config(tmp_path, str(tmp_path / "local")))
    # the endpoint only on the command line: --s3-endpoint-url must reach every stage and worker
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    proc = subprocess.run(
        [sys.executable, "-m", "dolma_tools", "pipeline", "-c", _config(tmp_path, f"s3://{s3_bucket}"),
         "--s3-endpoint-url", s3_server],
        env={**env, "DOLMA_TOOLS_PROGRESS": "0"}, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    _assert_same_outputs(s3_objects(s3_bucket), local_files(tmp_path / "local"))


def _assert_same_outputs(got: dict[str, bytes], expected: dict[str, bytes]) -> None:
    """Pipeline outputs on S3 (``got``) vs a local run's: every byte, but for the two files naming their paths."""
    got = {k: v for k, v in got.items() if not k.startswith("documents/")}
    expected = {k: v for k, v in expected.items() if not k.startswith("documents/")}
    assert sorted(got) == sorted(expected)
    assert len([k for k in expected if k.startswith("attributes/")]) == 2 * FILES  # tag + dedupe
    assert len([k for k in expected if k.startswith("mixed/out-")]) >= 2  # several shards
    assert _filter_bits(got.pop("filters/docs.bin")) == _filter_bits(expected.pop("filters/docs.bin"))
    manifests = [json.loads(m.pop("mixed/manifest.json"))["streams"]["out"] for m in (got, expected)]
    assert [{k: v for k, v in m.items() if k != "inputs"} for m in manifests] == \
        [{k: v for k, v in manifests[1].items() if k != "inputs"}] * 2
    assert 0 < manifests[0]["documents_out"] < manifests[0]["documents_in"] == FILES * DOCS
    assert got == expected


def _filter_bits(data: bytes) -> tuple[bytes, bytes]:
    """A filter file's shape and counters (header bytes 8..56) and its bit array (data offset .. trailer)."""
    return data[8:56], data[int.from_bytes(data[64:72], "little"):-16]


def test_tag_reports_s3_input_sizes_from_the_listing(cli, s3_bucket):
    """The summary's MB (and the progress bar's MB/s) count S3 inputs too, sized by the glob's listing."""
    rng = random.Random(0)
    for f in range(4):
        rows = [{"id": f"{f}-{d}", "text": rng.randbytes(300).hex()} for d in range(200)]
        write_jsonl(f"s3://{s3_bucket}/documents/{f}.jsonl.gz", rows)
    total = sum(obj["Size"] for obj in s3.client().list_objects_v2(Bucket=s3_bucket)["Contents"])
    proc = cli("tag", "--documents", f"s3://{s3_bucket}/documents/*.jsonl.gz", "--taggers", "char_length_v1",
               "--processes", "1")
    reported = re.search(r"([\d,]+) documents, ([\d.]+) MB", proc.stderr)
    assert reported and reported.group(1) == "800"
    assert total > 200_000 and reported.group(2) == f"{total / 1e6:.1f}"


def test_killed_s3_run_resumes_without_visible_partial_objects(cli, s3_bucket, s3_server, tmp_path):
    plugin = tmp_path / "slow_plugin.py"
    plugin.write_text(SLOW_PLUGIN)
    files = 12
    write_corpus(str(tmp_path / "ref"), files, DOCS)
    cli(*tag_args(f"{tmp_path}/ref/documents/*.jsonl.gz", f"{tmp_path}/ref/attributes", plugin, "--processes", "2"))
    expected = local_files(tmp_path / "ref" / "attributes")

    write_corpus(f"s3://{s3_bucket}", files, DOCS)
    args = tag_args(f"s3://{s3_bucket}/documents/*.jsonl.gz", f"s3://{s3_bucket}/attributes", plugin,
                    "--processes", "2")
    seen: dict[str, bytes] = {}

    def every_visible_object_is_complete() -> None:
        for key, data in s3_objects(s3_bucket, "attributes/").items():
            assert len(attribute_rows(data)) == DOCS, f"partial object visible: {key}"
            seen[key] = data

    proc = popen_cli(args, DOLMA_TOOLS_PROGRESS="0", SLOW_TAGGER_SECONDS="0.02")
    kill_when(proc, lambda: len(seen) >= 3, each=every_visible_object_is_complete)
    every_visible_object_is_complete()
    partial = s3_objects(s3_bucket, "attributes/")
    assert 3 <= len(partial) < files, "the kill must land mid-run"
    assert all(data == expected[key] for key, data in partial.items())

    rerun = cli(*args, env={"SLOW_TAGGER_SECONDS": "0"})
    assert f"{len(partial)} of {files} files already done" in rerun.stderr
    assert s3_objects(s3_bucket, "attributes/") == expected
    assert s3.client().list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []


def test_faults_on_every_kind_of_request_leave_outputs_identical(cli, s3_bucket, fault_proxy, tmp_path):
    write_corpus(str(tmp_path / "local"), FILES, DOCS)
    cli("tag", "--documents", f"{tmp_path}/local/documents/*.jsonl.gz", "--taggers", "char_length_v1",
        "random_number_v1", "--experiment", "q", "--processes", "2")
    expected = {k: v for k, v in local_files(tmp_path / "local").items() if k.startswith("attributes/")}

    write_corpus(f"s3://{s3_bucket}", FILES, DOCS)
    fault_proxy.set_plan(FaultPlan(slowdown=0.1, error500=0.05, reset=0.05, drop=0.05, cut=0.25, seed=3))
    cli("tag", "--documents", f"s3://{s3_bucket}/documents/*.jsonl.gz", "--taggers", "char_length_v1",
        "random_number_v1", "--experiment", "q", "--processes", "2", "--s3-endpoint-url", fault_proxy.endpoint,
        env={"DOLMA_TOOLS_S3_BACKOFF_BASE": "0.05"})
    fault_proxy.set_plan(FaultPlan())
    assert s3_objects(s3_bucket, "attributes/") == {k[len("attributes/"):]: v for k, v in expected.items()}
    assert all(fault_proxy.log.faults[kind] > 0 for kind in ("slowdown", "error500", "reset", "drop", "cut")), \
        fault_proxy.log.faults


def test_faults_during_the_whole_pipeline_leave_outputs_identical(cli, s3_bucket, fault_proxy, tmp_path):
    """503 SlowDown, 500s, resets before and after the store acted, bodies cut mid-download: on the requests of
    the tag, dedupe (documents, attributes, filter file) and mix (staged parts, records, shards, manifest)."""
    write_corpus(str(tmp_path / "local"), FILES, DOCS)
    cli("pipeline", "-c", _config(tmp_path, str(tmp_path / "local")))
    write_corpus(f"s3://{s3_bucket}", FILES, DOCS)
    fault_proxy.set_plan(FaultPlan(slowdown=0.04, error500=0.03, reset=0.03, drop=0.03, cut=0.2, seed=5))
    cli("pipeline", "-c", _config(tmp_path, f"s3://{s3_bucket}"), "--s3-endpoint-url", fault_proxy.endpoint,
        env={"DOLMA_TOOLS_S3_BACKOFF_BASE": "0.05"})
    fault_proxy.set_plan(FaultPlan())
    proxied = {path.split("/")[2] for _, path, _ in fault_proxy.log.requests if path.count("/") > 2}
    assert {"attributes", "filters", "mixed"} <= proxied  # every stage went through the faulty proxy
    assert all(fault_proxy.log.faults[kind] > 0 for kind in ("slowdown", "error500", "reset", "drop", "cut")), \
        fault_proxy.log.faults
    _assert_same_outputs(s3_objects(s3_bucket), local_files(tmp_path / "local"))
