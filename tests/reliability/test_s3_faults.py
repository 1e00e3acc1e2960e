"""The whole pipeline from S3 to S3 through the fault-injecting proxy (``tests/s3/faults.py``), or SIGKILLed
at a commit: the outputs equal an undisturbed run's, object for object.

One bucket per module: the undisturbed run writes the reference, then every case deletes all outputs (the
documents stay) and runs again at the same paths, so manifests and filter records compare byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dolma_tools.fault_hooks import ENV as FAULT_ENV
from dolma_tools.io import s3, write_jsonl
from s3.corpus import s3_objects
from s3.faults import FaultPlan, FaultProxy
from support.runs import run_cli_env

from .catalogue import S3_FAULTS, Case
from .corpus import compare_ids, make_documents, write_yaml
from .test_kills import KILLED, assert_nothing_lost

BUCKET = "reliability-s3"
RATES = {"slowdown": 0.05, "error500": 0.25, "reset": 0.2, "drop": 0.2, "cut": 0.4}


def _pipeline(root: str) -> dict:
    return {"processes": 1, "stages": [
        {"tag": {"documents": [f"{root}/documents/*.jsonl.gz"], "taggers": ["char_length_v1", "random_number_v1"],
                 "experiment": "quality"}},
        {"dedupe": {"documents": [f"{root}/documents/*.jsonl.gz"],
                    "dedupe": {"name": "dups", "documents": {"attribute_name": "dup_doc", "key": "$.text"}},
                    "bloom_filter": {"file": f"{root}/filters/docs.bin", "size_in_bytes": 1 << 16,
                                     "checkpoint_interval": 0}}},
        {"mix": {"streams": [{"name": "out", "documents": [f"{root}/documents/*.jsonl.gz"],
                              "attributes": ["quality", "dups"],
                              "filter": {"exclude": ["$.attributes[?(@.dup_doc && @.dup_doc[0][2] >= 1.0)]"]},
                              "output": {"path": f"{root}/mixed", "max_size_in_bytes": 2000}}]}},
    ]}


@pytest.fixture(scope="module")
def bucket(s3_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, bytes]]]:
    """The bucket with its documents and the undisturbed run's outputs (returned, then deleted)."""
    client = s3.client()
    client.create_bucket(Bucket=BUCKET)
    for i, rows in enumerate(make_documents(3, 20, seed=5)):
        write_jsonl(f"s3://{BUCKET}/documents/part-{i:03d}.jsonl.gz", rows)
    config = write_yaml(tmp_path_factory.mktemp("s3") / "pipeline.yaml", _pipeline(f"s3://{BUCKET}"))
    done = run_cli_env(["pipeline", "-c", config])
    assert done.returncode == 0, done.stderr[-3000:]
    yield str(config), _outputs()


def _outputs() -> dict[str, bytes]:
    return {k: v for k, v in s3_objects(BUCKET).items() if not k.startswith("documents/")}


def _delete_outputs() -> None:
    client = s3.client()
    for key in _outputs():
        client.delete_object(Bucket=BUCKET, Key=key)


def _mixed_ids(objects: dict[str, bytes]) -> list[str]:
    from s3.corpus import attribute_rows

    return [row["id"] for k in sorted(objects) if k.startswith("mixed/out-") for row in attribute_rows(objects[k])]


@pytest.mark.parametrize("case", S3_FAULTS.params())
def test_pipeline_on_faulty_s3(case: Case, bucket: tuple[str, dict[str, bytes]], s3_server: str) -> None:
    config, expected = bucket
    _delete_outputs()
    with FaultProxy(s3_server, FaultPlan()) as proxy:
        args = ["pipeline", "-c", config, "--s3-endpoint-url", proxy.endpoint]
        env = {"DOLMA_TOOLS_S3_BACKOFF_BASE": "0.02"}
        if case.id.startswith("kill:"):
            killed = run_cli_env(args, {**env, FAULT_ENV: case.id[len("kill:"):]})
            assert killed.returncode == KILLED, killed.stderr[-2000:]
        else:
            proxy.set_plan(FaultPlan(**{case.id: RATES[case.id]}, seed=11, first_attempts=2))
        done = run_cli_env(args, env)
        faults = proxy.log.faults[case.id] if not case.id.startswith("kill:") else 0
        proxy.set_plan(FaultPlan())
    assert done.returncode == 0, done.stderr[-3000:]
    if not case.id.startswith("kill:"):
        assert faults > 0, f"no {case.id} fault was injected"
    got = _outputs()
    assert sorted(got) == sorted(expected)
    for key in expected:
        assert got[key] == expected[key], f"{key} differs from the undisturbed run's"
    assert s3.client().list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    assert not [k for k in got if "/staging/" in k and k.endswith(".gz")]
    # every document's attributes exactly once, every kept document exactly once
    ids = [f"f{f}-d{d:05d}" for f in range(3) for d in range(20)]
    from s3.corpus import attribute_rows

    attr = [row["id"] for k in sorted(got) if k.startswith("attributes/quality/") for row in attribute_rows(got[k])]
    assert_nothing_lost(compare_ids(ids, attr), S3_FAULTS.docs)
    mixed = compare_ids(_mixed_ids(expected), _mixed_ids(got))
    assert (mixed.lost, mixed.duplicated) == (0, 0)
