"""A Dolma stream mix that reads documents and attributes from S3 and writes its shards and manifest there
(a real S3 server: moto's, on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

from dolma_tools.io import s3
from dolma_tools.io.jsonl import read_rows
from mixer_helpers import DOLMA_FIXTURES, run_mix

PROVIDED = DOLMA_FIXTURES / "data" / "provided"


def test_stream_mix_on_s3(s3_bucket: str, tmp_path: Path, capsys) -> None:
    client = s3.client()
    for rel in ("documents/000.json.gz", "attributes/toxicity/000.json.gz", "attributes/pii/000.json.gz"):
        client.upload_file(str(PROVIDED / rel), s3_bucket, f"in/{rel}")
    out = f"s3://{s3_bucket}/out"
    cfg = {"streams": [{"name": "remote", "documents": [f"s3://{s3_bucket}/in/documents/*.gz"],
                        "attributes": ["toxicity", "pii"],
                        "filter": {"exclude": ["$.attributes[?(@.toxicity > 0.55)]"]},
                        "span_replacement": [{"span": "$.attributes.pii.email", "min_score": 0.5, "replacement": "<EMAIL>"}],
                        "output": {"path": out, "max_size_in_bytes": 30_000}}]}
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    assert run_mix("-c", tmp_path / "c.json", "--processes", "2") == 0
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket, Prefix="out/")["Contents"])
    shards = [k for k in keys if k.startswith("out/remote-")]
    assert shards == [f"out/remote-{i:04d}.jsonl.gz" for i in range(len(shards))] and len(shards) >= 2
    assert "out/manifest.json" in keys
    assert not [k for k in keys if "/.dolma-tools/staging/" in k and k.endswith(".gz")]  # staging cleaned up
    rows = [r for k in shards for r in read_rows(f"s3://{s3_bucket}/{k}")]
    assert len(rows) == 5  # toxicity 0.1 .. 0.5
    assert [r["text"].count("<EMAIL>") for r in rows] == [0, 0, 1, 1, 0]  # emails scored 0.8 in docs 3 and 4
    capsys.readouterr()
    assert run_mix("--verify", f"{out}/manifest.json") == 0
    assert "OK: 5 documents" in capsys.readouterr().err
