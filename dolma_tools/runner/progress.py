"""Progress on stderr (tqdm: files done, docs/s, MB/s) fed by in-process or worker-process reporters."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from typing import Any

from tqdm import tqdm


def progress_enabled() -> bool:
    return os.environ.get("DOLMA_TOOLS_PROGRESS", "1") != "0"


class ProgressBoard:
    """Aggregates counters from every job and renders one tqdm bar (bytes) with rates in its postfix."""

    def __init__(self, description: str, total_bytes: int, total_files: int) -> None:
        self.total_files = total_files
        self.files_done = 0
        self.docs = 0
        self.bytes = 0
        self.counters: Counter = Counter()
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._bar = tqdm(
            total=total_bytes or None,
            desc=description,
            unit="B",
            unit_scale=True,
            unit_divisor=1000,
            file=sys.stderr,
            disable=not progress_enabled(),
            mininterval=0.5,
            dynamic_ncols=True,
        )
        self._refresh_postfix()

    def advance(self, docs: int = 0, bytes: int = 0, files: int = 0, **counters: int) -> None:
        with self._lock:
            self.docs += docs
            self.bytes += bytes
            self.files_done += files
            self.counters.update(counters)
            if bytes:
                self._bar.update(bytes)
            self._refresh_postfix()

    def _refresh_postfix(self) -> None:
        elapsed = max(time.monotonic() - self._start, 1e-6)
        postfix: dict[str, Any] = {
            "files": f"{self.files_done}/{self.total_files}",
            "docs": self.docs,
            "docs/s": f"{self.docs / elapsed:,.0f}",
        }
        for k, v in self.counters.items():
            postfix[k] = v
        self._bar.set_postfix(postfix, refresh=False)

    def close(self) -> None:
        self._bar.close()


class LocalReporter:
    """Reporter for jobs that run in the main process."""

    def __init__(self, board: ProgressBoard) -> None:
        self._board = board

    def advance(self, docs: int = 0, bytes: int = 0, **counters: int) -> None:
        self._board.advance(docs=docs, bytes=bytes, **counters)


class QueueReporter:
    """Reporter for worker processes: batches updates and sends them through a queue every 0.25 s."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue
        self._pending: Counter = Counter()
        self._last = time.monotonic()

    def advance(self, docs: int = 0, bytes: int = 0, **counters: int) -> None:
        self._pending["docs"] += docs
        self._pending["bytes"] += bytes
        self._pending.update(counters)
        now = time.monotonic()
        if now - self._last >= 0.25:
            self.flush()
            self._last = now

    def flush(self) -> None:
        if self._pending:
            self._queue.put(dict(self._pending))
            self._pending.clear()


class NullReporter:
    def advance(self, docs: int = 0, bytes: int = 0, **counters: int) -> None:
        pass
