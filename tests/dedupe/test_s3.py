"""S3 inputs, outputs and filter files (a real moto server on 127.0.0.1): same bytes as a local run."""

from __future__ import annotations

from pathlib import Path

from dolma_tools.io import s3

from .helpers import dedupe, output_bytes, para_args


def test_s3_documents_filter_and_attributes(corpus: Path, s3_bucket: str):
    client = s3.client()
    for f in sorted((corpus / "documents").iterdir()):
        client.put_object(Bucket=s3_bucket, Key=f"c/documents/{f.name}", Body=f.read_bytes())
    assert dedupe(*para_args(corpus), "--processes", "2") == 0
    local = output_bytes(corpus, "para")

    remote = ["--documents", f"s3://{s3_bucket}/c/documents/*.jsonl.gz", "--dedupe.paragraphs.attribute_name", "para",
              "--bloom_filter.file", f"s3://{s3_bucket}/c/para.bin", "--bloom_filter.estimated_doc_count", "100000",
              "--bloom_filter.desired_false_positive_rate", "0.001", "--processes", "2"]
    assert dedupe(*remote) == 0
    for name, data in local.items():
        assert client.get_object(Bucket=s3_bucket, Key=f"c/attributes/para/{name}")["Body"].read() == data
    # the filter was written to S3 and is used read-only from there (decontamination against S3)
    assert client.head_object(Bucket=s3_bucket, Key="c/para.bin")["ContentLength"] > 1 << 20
    again = [a if a != "para" else "para_ro" for a in remote] + ["--bloom_filter.read_only"]
    assert dedupe(*again) == 0
    obj = client.get_object(Bucket=s3_bucket, Key="c/attributes/para_ro/" + sorted(local)[0])["Body"].read()
    assert obj != local[sorted(local)[0]]  # read-only against the full filter: every paragraph is a "duplicate"
