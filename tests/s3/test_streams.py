"""S3 streaming reads and atomic writes over real HTTP, with faults injected between client and server."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time

import pytest

from dolma_tools.errors import StorageError
from dolma_tools.io import atomic_write, exists, glob_paths, open_read, remove_stale_temporaries, s3
from dolma_tools.io.paths import size_of
from dolma_tools.io.streams import open_raw_read

from .faults import FaultPlan

MiB = 1 << 20


@pytest.fixture
def via_proxy(fault_proxy, monkeypatch):
    """Point this process's client at the proxy (short backoffs keep the test quick)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", fault_proxy.endpoint)
    monkeypatch.setenv(s3.ENV_BACKOFF_BASE, "0.01")
    s3.configure()
    yield fault_proxy
    monkeypatch.undo()
    s3.configure()


def _payload(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


def test_a_broken_download_resumes_from_its_byte_offset(s3_bucket, via_proxy):
    data = _payload(3 * MiB)
    s3.client().put_object(Bucket=s3_bucket, Key="blob.bin", Body=data)
    via_proxy.set_plan(FaultPlan(cut=1.0, first_attempts=1, match=r"^GET /"))
    with open_raw_read(f"s3://{s3_bucket}/blob.bin") as f:
        assert f.read() == data
    gets = [(path, rng) for method, path, rng in via_proxy.log.requests if method == "GET" and "blob.bin" in path]
    # each new range is cut half way through; every retry asks only for the bytes not read yet (never from 0)
    assert via_proxy.log.faults["cut"] >= 2
    assert gets[0][1] is None
    offsets = [int(rng.split("=")[1].rstrip("-")) for _, rng in gets[1:]]
    assert offsets[0] > 0 and offsets == sorted(offsets) and offsets[-1] < len(data)


def test_a_download_resumed_after_the_object_changed_fails_clearly(s3_bucket, via_proxy):
    url = f"s3://{s3_bucket}/doc.jsonl"
    s3.client().put_object(Bucket=s3_bucket, Key="doc.jsonl", Body=_payload(1 * MiB, 1))
    via_proxy.set_plan(FaultPlan(cut=1.0, first_attempts=1, match=r"^GET /"))
    reader = open_raw_read(url)  # its first response is already on its way, cut half way through
    s3.client().put_object(Bucket=s3_bucket, Key="doc.jsonl", Body=_payload(1 * MiB, 2))
    with pytest.raises(StorageError, match="changed while it was being read"):
        reader.read()


def test_decompressed_reads_survive_throttling_resets_and_cuts(s3_bucket, via_proxy):
    urls = [f"s3://{s3_bucket}/data/documents/{n}.jsonl.gz" for n in range(10)]
    text = "".join(f'{{"id": "{i}", "text": "{"word " * (i % 50)}"}}\n' for i in range(2000))
    for url in urls:
        with atomic_write(url) as sink:
            sink.write(text.encode())
    via_proxy.set_plan(FaultPlan(slowdown=0.1, error500=0.1, reset=0.1, cut=0.3, seed=5))
    for url in urls:
        with open_read(url) as f:
            assert f.read().decode() == text
    assert all(via_proxy.log.faults[k] > 0 for k in ("slowdown", "error500", "reset", "cut")), via_proxy.log.faults


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setenv(s3.ENV_PART_SIZE, str(5 * MiB))


def test_multipart_write_survives_faults_and_lost_responses(s3_bucket, via_proxy, small_parts):
    url = f"s3://{s3_bucket}/out/big.bin"
    data = _payload(16 * MiB, 3)
    via_proxy.set_plan(FaultPlan(slowdown=0.1, reset=0.1, drop=0.2, seed=11))
    with atomic_write(url) as sink:
        for i in range(0, len(data), MiB):
            sink.write(data[i : i + MiB])
    assert s3.client().get_object(Bucket=s3_bucket, Key="out/big.bin")["Body"].read() == data
    assert via_proxy.log.faults["drop"] > 0, via_proxy.log.faults
    assert s3.client().list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []


def test_completion_whose_answer_was_lost_is_recognised(s3_bucket, via_proxy, small_parts):
    """The store completed the upload but the reply never arrived; the retry finds no such upload."""
    url = f"s3://{s3_bucket}/out/once.bin"
    data = _payload(11 * MiB, 4)
    via_proxy.set_plan(FaultPlan(drop=1.0, first_attempts=1, match=r"^POST /.*uploadId="))
    with atomic_write(url) as sink:
        sink.write(data)
    assert via_proxy.log.faults["drop"] == 1
    assert s3.client().get_object(Bucket=s3_bucket, Key="out/once.bin")["Body"].read() == data


WRITER_THEN_WAIT = """
import sys, time
from dolma_tools.io import atomic_write
with atomic_write(sys.argv[1]) as sink:
    sink.write(b"x" * (11 << 20))  # two 5 MiB parts go out now; the rest waits in memory
    print("parts uploaded", flush=True)
    time.sleep(600)
"""


def test_a_killed_multipart_write_leaves_nothing_visible(s3_bucket, small_parts, tmp_path):
    url = f"s3://{s3_bucket}/out/documents/killed.jsonl"
    script = tmp_path / "writer.py"
    script.write_text(WRITER_THEN_WAIT)
    proc = subprocess.Popen([sys.executable, str(script), url], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "parts uploaded"
        uploads = s3.client().list_multipart_uploads(Bucket=s3_bucket).get("Uploads", [])
        assert [u["Key"] for u in uploads] == ["out/documents/killed.jsonl"]
        assert not exists(url)
    finally:
        proc.kill()
        proc.wait()
    assert not exists(url)
    assert glob_paths(f"s3://{s3_bucket}/out/**/*.jsonl") == []
    assert remove_stale_temporaries(url) == 1
    assert s3.client().list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []


def test_requests_per_process_are_capped(s3_bucket, via_proxy, monkeypatch):
    for i in range(4):
        s3.client().put_object(Bucket=s3_bucket, Key=f"k{i}", Body=b"x")
    via_proxy.set_plan(FaultPlan(latency=0.05))

    def hammer() -> None:
        for i in range(4):
            assert exists(f"s3://{s3_bucket}/k{i}")

    def peak(cap: int) -> int:
        monkeypatch.setenv(s3.ENV_MAX_CONCURRENCY, str(cap))
        s3.configure()
        via_proxy.log.max_in_flight = 0
        threads = [threading.Thread(target=hammer) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return via_proxy.log.max_in_flight

    assert peak(2) <= 2
    assert peak(16) > 2  # the same load without the cap does go wider


def test_listing_gives_sizes_without_a_request_per_object(s3_bucket, via_proxy):
    sizes = {f"documents/{n}.jsonl.gz": 100 + 37 * n for n in range(5)}
    for key, n in sizes.items():
        s3.client().put_object(Bucket=s3_bucket, Key=key, Body=b"z" * n)
    before = len(via_proxy.log.requests)
    found = glob_paths(f"s3://{s3_bucket}/documents/*.jsonl.gz")
    assert {u: size_of(u) for u in found} == {f"s3://{s3_bucket}/{k}": n for k, n in sizes.items()}
    assert [m for m, _, _ in via_proxy.log.requests[before:]] == ["GET"]  # one LIST, no HEAD per object


def test_a_rewritten_object_is_not_reported_with_its_listed_size(s3_bucket):
    url = f"s3://{s3_bucket}/documents/a.jsonl"
    with atomic_write(url) as sink:
        sink.write(b"12345")
    assert glob_paths(f"s3://{s3_bucket}/documents/*.jsonl") == [url] and size_of(url) == 5
    with atomic_write(url) as sink:
        sink.write(b"1234567")
    assert size_of(url) == 7


def test_throttling_that_never_stops_ends_in_a_clear_error(s3_bucket, via_proxy, monkeypatch):
    s3.client().put_object(Bucket=s3_bucket, Key="k", Body=b"x")
    monkeypatch.setenv(s3.ENV_MAX_ATTEMPTS, "2")
    monkeypatch.setenv(s3.ENV_RETRY_MODE, "standard")
    s3.configure()
    via_proxy.set_plan(FaultPlan(slowdown=1.0))
    started = time.monotonic()
    with pytest.raises(StorageError, match=r"kept throttling \(SlowDown\) after 2 attempts"):
        glob_paths(f"s3://{s3_bucket}/*")
    assert time.monotonic() - started < 30
    assert via_proxy.log.faults["slowdown"] == 2


def test_concatenate_copies_large_parts_inside_the_store(s3_bucket, fault_proxy):
    """Parts of a mix shard joined on S3: large ones copied by the store (UploadPartCopy, never downloaded), small
    ones through this machine, a short buffer topped up (a ranged GET) so that every part but the last has S3's
    5 MiB minimum. Same bytes as joining them by hand."""

    from dolma_tools.io import s3 as s3_module
    from dolma_tools.io.atomic import concatenate

    mib = 1 << 20
    rng = random.Random(1)
    blobs = [rng.randbytes(n) for n in (100, 12 * mib, 7 * mib, 3000, 5 * mib + 10, 50)]
    client = s3_module.client()
    for i, blob in enumerate(blobs):
        client.put_object(Bucket=s3_bucket, Key=f"parts/{i}", Body=blob)
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    s3_module.configure(endpoint_url=fault_proxy.endpoint)
    try:
        concatenate([f"s3://{s3_bucket}/parts/{i}" for i in range(len(blobs))], f"s3://{s3_bucket}/joined")
    finally:
        s3_module.configure(endpoint_url=endpoint)
    assert client.get_object(Bucket=s3_bucket, Key="joined")["Body"].read() == b"".join(blobs)
    gets = {path.rsplit("/", 1)[1]: rng_ for method, path, rng_ in fault_proxy.log.requests
            if method == "GET" and "/parts/" in path}
    # 0, 3, 4 (its rest after a top-up would be < 5 MiB) and 5 are read whole; 1 only its first 5 MiB - 100 bytes
    # (topping up the 100-byte buffer), its rest and all of 2 are copied by the store
    assert gets == {"0": None, "1": f"bytes=0-{5 * mib - 101}", "3": None, "4": None, "5": None}
    parts = [path for method, path, _ in fault_proxy.log.requests if method == "PUT" and "partNumber=" in path]
    assert len(parts) == 4  # top-up part, copy of 1's rest, copy of 2, last part (3000 + 5 MiB + 10 + 50 bytes)
