"""Which files to redo, which to re-insert, and whether the filter can be trusted: the resume rules.

Files are committed one at a time in canonical order (sorted paths, then row order), and each
file's attributes are written atomically before the next file starts, so the files with outputs
form a prefix ``F[0:P]`` of the canonical list. A filter snapshot records exactly which files' keys
its bits hold. Because inserting is idempotent (a key already present sets no bit), the filter an
uninterrupted run would hold when it reaches file ``P`` is ``base | keys(F[0:P])``, whatever
happened before; so a resumed run:

* loads the last snapshot (covering some files ``C``),
* re-inserts the keys of the completed files the snapshot does not cover (``F[0:P] - C``), without
  writing anything, and
* commits ``F[P:]`` normally.

If the snapshot covers a file that has to be redone (its output was deleted, or
``--ignore-existing``), the file's own keys are already in the bits and it would be marked as its
own duplicate: the filter is then rebuilt from an empty one of the same shape by re-inserting
``F[0:P]``, which is only possible when the filter holds nothing but this run's files; otherwise the
run stops with an explanation. Read-only filters (decontamination) never change, so any subset of
files can be redone independently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import os

from ..errors import DolmaToolsError
from ..io.paths import exists, is_s3
from .filter_store import Checkpoint


def identity(path: str) -> str:
    """How a file is recorded in checkpoints: absolute for local paths, so the cwd does not matter."""
    return path if is_s3(path) else os.path.abspath(path)


@dataclass
class Plan:
    files: list[str]
    outputs: list[str]
    todo: list[int]  # commit and write, in order
    replay: list[int] = field(default_factory=list)  # re-insert only (completed files the filter lacks)
    rebuild: bool = False  # start from an empty filter of the same shape
    notes: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return len(self.files) - len(self.todo)


def _completed_prefix(outputs: list[str], ignore_existing: bool) -> int:
    if ignore_existing:
        return 0
    for i, out in enumerate(outputs):
        if not exists(out):
            return i
    return len(outputs)


def plan_read_only(files: list[str], outputs: list[str], ignore_existing: bool) -> Plan:
    todo = [i for i, out in enumerate(outputs) if ignore_existing or not exists(out)]
    return Plan(files, outputs, todo)


def plan_minhash(files: list[str], outputs: list[str], ignore_existing: bool) -> Plan:
    """The LSH index lives in memory only: rebuild it from the completed prefix."""
    p = _completed_prefix(outputs, ignore_existing)
    return Plan(files, outputs, todo=list(range(p, len(files))), replay=list(range(p)))


def plan_with_filter(
    files: list[str], outputs: list[str], checkpoint: Checkpoint, fingerprint: str, ignore_existing: bool, filter_path: str
) -> Plan:
    p = _completed_prefix(outputs, ignore_existing)
    covered = checkpoint.covered_paths()
    position = {identity(f): i for i, f in enumerate(files)}
    in_run = {f: fp for f, fp in covered.items() if f in position}
    foreign = [f for f in covered if f not in position]
    changed = sorted(f for f, fp in in_run.items() if fp != fingerprint and position[f] < p)
    if changed:
        raise DolmaToolsError(
            f"{filter_path}: {len(changed)} completed file(s), e.g. {changed[0]}, were deduplicated with different "
            "dedupe settings than this run's; use a new dedupe.name and bloom_filter.file, or --ignore-existing "
            "to redo everything"
        )
    redo_covered = sorted((f for f in in_run if position[f] >= p), key=position.__getitem__)
    plan = Plan(files, outputs, todo=list(range(p, len(files))))
    if not redo_covered:
        plan.replay = [i for i in range(p) if identity(files[i]) not in in_run]
        return plan
    if foreign:
        raise DolmaToolsError(
            f"{filter_path} already holds the keys of {redo_covered[0]} (and {len(redo_covered) - 1} more file(s) "
            f"this run must redo), together with keys of {len(foreign)} file(s) outside this run (e.g. {foreign[0]}); "
            "keys cannot be removed from a Bloom filter, so redoing them would mark every document as its own "
            "duplicate. Restore their attribute files, or delete the filter file to start over."
        )
    plan.rebuild = True
    plan.replay = list(range(p))
    plan.notes.append(
        f"{filter_path} holds the keys of {len(redo_covered)} file(s) that must be redone (e.g. {redo_covered[0]}); "
        f"rebuilding it from the {p} completed file(s) so no document is marked as its own duplicate"
    )
    return plan
