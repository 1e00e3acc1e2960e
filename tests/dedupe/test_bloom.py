"""The Bloom filter through its Python API: sizing, lookups, batches, files, merge, errors."""

from __future__ import annotations

import math
import random
import struct
import threading
from pathlib import Path

import pytest
import xxhash

from dolma_tools._rust import BloomFilter, bloom_optimal_shape, dedupe_key_hash

CONTENT_SEED = 0x646F6C6D612D746F  # documented in rust_ext/src/hashing.rs


def test_key_hash_is_xxh3_with_the_documented_seed():
    # an independent implementation (the xxhash package) gives the same value: stable across machines
    for key in ["hello", "", "naïve café", "日本語"]:
        assert dedupe_key_hash(key) == xxhash.xxh3_64_intdigest(key.encode(), seed=CONTENT_SEED)
    assert dedupe_key_hash(b"\x00\xff") == xxhash.xxh3_64_intdigest(b"\x00\xff", seed=CONTENT_SEED)


def _mix64(x: int) -> int:
    m = (1 << 64) - 1
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & m
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & m
    return x ^ (x >> 31)


def _data(blob: bytes) -> tuple[int, bytes]:
    offset = struct.unpack_from("<Q", blob, 64)[0]
    bits = struct.unpack_from("<Q", blob, 16)[0]
    return offset, blob[offset:offset + bits // 8]


def test_bit_positions_follow_the_documented_blocked_layout():
    """Recompute keys' bits from the format documentation (rust_ext/src/bloom/mod.rs) in Python."""
    f = BloomFilter(estimated_doc_count=100, desired_false_positive_rate=1e-9)
    k, blocks = f.num_hashes, f.num_bits // 512
    assert k > 14, k  # three rounds of 7 fields
    expected = set()
    for key in ["dolma-tools", "second key"]:
        h = dedupe_key_hash(key)
        f.insert(key)
        block = (h * blocks) >> 64
        for i in range(k):
            if i % 7 == 0:
                x = _mix64((h + (i // 7) * 0x9E3779B97F4A7C15) % (1 << 64))
            expected.add(block * 512 + (x & 511))
            x >>= 9
    _, data = _data(f.to_bytes())
    ones = {i * 8 + b for i, byte in enumerate(data) for b in range(8) if byte >> b & 1}
    assert ones == expected
    assert f.bits_set == len(expected)


def test_sizing_is_optimal_not_power_of_two():
    bits, k = bloom_optimal_shape(1_000_000, 0.001, "standard")
    assert 14.3 < bits / 1e6 < 14.5  # -ln(p) / ln(2)^2 = 14.38 bits per key
    assert k == 10
    f = BloomFilter(estimated_doc_count=1_000_000, desired_false_positive_rate=0.001)
    assert f.layout == "blocked512"
    assert f.size_in_bytes * 8 == bloom_optimal_shape(1_000_000, 0.001)[0]
    assert f.predicted_false_positive_rate(1_000_000) <= 0.001
    assert f.size_in_bytes & (f.size_in_bytes - 1) != 0  # not a power of two
    g = BloomFilter(size_in_bytes=1 << 20, estimated_doc_count=500_000)
    assert g.size_in_bytes == 1 << 20
    with pytest.raises(ValueError):
        BloomFilter()


def test_insert_contains_and_check_and_insert():
    f = BloomFilter(1000, 0.001)
    assert not f.contains("a") and "a" not in f
    assert f.check_and_insert("a") is False
    assert f.check_and_insert("a") is True
    assert "a" in f and f.contains(b"a")  # str keys are their UTF-8 bytes
    assert f.inserted == 1
    with pytest.raises(ValueError):
        f.insert(3)


def test_batches_keep_order_and_report_repeats():
    f = BloomFilter(10_000, 1e-6)
    keys = [f"k{i}" for i in range(500)] + ["k7", "k7", "new"]
    got = f.check_and_insert_batch(keys)
    assert got[:500] == [False] * 500
    assert got[500:] == [True, True, False]
    assert f.contains_batch(["k1", "k499", "missing"]) == [True, True, False]
    f.insert_batch(["x", "y"])
    assert f.contains_batch(["x", "y"]) == [True, True]
    hashes = struct.pack(f"<{3}Q", *(dedupe_key_hash(k) for k in ["x", "k3", "zzz"]))
    assert f.count_contained_hashes(hashes) == 2
    assert f.check_and_insert_hashes(hashes) == 2
    assert f.contains("zzz")


def test_batches_release_the_gil():
    """Two threads probing one filter concurrently finish correctly (inserts are lock-free)."""
    f = BloomFilter(200_000, 1e-4)
    chunks = [[f"t{t}-{i}" for i in range(50_000)] for t in range(2)]
    threads = [threading.Thread(target=f.insert_batch, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(f.contains_batch(chunks[0])) and all(f.contains_batch(chunks[1]))


def test_false_positive_rate_is_what_was_asked_for():
    n, p = 50_000, 0.01
    f = BloomFilter(n, p)
    f.insert_batch([f"in-{i}" for i in range(n)])
    probes = 100_000
    fp = sum(f.contains_batch([f"out-{i}" for i in range(probes)])) / probes
    assert fp <= p * 1.25
    assert fp > p / 4  # the filter is not oversized
    est = f.estimated_false_positive_rate()
    assert abs(est - fp) < 0.3 * fp
    info = f.info()
    assert info["inserted"] <= n and info["inserted"] > n * 0.98
    assert math.isclose(info["fill_ratio"], f.bits_set / f.num_bits)
    assert info["num_hashes"] == f.num_hashes and info["size_in_bytes"] == f.size_in_bytes


def test_save_load_and_memory_map(tmp_path: Path):
    f = BloomFilter(5000, 0.001)
    f.insert_batch([str(i) for i in range(5000)])
    f.metadata = '{"note": "hi"}'
    path = tmp_path / "sub" / "f.bin"
    path.parent.mkdir()
    f.save(str(path))
    blob = path.read_bytes()
    assert blob[:8] == b"DTBLOOM\0" and blob[-8:] == b"DTBLEND\0"
    offset, _ = _data(blob)
    assert offset % 4096 == 0  # page aligned: can be memory-mapped
    for g in (BloomFilter.load(str(path)), BloomFilter.load(str(path), read_only=True), BloomFilter.from_bytes(blob)):
        assert g.metadata == '{"note": "hi"}'
        assert all(g.contains_batch([str(i) for i in range(5000)]))
        assert (g.num_bits, g.num_hashes, g.inserted, g.bits_set) == (f.num_bits, f.num_hashes, f.inserted, f.bits_set)
    mapped = BloomFilter.load(str(path), read_only=True)
    assert mapped.memory_mapped and mapped.read_only
    with pytest.raises(ValueError, match="read-only"):
        mapped.insert("new")
    with pytest.raises(ValueError):
        BloomFilter.load(str(path), mmap=True)  # a map is read-only
    assert not list(path.parent.glob(".*"))  # no temporary left behind


def test_truncated_or_corrupt_files_are_errors(tmp_path: Path):
    f = BloomFilter(5000, 0.001)
    f.insert_batch(["a", "b"])
    blob = f.to_bytes()
    path = tmp_path / "f.bin"
    path.write_bytes(blob[: len(blob) - 1000])
    with pytest.raises(OSError, match="truncated"):
        BloomFilter.load(str(path))
    with pytest.raises(OSError, match="truncated"):
        BloomFilter.load(str(path), read_only=True)
    corrupt = bytearray(blob)
    corrupt[5000] ^= 1
    path.write_bytes(bytes(corrupt))
    with pytest.raises(OSError, match="checksum mismatch"):
        BloomFilter.load(str(path))
    with pytest.raises(OSError, match="magic"):
        BloomFilter.from_bytes(b"\x81\xf0\xf1\x17" + bytes(200))  # a Dolma filter file starts like this


def test_merge_is_bitwise_or_of_same_shape():
    a, b = BloomFilter(10_000, 0.001), BloomFilter(10_000, 0.001)
    a.insert_batch(["x", "y"])
    b.insert_batch(["y", "z"])
    a.merge(b)
    assert a.contains_batch(["x", "y", "z", "w"]) == [True, True, True, False]
    _, da = _data(a.to_bytes())
    ca = BloomFilter(10_000, 0.001)
    ca.insert_batch(["x", "y", "z"])
    assert _data(ca.to_bytes())[1] == da
    with pytest.raises(ValueError, match="shapes"):
        a.merge(BloomFilter(100_000, 0.001))
    empty = a.empty_like()
    assert (empty.num_bits, empty.num_hashes, empty.bits_set) == (a.num_bits, a.num_hashes, 0)


def test_standard_layout_works_too():
    f = BloomFilter(20_000, 0.01, layout="standard")
    assert f.layout == "standard"
    keys = [random.Random(1).random().hex() + str(i) for i in range(20_000)]
    f.insert_batch(keys)
    assert all(f.contains_batch(keys))
    g = BloomFilter.from_bytes(f.to_bytes())
    assert g.layout == "standard" and all(g.contains_batch(keys[:100]))
