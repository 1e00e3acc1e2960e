"""The end-of-run summary: files, documents, bytes, time, skipped lines and errors."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from ..redaction import redact
from .jobs import JobResult


@dataclass
class RunSummary:
    command: str
    results: list[JobResult] = field(default_factory=list)
    skipped_existing: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def failed(self) -> list[JobResult]:
        return [r for r in self.results if not r.ok]

    @property
    def docs(self) -> int:
        return sum(r.docs for r in self.results)

    @property
    def bytes(self) -> int:
        return sum(r.bytes for r in self.results)

    @property
    def skipped_lines(self) -> Counter:
        total: Counter = Counter()
        for r in self.results:
            total.update(r.skipped)
        return total

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted

    def render(self) -> str:
        done = len(self.results) - len(self.failed)
        rate = self.docs / self.seconds if self.seconds > 0 else 0.0
        mbps = self.bytes / 1e6 / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"[{self.command}] summary: {done} files processed, {self.skipped_existing} already done (skipped), "
            f"{len(self.failed)} failed",
            f"[{self.command}] {self.docs:,} documents, {self.bytes / 1e6:,.1f} MB in {self.seconds:.1f} s "
            f"({rate:,.0f} docs/s, {mbps:,.1f} MB/s)",
        ]
        skipped = self.skipped_lines
        if skipped:
            detail = ", ".join(f"{k}: {v}" for k, v in sorted(skipped.items()))
            lines.append(f"[{self.command}] skipped {sum(skipped.values())} bad lines ({detail})")
            for r in self.results:
                if r.skipped:
                    lines.append(f"    {r.key}: {sum(r.skipped.values())} skipped; first: {r.skipped_examples[:1]}")
        extra = Counter()
        for r in self.results:
            extra.update({k: v for k, v in r.extra.items() if isinstance(v, (int, float)) and not isinstance(v, bool)})
        for k, v in sorted(extra.items()):
            lines.append(f"[{self.command}] {k}: {v:,}" if isinstance(v, int) else f"[{self.command}] {k}: {v:,.4f}")
        if self.failed:
            lines.append(f"[{self.command}] FAILED files:")
            for r in self.failed:
                lines.append(f"    {r.error}")
        if self.interrupted:
            lines.append(f"[{self.command}] interrupted: rerun the same command to resume")
        return "\n".join(lines)

    def print(self, stream: TextIO | None = None) -> None:
        print(redact(self.render()), file=stream or sys.stderr, flush=True)
