"""The local executor: a process pool on one machine (``--processes``), or the calling process for one."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import threading
import time
import traceback
from typing import Any, Callable, Iterable

from ..errors import DolmaToolsError
from .jobs import Job, JobFunction, JobResult
from .progress import LocalReporter, ProgressBoard, QueueReporter

_worker_queue: Any = None


def _init_worker(queue: Any, setup: Callable[..., None] | None, setup_args: tuple) -> None:
    global _worker_queue
    _worker_queue = queue
    if setup is not None:
        setup(*setup_args)


def execute_job(fn: JobFunction, job: Job, reporter: Any) -> JobResult:
    """Run one job, turning expected failures into a failed result instead of an exception."""
    start = time.monotonic()
    job.clean_temporaries()
    try:
        result = fn(job, reporter)
    except DolmaToolsError as exc:
        result = JobResult(key=job.key, error=str(exc))
    except MemoryError:
        result = JobResult(key=job.key, error=f"{job.key}: out of memory")
    except Exception as exc:  # a bug or an unexpected library error: keep the traceback
        tb = traceback.format_exc(limit=8)
        result = JobResult(key=job.key, error=f"{job.key}: {type(exc).__name__}: {exc}\n{tb}")
    result.seconds = time.monotonic() - start
    return result


def _run_in_worker(fn: JobFunction, job: Job) -> JobResult:
    reporter = QueueReporter(_worker_queue)
    try:
        return execute_job(fn, job, reporter)
    finally:
        reporter.flush()


class LocalExecutor:
    name = "local"

    def __init__(self, processes: int) -> None:
        self.processes = max(1, processes)

    def run(
        self,
        fn: JobFunction,
        jobs: list[Job],
        board: ProgressBoard,
        setup: Callable[..., None] | None = None,
        setup_args: tuple = (),
        on_result: Callable[[JobResult], None] | None = None,
    ) -> list[JobResult]:
        if self.processes == 1 or len(jobs) <= 1:
            return self._run_inline(fn, jobs, board, setup, setup_args, on_result)
        return self._run_pool(fn, jobs, board, setup, setup_args, on_result)

    @staticmethod
    def _run_inline(fn, jobs, board, setup, setup_args, on_result) -> list[JobResult]:  # type: ignore[no-untyped-def]
        if setup is not None:
            setup(*setup_args)
        reporter = LocalReporter(board)
        results = []
        for job in jobs:
            result = execute_job(fn, job, reporter)
            board.advance(files=1)
            results.append(result)
            if on_result:
                on_result(result)
        return results

    def _run_pool(self, fn, jobs, board, setup, setup_args, on_result) -> list[JobResult]:  # type: ignore[no-untyped-def]
        # spawn: workers start clean (no inherited threads or Rust state) and import plugins themselves
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        stop = threading.Event()

        def pump() -> None:
            while not stop.is_set() or not queue.empty():
                try:
                    update = queue.get(timeout=0.1)
                except Exception:
                    continue
                board.advance(**update)

        pump_thread = threading.Thread(target=pump, daemon=True)
        pump_thread.start()
        results: list[JobResult] = []
        pool = cf.ProcessPoolExecutor(
            max_workers=min(self.processes, len(jobs)),
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(queue, setup, setup_args),
        )
        try:
            futures = {pool.submit(_run_in_worker, fn, job): job for job in jobs}
            for fut in cf.as_completed(futures):
                job = futures[fut]
                try:
                    result = fut.result()
                except cf.process.BrokenProcessPool:
                    result = JobResult(key=job.key, error=f"{job.key}: worker process died (killed or out of memory)")
                except Exception as exc:
                    result = JobResult(key=job.key, error=f"{job.key}: {type(exc).__name__}: {exc}")
                board.advance(files=1)
                results.append(result)
                if on_result:
                    on_result(result)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            stop.set()
            pump_thread.join(timeout=2)
        order = {job.key: i for i, job in enumerate(jobs)}
        return sorted(results, key=lambda r: order.get(r.key, 0))


def iter_chunks(items: Iterable[Any], n: int) -> list[list[Any]]:
    items = list(items)
    return [items[i : i + n] for i in range(0, len(items), n)]
