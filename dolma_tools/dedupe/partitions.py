"""A dedupe filter (or MinHash band table) held in partitions by Ray actors, and its file on disk or S3.

Partition ``p`` of ``P`` owns a contiguous range of the blocked filter's 512-bit blocks (see
``rust_ext/src/bloom/slice.rs``): the keys it answers for are exactly those whose block falls in its
range, and its bytes are exactly that range of the filter file's bit array. So the file a partitioned
filter writes is the file a local run writes, and either kind of run can load the other's file:

* loading streams the file once through the driver (header, then each partition's byte range, handed
  to its actor as soon as it is read, then the checksum), so the driver never holds more than one
  partition;
* saving writes the header, then each actor's bytes in order, then the checksum, as one atomic
  replace (temporary file + rename locally, a multipart upload on S3).

MinHash partitions the band keys by hash (``LshBandSlice``); joining documents into clusters is the one
sequential step, kept by a single actor with 4 bytes per document (``LshClusters``).

Actors ask for no CPU (they are fed by the driver in file order, and spend most of their time idle
between calls); they ask Ray for the memory their partition needs, and are spread over the nodes.
"""

from __future__ import annotations

import os
from typing import Any, BinaryIO

import xxhash

from .._rust import FilterSlice, LshBandSlice, LshClusters, bloom_file_header, bloom_file_info
from ..errors import DolmaToolsError
from ..io.atomic import atomic_write
from ..io.compression import Compression
from ..io.paths import is_s3
from ..io.streams import open_raw_read

_MAGIC = b"DTBLOOM\0"
_END_MAGIC = b"DTBLEND\0"
_HEADER = 128
_BLOCK_BYTES = 64


