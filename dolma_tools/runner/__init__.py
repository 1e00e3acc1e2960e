"""Running jobs: plan (resume), execute (local or Ray), report progress and a summary."""

from __future__ import annotations

import sys
import time
from typing import Any, Callable

from .jobs import Job, JobFunction, JobResult, Reporter
from .local import LocalExecutor
from .progress import ProgressBoard
from .summary import RunSummary

__all__ = ["Job", "JobFunction", "JobResult", "Reporter", "RunSummary", "get_executor", "run_jobs"]


def get_executor(name: str, processes: int, ray_address: str | None = None) -> Any:
    if name == "local":
        return LocalExecutor(processes)
    if name == "ray":
        from .ray_executor import RayExecutor

        return RayExecutor(processes, address=ray_address)
    raise ValueError(f"unknown executor {name!r}")


def run_jobs(
    command: str,
    fn: JobFunction,
    jobs: list[Job],
    *,
    processes: int = 1,
    executor: str = "local",
    ray_address: str | None = None,
    ignore_existing: bool = False,
    setup: Callable[..., None] | None = None,
    setup_args: tuple = (),
    quiet: bool = False,
) -> RunSummary:
    """Skip committed jobs (unless ``ignore_existing``), run the rest, print and return the summary."""
    start = time.monotonic()
    todo = jobs if ignore_existing else [j for j in jobs if not j.is_done()]
    summary = RunSummary(command=command, skipped_existing=len(jobs) - len(todo))
    if not quiet and summary.skipped_existing:
        print(f"[{command}] {summary.skipped_existing} of {len(jobs)} files already done; skipping them "
              "(--ignore-existing to redo)", file=sys.stderr)
    board = ProgressBoard(command, sum(j.size for j in todo), len(todo))
    try:
        runner = get_executor(executor, processes, ray_address)
        summary.results = runner.run(fn, todo, board, setup=setup, setup_args=setup_args)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        board.close()
    summary.seconds = time.monotonic() - start
    if not quiet:
        summary.print()
    return summary
