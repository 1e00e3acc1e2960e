"""Bounded per-key counters: exact under capacity, Misra-Gries bound above it, mergeable."""

from __future__ import annotations

from collections import Counter

import numpy as np

from dolma_tools.stats.topk import TopCounter


def test_exact_under_capacity_and_merge_adds():
    a, b = TopCounter(capacity=10), TopCounter(capacity=10)
    for key, chars in [("x", 3), ("y", 4), ("x", 5)]:
        a.add(key, chars, 1, 2)
    b.add("x", 1, 1, 1)
    a.merge(b)
    assert a.exact
    assert dict(a.top()) == {"x": {"docs": 3, "chars": 9, "ws_tokens": 3, "tokens": 5},
                             "y": {"docs": 1, "chars": 4, "ws_tokens": 1, "tokens": 2}}


def test_overflow_keeps_heavy_keys_within_the_error_bound():
    rng = np.random.default_rng(0)
    keys = [f"k{int(z)}" for z in rng.zipf(1.3, 30_000) if z < 10**6]
    truth = Counter(keys)
    parts = [TopCounter(capacity=50) for _ in range(4)]
    for i, key in enumerate(keys):
        parts[i % 4].add(key, 1, 1, 1)
    merged = parts[0]
    for p in parts[1:]:
        merged.merge(p)
    assert not merged.exact and merged.total_docs == len(keys)
    assert merged.error <= len(keys) / (50 + 1)  # every reduction by c removes at least c * (k + 1) counts
    for key, row in merged.counts.items():
        assert truth[key] - merged.error <= row[0] <= truth[key]
    # every key heavier than the error is still there
    for key, n in truth.items():
        if n > merged.error:
            assert key in merged.counts
