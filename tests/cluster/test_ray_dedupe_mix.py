"""dedupe and mix through ``--executor ray`` (a local Ray instance of 2 CPUs): the local executor's bytes.

Distributed dedupe spreads the filter over Ray actors (``--ray-partitions``); the attribute files and the
filter file must be byte for byte those of a local run, a run killed under one executor must be
finished by the other, and a read-only filter, S3 paths and MinHash must work the same way.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dolma_tools.cli.main import main
from dolma_tools.io import s3

from s3.corpus import kill_when, local_files, popen_cli, s3_objects, settled, write_corpus
from s3.test_commands_on_s3 import TOKENIZER, rooted

BLOOM = ["--bloom_filter.estimated_doc_count", "30000", "--bloom_filter.desired_false_positive_rate", "0.01"]
MODES = {
    "documents": ["--dedupe.documents.key", "$.text", "--dedupe.documents.attribute_name", "dup", *BLOOM],
    "ngrams": ["--dedupe.paragraphs.attribute_name", "para", "--dedupe.paragraphs.by_ngram.ngram_length", "5",
               "--dedupe.paragraphs.by_ngram.overlap_threshold", "0.5", *BLOOM],
    "minhash": ["--dedupe.minhash.attribute_name", "near", "--dedupe.minhash.num_perm", "64",
                "--dedupe.minhash.threshold", "0.5"],
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, shared_dir: Path) -> Path:
    """232 documents in 6 shards with planted exact and near duplicates and shared boilerplate paragraphs."""
    out = tmp_path_factory.mktemp("corpus") / "c"
    subprocess.run([sys.executable, str(shared_dir / "bench" / "make_corpus.py"), "--out", str(out), "--size-mb", "0.6",
                    "--shards", "6", "--seed", "5", "--no-system-docs", "--quiet"],
                   check=True, capture_output=True, timeout=300)
    return out


def _fresh(corpus: Path, root: Path) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(corpus / "documents", root / "documents")
    return root


def _dedupe_args(root: Path, mode: str, *extra: str) -> list[str]:
    args = ["dedupe", "--documents", f"{root}/documents/*.jsonl.gz", *MODES[mode], *extra]
    if mode != "minhash":
        args += ["--bloom_filter.file", f"{root}/filter.bin"]
    return args


def _outputs(root: Path) -> dict[str, bytes]:
    """Attribute files and the filter file (hidden temporaries of a killed run excluded)."""
    out = local_files(root / "attributes") if (root / "attributes").exists() else {}
    if (root / "filter.bin").exists():
        out["filter.bin"] = (root / "filter.bin").read_bytes()
    return out


def _reset(root: Path) -> None:
    shutil.rmtree(root / "attributes", ignore_errors=True)
    (root / "filter.bin").unlink(missing_ok=True)


def _ray(address: str, partitions: int = 2) -> list[str]:
    return ["--executor", "ray", "--ray-address", address, "--ray-partitions", str(partitions)]


@pytest.mark.parametrize("mode", list(MODES))
def test_dedupe_through_ray_gives_the_local_bytes(corpus, tmp_path, ray_address, mode):
    # same folder for both runs: the filter records the (absolute) paths of the files it holds
    root = _fresh(corpus, tmp_path / "run")
    assert main(_dedupe_args(root, mode, "--processes", "2")) == 0
    expected = _outputs(root)
    assert len([k for k in expected if k != "filter.bin"]) == 6
    assert any(b"]]" in gzip.decompress(data) for name, data in expected.items() if name != "filter.bin"), \
        "the corpus must have duplicates (spans) for this test to mean anything"
    for partitions in (1, 3):
        _reset(root)
        assert main(_dedupe_args(root, mode, *_ray(ray_address, partitions))) == 0
        assert _outputs(root) == expected, f"{partitions} partition(s)"


def test_read_only_filter_through_ray_gives_the_local_bytes(corpus, tmp_path, ray_address):
    root = _fresh(corpus, tmp_path / "run")
    assert main(_dedupe_args(root, "ngrams", "--processes", "2")) == 0
    filter_bytes = (root / "filter.bin").read_bytes()
    read_only = [a if a != "para" else "decon" for a in _dedupe_args(root, "ngrams")] + ["--bloom_filter.read_only"]
    assert main([*read_only, "--processes", "2"]) == 0
    expected = local_files(root / "attributes" / "decon")
    shutil.rmtree(root / "attributes" / "decon")
    assert main([*read_only, *_ray(ray_address)]) == 0
    assert local_files(root / "attributes" / "decon") == expected
    assert (root / "filter.bin").read_bytes() == filter_bytes  # read-only: never rewritten


@pytest.mark.parametrize("first, then", [("local", "ray"), ("ray", "local")])
def test_dedupe_killed_under_one_executor_is_finished_by_the_other(corpus, tmp_path, ray_address, first, then):
    root = _fresh(corpus, tmp_path / "run")
    snapshots = ["--bloom_filter.checkpoint_interval", "0"]  # a snapshot after every committed file
    assert main(_dedupe_args(root, "ngrams", *snapshots, "--processes", "2")) == 0
    expected = _outputs(root)
    _reset(root)

    flags = {"local": ["--processes", "2"], "ray": _ray(ray_address)}
    proc = popen_cli(_dedupe_args(root, "ngrams", *snapshots, *flags[first]), DOLMA_TOOLS_DEDUPE_TEST_DELAY="0.5")
    kill_when(proc, lambda: len(local_files(root / "attributes")) >= 2 if (root / "attributes").exists() else False)
    done = settled(lambda: len(local_files(root / "attributes")))
    assert 2 <= done < 6
    assert all(expected[k] == v for k, v in local_files(root / "attributes").items())
    assert (root / "filter.bin").exists()  # the snapshot the rerun resumes from

    assert main(_dedupe_args(root, "ngrams", *snapshots, *flags[then])) == 0
    assert _outputs(root) == expected


def test_dedupe_through_ray_on_s3_gives_the_local_bytes(corpus, s3_bucket, ray_address, tmp_path):
    root = _fresh(corpus, tmp_path / "local")
    assert main(_dedupe_args(root, "documents", "--processes", "2")) == 0
    client = s3.client()
    for f in sorted((root / "documents").iterdir()):
        client.put_object(Bucket=s3_bucket, Key=f"documents/{f.name}", Body=f.read_bytes())
    remote = ["dedupe", "--documents", f"s3://{s3_bucket}/documents/*.jsonl.gz", *MODES["documents"],
              "--bloom_filter.file", f"s3://{s3_bucket}/filters/docs.bin", *_ray(ray_address)]
    assert main(remote) == 0
    got = s3_objects(s3_bucket, "attributes/")
    assert got == local_files(root / "attributes")
    # same bits and counters as the local filter (the metadata names the files, which differ)
    local_filter = (root / "filter.bin").read_bytes()
    remote_filter = s3_objects(s3_bucket, "filters/")["docs.bin"]
    assert _bits(remote_filter) == _bits(local_filter) and remote_filter[:56] == local_filter[:56]


def _bits(filter_file: bytes) -> bytes:
    """The bit array of a filter file (from the data offset in its header to the 16-byte trailer)."""
    return filter_file[int.from_bytes(filter_file[64:72], "little"):-16]


def _mix_config(root: Path, out: Path) -> dict:
    return {"streams": [{"name": "mixed", "documents": [f"{root}/documents/*.jsonl.gz"], "attributes": ["dup"],
                         "filter": {"exclude": ["$.attributes[?(@.dup && @.dup[0] && @.dup[0][2] >= 1.0)]"]},
                         "output": {"path": str(out), "max_size_in_bytes": 150_000}}],
            "processes": 2}


def test_mix_through_ray_gives_the_local_bytes(corpus, tmp_path, ray_address):
    root = _fresh(corpus, tmp_path / "run")
    assert main(_dedupe_args(root, "documents", "--processes", "2")) == 0
    shards = {}
    for name, flags in {"local": [], "ray": ["--executor", "ray", "--ray-address", ray_address]}.items():
        config = tmp_path / f"{name}.json"
        config.write_text(json.dumps(_mix_config(root, tmp_path / name)))
        assert main(["mix", "-c", str(config), *flags]) == 0
        shards[name] = {k: v for k, v in local_files(tmp_path / name).items() if k != "manifest.json"}
    assert len(shards["local"]) >= 2 and shards["ray"] == shards["local"]
    manifest = json.loads((tmp_path / "ray" / "manifest.json").read_text())
    assert 0 < manifest["streams"]["mixed"]["documents_out"] < manifest["streams"]["mixed"]["documents_in"] == 232


def test_stats_and_tokens_through_ray_on_s3_give_the_local_bytes(cli, s3_bucket, ray_address):
    root = f"s3://{s3_bucket}"
    write_corpus(root, 4, 30)
    cli("tag", "--documents", f"{root}/documents/*.jsonl.gz", "--taggers", "char_length_v1", "--processes", "2")
    runs = {}
    for name, flags in {"local": ["--processes", "2"], "ray": ["--executor", "ray", "--ray-address", ray_address]}.items():
        cli("stats", "--documents", f"{root}/documents/*.jsonl.gz", "--attributes", f"{root}/attributes/*/*.jsonl.gz",
            "--json", f"{root}/{name}/stats.json", *flags)
        cli("tokens", "--documents", f"{root}/documents/*.jsonl.gz", "--destination", f"{root}/{name}/tokens",
            "--tokenizer.name_or_path", str(TOKENIZER), "--max-size", "400", *flags)
        runs[name] = rooted(s3_objects(s3_bucket, f"{name}/"), f"{root}/{name}")
    assert len([k for k in runs["local"] if k.endswith(".npy")]) > 4 and runs["ray"] == runs["local"]
