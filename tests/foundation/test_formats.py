"""Round-trips of every format and compression, local and on S3."""

from __future__ import annotations

import gzip

import pytest
import zstandard

from dolma_tools.io import atomic_write, compression_of, iter_documents, read_rows, write_jsonl
from dolma_tools.io.compression import Compression
from dolma_tools.io.streams import open_read

ROWS = [
    {"id": "a", "text": "plain ascii", "source": "s", "metadata": {"url": "http://x", "n": 1}},
    {"id": "b", "text": "héllo wörld — 🌍 中文", "source": "s", "metadata": {"nested": {"deep": [1, 2, {"k": None}]}}},
    {"id": "c", "text": "line one\nline two\n", "source": "s", "extra_field": True},
]

FORMATS = [".jsonl", ".json.gz", ".jsonl.gz", ".jsonl.zst", ".parquet"]


@pytest.mark.parametrize("suffix", FORMATS)
def test_local_round_trip(tmp_path, suffix):
    path = str(tmp_path / f"docs{suffix}")
    assert write_jsonl(path, ROWS) == 3
    back = read_rows(path)
    if suffix == ".parquet":
        # every Parquet row has every column (null where a row had no such field)
        assert all(b[k] is None for b, r in zip(back, ROWS) for k in b.keys() - r.keys())
        back = [{k: v for k, v in b.items() if k in r} for b, r in zip(back, ROWS)]
    assert back == ROWS


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst", ".jsonl"])
def test_files_are_really_compressed_as_named(tmp_path, suffix):
    path = tmp_path / f"docs{suffix}"
    write_jsonl(str(path), ROWS)
    raw = path.read_bytes()
    if suffix.endswith(".gz"):
        assert raw[:2] == b"\x1f\x8b" and gzip.decompress(raw).count(b"\n") == 3
    elif suffix.endswith(".zst"):
        assert raw[:4] == b"\x28\xb5\x2f\xfd"
        assert zstandard.ZstdDecompressor().decompressobj().decompress(raw).count(b"\n") == 3
    else:
        assert raw.count(b"\n") == 3


def test_gzip_output_is_deterministic(tmp_path):
    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    write_jsonl(str(a), ROWS)
    write_jsonl(str(b), ROWS)
    assert a.read_bytes() == b.read_bytes()


def test_multi_frame_zstd_and_concatenated_gzip_are_read_whole(tmp_path):
    z = tmp_path / "multi.jsonl.zst"
    c = zstandard.ZstdCompressor()
    z.write_bytes(c.compress(b'{"id":"1","text":"a"}\n') + c.compress(b'{"id":"2","text":"b"}\n'))
    assert [r["id"] for r in read_rows(str(z))] == ["1", "2"]
    g = tmp_path / "multi.jsonl.gz"
    g.write_bytes(gzip.compress(b'{"id":"1","text":"a"}\n') + gzip.compress(b'{"id":"2","text":"b"}\n'))
    assert [r["id"] for r in read_rows(str(g))] == ["1", "2"]


def test_compression_detection():
    assert compression_of("a/b.json.gz") is Compression.GZIP
    assert compression_of("s3://b/k.jsonl.zst") is Compression.ZSTD
    assert compression_of("x.parquet") is Compression.PARQUET
    assert compression_of("x.jsonl") is Compression.NONE


def test_reader_streams_without_loading_the_file(tmp_path):
    """A file much larger than the reader's buffer is read line by line; only one line is alive at a time."""
    import tracemalloc

    path = tmp_path / "big.jsonl.gz"
    line = b'{"id":"%d","text":"' + b"x" * 2000 + b'"}\n'
    with gzip.open(path, "wb", compresslevel=1) as f:
        for i in range(40000):  # ~80 MB uncompressed
            f.write(line.replace(b"%d", str(i).encode()))
    tracemalloc.start()
    n = 0
    for _, row in iter_documents(str(path)):
        n += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n == 40000
    assert peak < 12 * 2**20, f"peak traced memory {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet"])
def test_s3_round_trip(s3_bucket, suffix):
    url = f"s3://{s3_bucket}/data/documents/docs{suffix}"
    write_jsonl(url, ROWS)
    back = read_rows(url)
    if suffix == ".parquet":
        back = [{k: v for k, v in b.items() if k in r} for b, r in zip(back, ROWS)]
    assert back == ROWS


def test_open_read_of_s3_object_is_a_stream(s3_bucket):
    url = f"s3://{s3_bucket}/x.jsonl.gz"
    write_jsonl(url, ROWS)
    with open_read(url) as f:
        first = f.readline()
    assert first.startswith(b'{"id":"a"')


def test_atomic_write_to_s3_creates_nothing_on_error(s3_bucket):
    from dolma_tools.io.paths import exists

    url = f"s3://{s3_bucket}/out/partial.jsonl.gz"
    with pytest.raises(RuntimeError):
        with atomic_write(url) as f:
            f.write(b"x" * (1 << 20))
            raise RuntimeError("boom")
    assert not exists(url)