def partition_bytes(num_bits: int, partition: int, partitions: int) -> tuple[int, int]:
    """Byte range of partition ``partition`` in the bit array (``first_block`` in ``bloom/slice.rs``)."""
    blocks = num_bits // 512

    def first(p: int) -> int:
        return -(-p * blocks // partitions)

    return first(partition) * _BLOCK_BYTES, first(partition + 1) * _BLOCK_BYTES


# ---- actors (run in Ray worker processes) ------------------------------------------------------------------


class FilterPartition:
    """One partition of a blocked Bloom filter."""

    def __init__(self, num_bits: int, num_hashes: int, partition: int, partitions: int, data: bytes | None = None,
                 inserted: int = 0, read_only: bool = False) -> None:
        self.num_hashes = num_hashes
        self.slice = FilterSlice(num_bits, num_hashes, partition, partitions, data, inserted, read_only)

    def check(self, keys: bytes, insert: bool) -> bytes:
        """One byte per key (1: already present), inserting the keys in order unless ``insert`` is False."""
        return self.slice.check_and_insert_many(keys) if insert else self.slice.contains_many(keys)

    def counts(self) -> tuple[int, int]:
        return self.slice.inserted, self.slice.bits_set

    def data(self) -> bytes:
        return self.slice.to_bytes()

    def false_positive_sum(self) -> tuple[float, int]:
        """(sum over blocks of (ones / 512)^k, blocks): the local filter's estimate, summed per partition."""
        import numpy as np

        blocks = np.frombuffer(self.slice.to_bytes(), dtype=np.uint64).reshape(-1, 8)
        ones = np.bitwise_count(blocks).sum(axis=1)
        return float(((ones / 512.0) ** self.num_hashes).sum()), len(blocks)


class BandPartition:
    """The MinHash band keys of one hash partition."""

    def __init__(self) -> None:
        self.table = LshBandSlice()

    def check(self, part: bytes, first_doc: int) -> bytes:
        return self.table.first_or_insert_many(part, first_doc)

    def stats(self) -> tuple[int, int]:
        return self.table.entries, self.table.memory_bytes


class ClusterJoiner:
    """MinHash clusters over every document of the run, fed file by file in canonical order."""

    def __init__(self) -> None:
        self.clusters = LshClusters()

    def cluster(self, layout: bytes, partitions: int, *answers: bytes) -> bytes:
        return self.clusters.cluster(layout, partitions, list(answers))

    def stats(self) -> tuple[int, int]:
        return self.clusters.documents, self.clusters.memory_bytes


def _actor(ray: Any, cls: type, memory: int = 0) -> Any:
    options: dict[str, Any] = {"num_cpus": 0, "scheduling_strategy": "SPREAD", "max_restarts": 0}
    if memory:
        options["memory"] = memory
    return ray.remote(cls).options(**options)


# ---- driver side --------------------------------------------------------------------------------------------


def _read_exactly(stream: BinaryIO, n: int, path: str) -> bytes:
    chunks, left = [], n
    while left:
        data = stream.read(min(left, 64 << 20))
        if not data:
            raise DolmaToolsError(f"cannot load the Bloom filter: {path}: not a valid dolma-tools Bloom filter: "
                                  "file ends early (truncated?)")
        chunks.append(data)
        left -= len(data)
    return b"".join(chunks)


class PartitionedFilter:
    """Driver-side handle of a Bloom filter held by ``partitions`` actors."""

    def __init__(self, ray: Any, num_bits: int, num_hashes: int, actors: list[Any], read_only: bool) -> None:
        self.ray = ray
        self.num_bits = num_bits
        self.num_hashes = num_hashes
        self.actors = actors
        self.read_only = read_only

    @property
    def partitions(self) -> int:
        return len(self.actors)

    @classmethod
    def create(cls, ray: Any, num_bits: int, num_hashes: int, partitions: int) -> PartitionedFilter:
        actors = [cls._start(ray, num_bits, num_hashes, p, partitions) for p in range(partitions)]
        return cls(ray, num_bits, num_hashes, actors, read_only=False)

    @staticmethod
    def _start(ray: Any, num_bits: int, num_hashes: int, p: int, partitions: int, *args: Any) -> Any:
        lo, hi = partition_bytes(num_bits, p, partitions)
        return _actor(ray, FilterPartition, memory=2 * (hi - lo)).remote(num_bits, num_hashes, p, partitions, *args)

    @classmethod
    def load(cls, ray: Any, path: str, partitions: int, read_only: bool) -> tuple[PartitionedFilter, str]:
        """Stream the file at ``path`` (local or S3) into the actors; returns the filter and its metadata."""
        hasher = xxhash.xxh3_64()
        with open_raw_read(path) as stream:
            head = _read_exactly(stream, _HEADER, path)
            if head[:8] != _MAGIC:
                _fail_on_header(head, path)
            offset = int.from_bytes(head[64:72], "little")
            if not _HEADER <= offset <= 1 << 32:
                _fail_on_header(head, path)
            head += _read_exactly(stream, offset - _HEADER, path)
            try:
                info = bloom_file_info(head, path)
            except OSError as exc:
                raise DolmaToolsError(f"cannot load the Bloom filter: {exc}") from None
            if info["layout"] != "blocked512":
                raise DolmaToolsError(f"{path}: a {info['layout']} filter cannot be split over Ray actors; run dedupe "
                                      "with --executor local, or build the filter with bloom_filter.layout: blocked")
            hasher.update(head)
            bits, k = info["num_bits"], info["num_hashes"]
            partitions = min(partitions, bits // 512)
            actors = []
            for p in range(partitions):
                lo, hi = partition_bytes(bits, p, partitions)
                data = _read_exactly(stream, hi - lo, path)
                hasher.update(data)
                inserted = info["inserted"] if p == 0 else 0  # the file's count, kept whole by partition 0
                actors.append(cls._start(ray, bits, k, p, partitions, ray.put(data), inserted, read_only))
                del data
            trailer = stream.read(16)
            if len(trailer) != 16 or trailer[8:] != _END_MAGIC or stream.read(1):
                raise DolmaToolsError(f"cannot load the Bloom filter: {path}: not a valid dolma-tools Bloom filter: "
                                      "missing end marker or extra bytes (truncated?)")
            if int.from_bytes(trailer[:8], "little") != hasher.intdigest():
                raise DolmaToolsError(f"cannot load the Bloom filter: {path}: not a valid dolma-tools Bloom filter: "
                                      "checksum mismatch: the file is corrupt")
        return cls(ray, bits, k, actors, read_only), info["metadata"]

    def empty_like(self) -> PartitionedFilter:
        fresh = PartitionedFilter.create(self.ray, self.num_bits, self.num_hashes, self.partitions)
        self.close()
        return fresh

    def check(self, parts: list[Any], first_doc: int, layout: Any, insert: bool) -> list[Any]:
        """Queue one file's keys on every partition (in file order: calls from one caller run in order)."""
        del first_doc, layout  # MinHash only
        return [actor.check.remote(part, insert) for actor, part in zip(self.actors, parts)]

    def save_file(self, path: str, metadata: str) -> None:
        """Write the whole filter file (as the local engine would) with one atomic replace."""
        ray = self.ray
        counts = ray.get([a.counts.remote() for a in self.actors])
        header = bloom_file_header(self.num_bits, self.num_hashes, sum(c[0] for c in counts),
                                   sum(c[1] for c in counts), metadata)
        hasher = xxhash.xxh3_64(header)
        if not is_s3(path) and os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_write(path, Compression.NONE) as sink:
            sink.write(header)
            for actor in self.actors:
                data = ray.get(actor.data.remote())
                hasher.update(data)
                sink.write(data)
                del data
            sink.write(hasher.intdigest().to_bytes(8, "little") + _END_MAGIC)

    def info(self) -> dict[str, Any]:
        ray = self.ray
        counts = ray.get([a.counts.remote() for a in self.actors])
        sums = ray.get([a.false_positive_sum.remote() for a in self.actors])
        bits_set = sum(c[1] for c in counts)
        return {"layout": "blocked512", "size_in_bytes": self.num_bits // 8, "num_bits": self.num_bits,
                "num_hashes": self.num_hashes, "inserted": sum(c[0] for c in counts), "bits_set": bits_set,
                "fill_ratio": bits_set / self.num_bits,
                "estimated_false_positive_rate": sum(s[0] for s in sums) / max(1, sum(s[1] for s in sums)),
                "read_only": self.read_only, "partitions": self.partitions}

    def close(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []


def _fail_on_header(head: bytes, path: str) -> None:
    try:
        bloom_file_info(head, path)
    except OSError as exc:
        raise DolmaToolsError(f"cannot load the Bloom filter: {exc}") from None
    raise DolmaToolsError(f"cannot load the Bloom filter: {path}: not a valid dolma-tools Bloom filter: "
                          "inconsistent data offset")


class PartitionedLsh:
    """Driver-side handle of a MinHash index: band keys in ``partitions`` actors plus one cluster joiner."""

    def __init__(self, ray: Any, partitions: int) -> None:
        self.ray = ray
        self.bands = [_actor(ray, BandPartition).remote() for _ in range(partitions)]
        self.joiner = _actor(ray, ClusterJoiner).remote()

    @property
    def partitions(self) -> int:
        return len(self.bands)

    def check(self, parts: list[Any], first_doc: int, layout: Any, insert: bool) -> list[Any]:
        del insert
        answers = [band.check.remote(part, first_doc) for band, part in zip(self.bands, parts)]
        return [self.joiner.cluster.remote(layout, self.partitions, *answers)]

    def _band_stats(self) -> list[tuple[int, int]]:
        return self.ray.get([b.stats.remote() for b in self.bands])  # type: ignore[no-any-return]

    @property
    def entries(self) -> int:
        return sum(e for e, _ in self._band_stats())

    @property
    def documents(self) -> int:
        return self.ray.get(self.joiner.stats.remote())[0]  # type: ignore[no-any-return]

    @property
    def memory_bytes(self) -> int:
        """The largest actor's memory: what each machine must hold (the band table is split P ways)."""
        return max([m for _, m in self._band_stats()] + [self.ray.get(self.joiner.stats.remote())[1]])

    def close(self) -> None:
        for actor in [*self.bands, self.joiner]:
            self.ray.kill(actor)
        self.bands = []
