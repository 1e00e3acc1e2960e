"""Bounded, mergeable per-key counters (documents, characters, tokens per source or per domain).

Exact while the number of distinct keys stays within ``capacity``. Beyond that, the counters are reduced
with the mergeable Misra-Gries rule (Agarwal et al., "Mergeable summaries", 2012): when more than
``2 * capacity`` keys are held, the ``(capacity + 1)``-th largest document count is subtracted from every
key and keys at zero or below are dropped. Every reported document count ``d`` of a key then satisfies
``true - error <= d <= true`` with ``error <= total documents / (capacity + 1)``; ``error`` is tracked and
reported. Characters and tokens of a key that was dropped and came back count only since its return
(lower bounds), which is why they are only shown together with ``error``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The counted quantities per key, in this order.
FIELDS = ("docs", "chars", "ws_tokens", "tokens")


@dataclass
class TopCounter:
    capacity: int = 10_000
    counts: dict[str, list[int]] = field(default_factory=dict)
    error: int = 0
    total_docs: int = 0

    def add(self, key: str, chars: int, ws_tokens: int, tokens: int) -> None:
        row = self.counts.get(key)
        if row is None:
            self.counts[key] = [1, chars, ws_tokens, tokens]
            if len(self.counts) > 2 * self.capacity:
                self._reduce()
        else:
            row[0] += 1
            row[1] += chars
            row[2] += ws_tokens
            row[3] += tokens
        self.total_docs += 1

    def merge(self, other: "TopCounter") -> "TopCounter":
        for key, row in other.counts.items():
            mine = self.counts.get(key)
            if mine is None:
                self.counts[key] = list(row)
            else:
                for i, v in enumerate(row):
                    mine[i] += v
        self.error += other.error
        self.total_docs += other.total_docs
        if len(self.counts) > 2 * self.capacity:
            self._reduce()
        return self

    def _reduce(self) -> None:
        ranked = sorted((row[0] for row in self.counts.values()), reverse=True)
        cut = ranked[self.capacity]
        self.error += cut
        kept = {}
        for key, row in self.counts.items():
            if row[0] > cut:
                row[0] -= cut
                kept[key] = row
        self.counts = kept

    @property
    def exact(self) -> bool:
        return self.error == 0

    def top(self, n: int | None = None) -> list[tuple[str, dict[str, int]]]:
        """Keys by decreasing document count (ties by name), each with its counters."""
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
        if n is not None:
            ranked = ranked[:n]
        return [(key, dict(zip(FIELDS, row))) for key, row in ranked]

    def to_json(self, limit: int | None = None) -> dict[str, Any]:
        return {
            "distinct": len(self.counts),
            "exact": self.exact,
            "max_undercount": self.error,
            "items": {k: v for k, v in self.top(limit)},
        }
