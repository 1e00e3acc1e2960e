"""stats, tokens and report with their inputs and outputs on S3 (a real moto server over HTTP): the bytes of the
same commands run on local files (through --executor ray too: tests/cluster/test_ray_dedupe_mix.py)."""

from __future__ import annotations

import gzip
from pathlib import Path

from .corpus import local_files, s3_objects, write_corpus

TOKENIZER = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "dolma" / "data" / "tokenizer" / \
    "gpt-neo-test-tokenizer.json"
FILES, DOCS = 4, 30


def _corpus(cli, root: str) -> None:
    write_corpus(root, FILES, DOCS)
    cli("tag", "--documents", f"{root}/documents/*.jsonl.gz", "--taggers", "char_length_v1", "random_number_v1",
        "--experiment", "q", "--processes", "2")


def test_stats_and_tokens_on_s3_give_the_local_bytes(cli, s3_bucket, tmp_path):
    local, remote = str(tmp_path / "local"), f"s3://{s3_bucket}"
    for root in (local, remote):
        _corpus(cli, root)
        cli("stats", "--documents", f"{root}/documents/*.jsonl.gz", "--attributes", f"{root}/attributes/*/*.jsonl.gz",
            "--json", f"{root}/out/stats.json", "--report", f"{root}/out/summaries", "--processes", "2")
        cli("tokens", "--documents", f"{root}/documents/*.jsonl.gz", "--destination", f"{root}/tokens",
            "--tokenizer.name_or_path", str(TOKENIZER), "--tokenizer.eos_token_id", "50279", "--max-size", "400",
            "--processes", "2")
    expected = {k: v for k, v in local_files(tmp_path / "local").items() if k.startswith(("out/", "tokens/"))}
    got = {k: v for k, v in s3_objects(s3_bucket).items() if k.startswith(("out/", "tokens/"))}
    assert len([k for k in expected if k.endswith(".npy")]) > FILES  # capped files: several per input
    assert "out/stats.json" in expected and any(k.startswith("out/summaries/") for k in expected)
    assert rooted(got, remote) == rooted(expected, local)


def rooted(files: dict[str, bytes], root: str) -> dict[str, bytes]:
    """Token tables (.csv.gz) and completion records name their input paths: compare them below the root."""
    out = {}
    for name, data in files.items():
        if name.endswith(".csv.gz"):
            data = gzip.decompress(data).replace(root.encode(), b"<root>")
        elif name.endswith(".done.json"):
            data = data.replace(root.encode(), b"<root>")
        out[name] = data
    return out


def test_report_reads_and_writes_s3(cli, s3_bucket, tmp_path):
    remote = f"s3://{s3_bucket}"
    _corpus(cli, remote)
    cli("report", "--documents", f"{remote}/documents/*.jsonl.gz", "--attributes", f"{remote}/attributes/*/*.jsonl.gz",
        "--html", f"{remote}/report/report.html", "--processes", "2")
    page = s3_objects(s3_bucket, "report/")["report.html"].decode()
    assert f"{FILES * DOCS:,}" in page or str(FILES * DOCS) in page  # the document count of the corpus
    assert "hist:q__char_length_v1__" in page  # a histogram of the tagged attribute
