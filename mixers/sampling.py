"""Seeded, hash-based document selection for source mixtures.

Every document gets a sampling key ``u = mix(xxh3_64(id), xxh3_64(source_name, seed))``: a 64-bit number
fixed by (seed, source, document id), so the selection never depends on file order, sharding or
``--processes``. A source's documents are ranked by ``u``:

- downsampling keeps the lowest-``u`` documents whose tokens fit the budget (the largest such prefix);
- ``max_source_fraction`` f limits the usable pool to the lowest-``u`` documents holding at most f of the
  source's tokens;
- upsampling (budget > pool) repeats the whole pool ``full`` times and adds one more copy of the lowest-``u``
  documents that fill the remainder. Copies are whole documents; copy k > 1 gets the id ``<id>#k``.

Selection is therefore nested: a smaller budget selects a subset of a larger one's documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np
import xxhash

MASK64 = (1 << 64) - 1
ALL = 1 << 64  # threshold that selects every document
_BUCKET_SHIFT = 48  # 65,536 histogram buckets for the threshold search

_C0, _C1, _C2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def id_hash(doc_id: str) -> int:
    return xxhash.xxh3_64_intdigest(doc_id.encode("utf-8"))


def id_hashes(ids: Iterable[str]) -> np.ndarray:
    return np.fromiter((id_hash(i) for i in ids), dtype=np.uint64)


def source_key(seed: int, source: str) -> int:
    return xxhash.xxh3_64_intdigest(source.encode("utf-8"), seed=seed & MASK64)


def sampling_key(doc_id_hash: int, key: int) -> int:
    """splitmix64 finaliser of ``doc_id_hash ^ key`` (scalar form of ``sampling_keys``)."""
    z = ((doc_id_hash ^ key) + _C0) & MASK64
    z = ((z ^ (z >> 30)) * _C1) & MASK64
    z = ((z ^ (z >> 27)) * _C2) & MASK64
    return z ^ (z >> 31)


def sampling_keys(doc_id_hashes: np.ndarray, key: int) -> np.ndarray:
    """Vectorised ``sampling_key`` (uint64 arithmetic wraps modulo 2**64, as intended)."""
    with np.errstate(over="ignore"):
        z = (doc_id_hashes ^ np.uint64(key)) + np.uint64(_C0)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(_C1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(_C2)
        return z ^ (z >> np.uint64(31))


#: Yields, for each file of a source, (sampling keys, token counts) arrays; called once per pass.
ArraysFactory = Callable[[], Iterable[tuple[np.ndarray, np.ndarray]]]


def prefix_threshold(arrays: ArraysFactory, budget: int) -> int:
    """Smallest key T such that the documents with ``u < T`` are the largest u-ranked prefix whose tokens
    sum to at most ``budget`` (``ALL`` when everything fits). Two passes: a histogram of token sums over the
    top 16 bits of ``u``, then an exact sort of the one bucket where the budget runs out."""
    sums = np.zeros(1 << (64 - _BUCKET_SHIFT), dtype=np.float64)
    for u, t in arrays():
        if len(u):
            sums += np.bincount((u >> np.uint64(_BUCKET_SHIFT)).astype(np.int64), weights=t,
                                minlength=len(sums))
    cum = np.cumsum(sums)
    over = np.nonzero(cum > budget)[0]
    if not len(over):
        return ALL
    bucket = int(over[0])
    before = int(round(cum[bucket - 1])) if bucket else 0
    us, ts = [], []
    for u, t in arrays():
        sel = (u >> np.uint64(_BUCKET_SHIFT)) == np.uint64(bucket)
        us.append(u[sel])
        ts.append(t[sel])
    u_b = np.concatenate(us)
    t_b = np.concatenate(ts).astype(np.int64)
    order = np.argsort(u_b, kind="stable")
    u_b, t_b = u_b[order], t_b[order]
    fits = int(np.searchsorted(before + np.cumsum(t_b), budget, side="right"))
    return int(u_b[fits])  # fits < len: this bucket's total exceeds the budget


def _below(u: np.ndarray, threshold: int) -> np.ndarray:
    if threshold >= ALL:
        return np.ones(len(u), dtype=bool)
    if threshold <= 0:
        return np.zeros(len(u), dtype=bool)
    return u < np.uint64(threshold)


@dataclass
class Selection:
    """How many copies each document of a source gets, as a function of its sampling key."""

    unique_below: int = ALL  # documents with u < unique_below are selected at least `full` times
    full: int = 1
    extra_below: int = 0  # ... and once more if u < extra_below

    def copies(self, u: int) -> int:
        if u >= self.unique_below:
            return 0
        return self.full + (1 if u < self.extra_below else 0)

    def copies_array(self, u: np.ndarray) -> np.ndarray:
        return np.where(_below(u, self.unique_below), self.full + _below(u, self.extra_below).astype(np.int64), 0)

    def to_json(self) -> dict[str, Any]:
        return {"unique_below": str(self.unique_below), "full": self.full, "extra_below": str(self.extra_below)}


def plan_selection(arrays: ArraysFactory, available_tokens: int, budget: int, max_source_fraction: float) -> Selection:
    """The selection that takes ``budget`` tokens from a source (feasibility is checked by the caller)."""
    usable = int(available_tokens * max_source_fraction)
    if budget <= usable:
        return Selection(unique_below=prefix_threshold(arrays, budget))
    pool_below = prefix_threshold(arrays, usable) if usable < available_tokens else ALL
    pool_tokens = sum(int(t[_below(u, pool_below)].sum()) for u, t in arrays())
    if pool_tokens <= 0:
        return Selection(unique_below=0)
    full, rest = divmod(budget, pool_tokens)
    extra = prefix_threshold(arrays, rest) if rest else 0
    return Selection(unique_below=pool_below, full=int(full), extra_below=min(extra, pool_below))


class SourceSampler:
    """Per-document copy counts for one source in the write phase (picklable)."""

    def __init__(self, seed: int, source: str, selection: Selection) -> None:
        self.key = source_key(seed, source)
        self.selection = selection

    def copies_of(self, doc: dict[str, Any]) -> int:
        return self.selection.copies(sampling_key(id_hash(doc["id"]), self.key))
