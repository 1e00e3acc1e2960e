"""Jobs: one input shard -> its outputs; and what a job reports back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from ..io.atomic import remove_stale_temporaries
from ..io.paths import exists


@dataclass
class Job:
    """One unit of work. ``outputs`` are the files the job commits; all of them existing means "done"."""

    key: str
    inputs: list[str]
    outputs: list[str]
    size: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    def is_done(self) -> bool:
        return bool(self.outputs) and all(exists(p) for p in self.outputs)

    def clean_temporaries(self) -> None:
        for path in self.outputs:
            remove_stale_temporaries(path)


@dataclass
class JobResult:
    key: str
    docs: int = 0
    bytes: int = 0
    skipped: Counter = field(default_factory=Counter)
    skipped_examples: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


class Reporter(Protocol):
    """Progress sink handed to a job function (thread- and process-safe implementations exist)."""

    def advance(self, docs: int = 0, bytes: int = 0, **counters: int) -> None: ...


JobFunction = Callable[[Job, Reporter], JobResult]
WorkerSetup = Callable[..., None]
