"""Whole runs from S3 to S3 over HTTP: same bytes as a local run, resumable after SIGKILL, robust to faults.

The pipeline test runs the stages of ``STAGES`` on S3 and on local disk and compares every output byte.
Stages are added here as commands land (dedupe and mix: see the TODO), the checks stay the same.
"""

from __future__ import annotations

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
        # TODO(dedupe), once `dolma-tools dedupe` is merged:
        # {"dedupe": {"documents": [f"{root}/documents/*.jsonl.gz"],
        #             "dedupe": {"name": "dups", "documents": {"attribute_name": "dup_doc", "key": "$.text"}},
        #             "bloom_filter": {"file": f"{root}/filters/docs.bin", "estimated_doc_count": 1000,
        #                              "desired_false_positive_rate": 0.001}}},
        # TODO(mix), once `dolma-tools mix` is merged:
        # {"mix": {"streams": [{"name": "out", "documents": [f"{root}/documents/*.jsonl.gz"],
        #                       "attributes": ["quality", "dups"],
        #                       "filter": {"exclude": ["$.attributes[?(@.dup_doc && @.dup_doc[0][2] >= 1.0)]"]},
        #                       "output": {"path": f"{root}/mixed", "max_size_in_bytes": 100000}}]}},
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
    expected = {k: v for k, v in local_files(tmp_path / "local").items() if not k.startswith("documents/")}
    got = {k: v for k, v in s3_objects(s3_bucket).items() if not k.startswith("documents/")}
    assert len(expected) == FILES and got == expected


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
