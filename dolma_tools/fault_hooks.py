"""Fault injection for the reliability tests (``tests/reliability``): inert unless ``DOLMA_TOOLS_FAULT`` is set.

``DOLMA_TOOLS_FAULT=<point>:<n>`` makes the process SIGKILL itself (no cleanup, no ``finally``, no flush:
what a power cut or the OOM killer does) when it reaches a named point for the n-th time:

==============  ==================================================================================================
``docs:n``      after n documents (tag: a batch's rows are in the open output; dedupe: the Rust committer
                reported them; mix: the n-th kept document was written to its open part)
``write:n``     once n bytes have gone into temporary output files (in the middle of a write)
``commit:n``    at the n-th atomic commit: the temporary file is complete and synced, not yet renamed
``committed:n`` right after the n-th commit's rename: the output is visible, the caller's bookkeeping after it
                (a dedupe checkpoint, a mixer completion record) is not done
``checkpoint:n`` at the n-th dedupe filter snapshot, before the filter file is written
``enospc:n``    not a kill: once n bytes have gone into temporary output files (or filter snapshots), every
                further write raises ``OSError(ENOSPC)``, as on a full disk (for machines where the tests cannot
                mount a small tmpfs)
==============  ==================================================================================================

Counts are per process (a spawned worker counts its own). The variable is read once, at import.
"""

from __future__ import annotations

import errno
import os
import signal
from collections import Counter
from typing import Any, BinaryIO, Callable

ENV = "DOLMA_TOOLS_FAULT"
POINTS = ("docs", "write", "commit", "committed", "checkpoint", "enospc")


def _parse(value: str | None) -> tuple[str, int] | None:
    if not value:
        return None
    point, _, n = value.partition(":")
    if point not in POINTS or not n.isdigit():
        raise ValueError(f"{ENV}={value!r}: expected <point>:<n> with point one of {', '.join(POINTS)}")
    return point, int(n)


_SPEC = _parse(os.environ.get(ENV))
_counts: Counter = Counter()


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def reach(point: str, amount: int = 1) -> None:
    """Count ``amount`` arrivals at ``point``; SIGKILL this process when the configured count is reached."""
    if _SPEC is None or _SPEC[0] != point:
        return
    _counts[point] += amount
    if _counts[point] >= _SPEC[1]:
        _die()


def docs_hook() -> Callable[[], None] | None:
    """``reach("docs")`` for per-document loops, or None when inert (so the loop tests a local variable)."""
    if _SPEC is None or _SPEC[0] != "docs":
        return None
    return lambda: reach("docs")


def wrap_sink(raw: BinaryIO) -> BinaryIO:
    """The temporary file of an atomic write, counted when a ``write`` or ``enospc`` fault is armed."""
    if _SPEC is None or _SPEC[0] not in ("write", "enospc"):
        return raw
    return _CountingSink(raw, _SPEC[0])  # type: ignore[return-value]


def reserve(nbytes: int) -> None:
    """For writers outside ``atomic_write`` (the Rust filter writer): count ``nbytes`` as written, raising
    ``OSError(ENOSPC)`` first if an armed ``enospc`` budget would be exceeded."""
    if _SPEC is not None and _SPEC[0] == "enospc":
        _charge(nbytes, _SPEC[1])


def _charge(nbytes: int, limit: int) -> None:
    if _counts["enospc"] + nbytes > limit:
        _counts["enospc"] = limit
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    _counts["enospc"] += nbytes


class _CountingSink:
    def __init__(self, raw: BinaryIO, mode: str) -> None:
        self._raw = raw
        self._mode = mode

    def write(self, data: Any) -> int:
        size = len(memoryview(data).cast("B"))
        limit = _SPEC[1] if _SPEC else 0
        if self._mode == "enospc":
            _charge(size, limit)
            return self._raw.write(data)
        if _counts["write"] + size >= limit:  # write part of it, then die in the middle of the write
            self._raw.write(memoryview(data).cast("B")[: max(limit - _counts["write"], 0)])
            self._raw.flush()
            _die()
        _counts["write"] += size
        return self._raw.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)
