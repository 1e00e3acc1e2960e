"""A mergeable quantile sketch with a relative-error guarantee (DDSketch-style logarithmic buckets).

Every finite value ``x`` with ``|x| >= MIN_MAGNITUDE`` is counted in bucket ``i = ceil(log_gamma |x|)`` of the
store for its sign, where ``gamma = (1 + alpha) / (1 - alpha)``; the bucket covers ``(gamma**(i-1), gamma**i]``
and is represented by ``2 * gamma**i / (gamma + 1)``, which is within relative distance ``alpha`` of every
value in the bucket. Values with ``|x| < MIN_MAGNITUDE`` are counted in an exact zero bucket.

Guarantee (tested): for ``q`` in [0, 1], ``quantile(q)`` returns ``v`` with ``|v - x| <= alpha * |x|`` where
``x`` is the value of rank ``floor(q * (n - 1))`` in the sorted input (0-based); values in the zero bucket are
reported as 0 (absolute error below ``MIN_MAGNITUDE``). Estimates are clamped to the exact ``[min, max]``,
which keeps the bound and makes constant attributes exact; for all-integer inputs a bucket holding exactly one
integer reports that integer (exact for ``|x| < 1 / (2 alpha)``).

Memory is bounded without collapsing buckets: a store is a dense array over the bucket indices seen, and the
whole index range for doubles from ``MIN_MAGNITUDE`` to the largest finite double is about
``(709.8 - ln MIN_MAGNITUDE) / ln gamma`` buckets (36,000 int64 counts, 290 kB per sign at alpha = 0.01);
real attributes use a few hundred. Merging adds counts, so a merge of per-shard sketches is identical to one
sketch of all the values, in any order. ``count``, ``min`` and ``max`` are exact; ``sum`` is a float sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

#: Default relative accuracy of quantiles and histogram positions.
DEFAULT_ALPHA = 0.01

#: Magnitudes below this are counted as zero (attribute scores are rounded to 1e-5, so nothing real is lost).
MIN_MAGNITUDE = 1e-9


@dataclass
class DenseStore:
    """Counts of consecutive bucket indices ``offset .. offset + len(counts) - 1``."""

    offset: int = 0
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def _extend(self, lo: int, hi: int) -> None:
        if not len(self.counts):
            self.offset = lo
            self.counts = np.zeros(hi - lo + 1, dtype=np.int64)
            return
        new_lo = min(lo, self.offset)
        new_hi = max(hi, self.offset + len(self.counts) - 1)
        if new_lo == self.offset and new_hi == self.offset + len(self.counts) - 1:
            return
        grown = np.zeros(new_hi - new_lo + 1, dtype=np.int64)
        start = self.offset - new_lo
        grown[start : start + len(self.counts)] = self.counts
        self.offset, self.counts = new_lo, grown

    def add_indices(self, indices: np.ndarray) -> None:
        if not len(indices):
            return
        lo, hi = int(indices.min()), int(indices.max())
        self._extend(lo, hi)
        binned = np.bincount(indices - lo, minlength=hi - lo + 1)
        start = lo - self.offset
        self.counts[start : start + len(binned)] += binned

    def merge(self, other: "DenseStore") -> None:
        if not len(other.counts):
            return
        self._extend(other.offset, other.offset + len(other.counts) - 1)
        start = other.offset - self.offset
        self.counts[start : start + len(other.counts)] += other.counts

    def nonzero(self) -> Iterable[tuple[int, int]]:
        """(index, count) of non-empty buckets in increasing index order."""
        for pos in np.flatnonzero(self.counts):
            yield self.offset + int(pos), int(self.counts[pos])

    def to_json(self) -> dict[str, Any]:
        nz = np.flatnonzero(self.counts)
        if not len(nz):
            return {"offset": 0, "counts": []}
        first, last = int(nz[0]), int(nz[-1])
        return {"offset": self.offset + first, "counts": self.counts[first : last + 1].tolist()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DenseStore":
        return cls(offset=int(data.get("offset", 0)), counts=np.asarray(data.get("counts", []), dtype=np.int64))


def _whole_counts(mass: np.ndarray, total: int) -> list[int]:
    """Round fractional bin masses to whole counts with the given total (largest remainders first)."""
    floors = np.floor(mass + 1e-9).astype(np.int64)
    missing = int(total - floors.sum())
    if missing > 0:
        order = np.argsort(-(mass - floors), kind="stable")[:missing]
        floors[order] += 1
    return floors.tolist()


class LogSketch:
    """Streaming, mergeable summary of a stream of numbers: exact count/min/max/sum, quantiles within
    relative error ``alpha`` and histograms derived from the buckets. See the module docstring."""

    def __init__(self, alpha: float = DEFAULT_ALPHA) -> None:
        if not 0 < alpha < 1:
            raise ValueError("alpha must be in (0, 1)")
        self.alpha = alpha
        self.gamma = (1 + alpha) / (1 - alpha)
        self._log_gamma = math.log(self.gamma)
        self.positive = DenseStore()
        self.negative = DenseStore()
        self.zero = 0
        self.count = 0
        self.sum = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.integral = True
        self.non_finite = 0

    # -- adding -------------------------------------------------------------------------------------
    def add(self, values: Sequence[float] | np.ndarray) -> None:
        """Add a batch of values (a list or array); NaN and infinities are counted in ``non_finite``."""
        arr = np.asarray(values, dtype=np.float64)
        if not arr.size:
            return
        finite = np.isfinite(arr)
        if not finite.all():
            self.non_finite += int((~finite).sum())
            arr = arr[finite]
            if not arr.size:
                return
        self.count += int(arr.size)
        self.sum += float(arr.sum())
        self.min = min(self.min, float(arr.min()))
        self.max = max(self.max, float(arr.max()))
        if self.integral and not np.array_equal(arr, np.floor(arr)):
            self.integral = False
        mags = np.abs(arr)
        small = mags < MIN_MAGNITUDE
        self.zero += int(small.sum())
        pos = arr[(arr > 0) & ~small]
        neg = -arr[(arr < 0) & ~small]
        if pos.size:
            self.positive.add_indices(self._indices(pos))
        if neg.size:
            self.negative.add_indices(self._indices(neg))

    def _indices(self, magnitudes: np.ndarray) -> np.ndarray:
        return np.ceil(np.log(magnitudes) / self._log_gamma).astype(np.int64)

    def merge(self, other: "LogSketch") -> "LogSketch":
        if other.alpha != self.alpha:
            raise ValueError(f"cannot merge sketches with different accuracy ({self.alpha} vs {other.alpha})")
        self.positive.merge(other.positive)
        self.negative.merge(other.negative)
        self.zero += other.zero
        self.count += other.count
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        self.integral = self.integral and other.integral
        self.non_finite += other.non_finite
        return self

    # -- reading ------------------------------------------------------------------------------------
    @property
    def mean(self) -> float:
        return self.sum / self.count if self.count else math.nan

    def bucket_bounds(self, index: int) -> tuple[float, float]:
        """The magnitudes ``(gamma**(index-1), gamma**index]`` of a bucket."""
        return self.gamma ** (index - 1), self.gamma**index

    def _magnitude(self, index: int) -> float:
        value = 2 * self.gamma**index / (self.gamma + 1)
        if self.integral:
            lo, hi = self.bucket_bounds(index)
            whole = math.floor(hi)
            if lo < whole <= hi and whole - 1 <= lo:
                return float(whole)
        return value

    def buckets(self) -> list[tuple[float, int]]:
        """(representative value, count) of every non-empty bucket, in increasing value order."""
        out = [(-self._magnitude(i), c) for i, c in self.negative.nonzero()]
        out.reverse()
        if self.zero:
            out.append((0.0, self.zero))
        out.extend((self._magnitude(i), c) for i, c in self.positive.nonzero())
        return [(min(max(v, self.min), self.max), c) for v, c in out]

    def quantile(self, q: float) -> float:
        """The value of rank ``floor(q * (count - 1))`` within relative error ``alpha``."""
        return self.quantiles([q])[0]

    def quantiles(self, qs: Iterable[float]) -> list[float]:
        qs = list(qs)
        if any(not 0 <= q <= 1 for q in qs):
            raise ValueError("quantiles must be in [0, 1]")
        if not self.count:
            return [math.nan] * len(qs)
        buckets = self.buckets()
        cumulative = np.cumsum([n for _, n in buckets])
        out = []
        for q in qs:
            rank = math.floor(q * (self.count - 1))
            pos = int(np.searchsorted(cumulative, rank, side="right"))
            out.append(buckets[min(pos, len(buckets) - 1)][0])
        return out

    def _value_ranges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(low, high, count) of every non-empty bucket as value ranges clamped to ``[min, max]``; exact
        buckets (zero, a single integer) are points (``low == high``)."""
        lows, highs, counts = [], [], []
        for sign, store in ((-1.0, self.negative), (1.0, self.positive)):
            rows = list(store.nonzero())
            if sign < 0:
                rows.reverse()
            for i, c in rows:
                a, b = self.bucket_bounds(i)
                if self.integral and self._magnitude(i).is_integer():
                    a = b = self._magnitude(i)
                lo, hi = (-b, -a) if sign < 0 else (a, b)
                lows.append(lo)
                highs.append(hi)
                counts.append(c)
            if sign < 0 and self.zero:
                lows.append(0.0)
                highs.append(0.0)
                counts.append(self.zero)
        lo_arr = np.clip(np.array(lows, dtype=np.float64), self.min, self.max)
        hi_arr = np.clip(np.array(highs, dtype=np.float64), self.min, self.max)
        return lo_arr, hi_arr, np.array(counts, dtype=np.int64)

    def histogram(self, bins: int, log: bool = False) -> tuple[list[float], list[int]]:
        """``bins`` equal-width bins over ``[min, max]`` (``log``: equal width in log space, positive data
        only). Each bucket's count is spread uniformly over its value range, so a bin's count differs from the
        exact one only by values within relative distance ``2 * alpha`` of its edges (and by rounding to whole
        counts; the counts add up to ``count``). Spreading avoids the comb pattern that assigning whole log
        buckets to linear bins produces."""
        if not self.count:
            return [], []
        lo, hi = self.min, self.max
        if log and lo <= 0:
            raise ValueError("a log histogram needs positive values")
        if hi == lo:
            return [lo, hi], [self.count]
        edges = np.geomspace(lo, hi, bins + 1) if log else np.linspace(lo, hi, bins + 1)
        lows, highs, counts = self._value_ranges()
        mass = np.zeros(bins, dtype=np.float64)
        for start in range(0, len(counts), 256):  # bounded memory: 256 buckets x (bins + 1) at a time
            a, b, n = lows[start : start + 256, None], highs[start : start + 256, None], counts[start : start + 256]
            width = b - a
            point = width <= 0
            spread = np.clip((edges - a) / np.where(point, 1, width), 0, 1)
            below = np.where(point, (a < edges).astype(np.float64), spread)
            below[:, 0] = 0.0
            below[:, -1] = 1.0
            mass += (np.diff(below, axis=1) * n[:, None]).sum(axis=0)
        return edges.tolist(), _whole_counts(mass, self.count)

    # -- serialisation ------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "count": self.count,
            "sum": self.sum,
            "min": self.min if self.count else None,
            "max": self.max if self.count else None,
            "integral": self.integral,
            "non_finite": self.non_finite,
            "zero": self.zero,
            "positive": self.positive.to_json(),
            "negative": self.negative.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "LogSketch":
        sketch = cls(float(data["alpha"]))
        sketch.count = int(data["count"])
        sketch.sum = float(data["sum"])
        sketch.min = math.inf if data.get("min") is None else float(data["min"])
        sketch.max = -math.inf if data.get("max") is None else float(data["max"])
        sketch.integral = bool(data.get("integral", False))
        sketch.non_finite = int(data.get("non_finite", 0))
        sketch.zero = int(data.get("zero", 0))
        sketch.positive = DenseStore.from_json(data.get("positive", {}))
        sketch.negative = DenseStore.from_json(data.get("negative", {}))
        return sketch

    def __repr__(self) -> str:
        return f"LogSketch(count={self.count}, min={self.min}, max={self.max}, alpha={self.alpha})"
