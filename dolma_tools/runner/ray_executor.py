"""The Ray executor: the same job functions as Ray tasks, on a local Ray instance or an existing cluster.

A job is still "done" when all its outputs exist and jobs still commit their outputs atomically, so a run
started by one executor can be finished by the other. Worker setup (loading tagger plugins) runs once per
Ray worker process before its first job. Progress is pushed to a small actor and drained into the
driver's ``ProgressBoard`` without ever blocking a task; each job's totals come back with its result and
settle the count exactly. Failures come back as failed ``JobResult``s, as from the local pool.

Ray is optional (``pip install 'dolma-tools[ray]'``); this module is only imported for ``--executor ray``.
"""

from __future__ import annotations

import copy
import logging
import os
import time
from collections import Counter
from typing import Any, Callable

from ..errors import ConfigError
from ..io import s3
from .jobs import Job, JobFunction, JobResult
from .local import execute_job
from .progress import ProgressBoard

#: Object store of the local instance: jobs exchange only descriptions and counters, never data.
LOCAL_OBJECT_STORE_BYTES = 256 << 20
#: Ray re-runs a task whose worker or node died (not one that raised) this many times.
SYSTEM_FAILURE_RETRIES = 2
#: Environment the driver passes to every task (besides the S3 settings in ``s3.FORWARDED_ENV``).
_FORWARDED_ENV = ("DOLMA_TOOLS_PROGRESS",)


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "the Ray executor needs Ray, which is not installed: pip install 'dolma-tools[ray]'", "executor"
        ) from None
    return ray


# ---- worker side -------------------------------------------------------------------------------------

_setups_done: set[tuple[str, str]] = set()


class TaskReporter:
    """Progress of one job in a Ray worker: keeps exact totals, and pushes increments to the driver's inbox
    actor at most every 0.25 s without waiting for it (the totals travel back with the result)."""

    INTERVAL = 0.25

    def __init__(self, inbox: Any, key: str) -> None:
        self._inbox = inbox
        self._key = key
        self.totals: Counter = Counter()
        self._pending: Counter = Counter()
        self._last = time.monotonic()

    def advance(self, docs: int = 0, bytes: int = 0, **counters: int) -> None:
        update = Counter(docs=docs, bytes=bytes, **counters)
        self.totals.update(update)
        self._pending.update(update)
        now = time.monotonic()
        if now - self._last >= self.INTERVAL:
            self._inbox.push.remote(self._key, dict(+self._pending))
            self._pending.clear()
            self._last = now


def _run_setup_once(setup: Callable[..., None] | None, setup_args: tuple) -> None:
    if setup is None:
        return
    key = (f"{setup.__module__}.{setup.__qualname__}", repr(setup_args))
    if key not in _setups_done:
        setup(*setup_args)
        _setups_done.add(key)


def run_job_in_worker(
    fn: JobFunction, job: Job, setup: Callable[..., None] | None, setup_args: tuple, inbox: Any, cwd: str
) -> tuple[JobResult, dict[str, int]]:
    """The body of every Ray task: the job's result and everything it reported."""
    if os.path.isdir(cwd):  # relative local paths mean what they meant to the driver (same machine or NFS)
        os.chdir(cwd)
    _run_setup_once(setup, setup_args)
    reporter = TaskReporter(inbox, job.key)
    result = execute_job(fn, job, reporter)
    return result, dict(+reporter.totals)


class ProgressInbox:
    """Actor collecting progress updates ``(job key, counters)`` from tasks until the driver takes them."""

    def __init__(self) -> None:
        self._updates: list[tuple[str, dict[str, int]]] = []

    def push(self, key: str, update: dict[str, int]) -> None:
        self._updates.append((key, update))

    def take(self) -> list[tuple[str, dict[str, int]]]:
        updates, self._updates = self._updates, []
        return updates


# ---- driver side -------------------------------------------------------------------------------------


class _ProgressRelay:
    """Driver side: moves inbox updates to the board without blocking, and settles each job's count
    exactly when its result arrives (updates still in flight for a finished job are then dropped)."""

    def __init__(self, ray: Any, inbox: Any, board: ProgressBoard) -> None:
        self._ray = ray
        self.inbox = inbox
        self._board = board
        self._delivered: dict[str, Counter] = {}
        self._finished: set[str] = set()
        self._take = inbox.take.remote()

    def poll(self) -> None:
        ready, _ = self._ray.wait([self._take], timeout=0)
        if not ready:
            return  # e.g. the actor is still starting: never hold up results for progress
        for key, update in self._ray.get(self._take):
            if key not in self._finished:
                self._delivered.setdefault(key, Counter()).update(update)
                self._board.advance(**update)
        self._take = self.inbox.take.remote()

    def settle(self, key: str, totals: dict[str, int]) -> None:
        rest = Counter(totals) - self._delivered.pop(key, Counter())
        self._finished.add(key)
        self._board.advance(files=1, **rest)


def forwarded_env() -> dict[str, str]:
    """The driver's non-secret settings every task and actor gets (S3 endpoint and limits, progress)."""
    return {k: os.environ[k] for k in (*s3.FORWARDED_ENV, *_FORWARDED_ENV) if k in os.environ}


def connect(ray: Any, processes: int, address: str | None) -> bool:
    """Join the cluster at ``address``, or start a local instance with ``processes`` CPUs; True if this call
    started Ray (the caller then shuts it down)."""
    if ray.is_initialized():
        return False
    common: dict[str, Any] = {"logging_level": logging.WARNING, "configure_logging": True}
    if address:
        try:
            ray.init(address=address, **common)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise ConfigError(f"cannot connect to the Ray cluster at {address}: {exc}", "ray_address") from exc
    else:
        ray.init(num_cpus=processes, include_dashboard=False, object_store_memory=LOCAL_OBJECT_STORE_BYTES, **common)
    return True


class RayExecutor:
    name = "ray"

    def __init__(self, processes: int, address: str | None = None) -> None:
        self._ray = import_ray()
        self.processes = max(1, processes)
        self.address = address

    def run(
        self,
        fn: JobFunction,
        jobs: list[Job],
        board: ProgressBoard,
        setup: Callable[..., None] | None = None,
        setup_args: tuple = (),
        on_result: Callable[[JobResult], None] | None = None,
    ) -> list[JobResult]:
        if not jobs:
            return []
        ray = self._ray
        started_here = self._connect()
        try:
            return self._run_tasks(fn, jobs, board, setup, setup_args, on_result)
        finally:
            if started_here:
                ray.shutdown()

    def _connect(self) -> bool:
        return connect(self._ray, self.processes, self.address)

    def _run_tasks(self, fn, jobs, board, setup, setup_args, on_result) -> list[JobResult]:  # type: ignore[no-untyped-def]
        ray = self._ray
        env = forwarded_env()
        task = ray.remote(run_job_in_worker).options(
            num_cpus=1, max_retries=SYSTEM_FAILURE_RETRIES, runtime_env={"env_vars": env} if env else None
        )
        relay = _ProgressRelay(ray, ray.remote(num_cpus=0)(ProgressInbox).remote(), board)
        cwd = os.getcwd()
        # keep every CPU busy without materialising one task per shard for 100k-shard runs
        window = max(2, 2 * int(ray.cluster_resources().get("CPU", self.processes)))
        queued = list(reversed(jobs))
        pending: dict[Any, Job] = {}
        results: list[JobResult] = []
        try:
            while queued or pending:
                while queued and len(pending) < window:
                    job = queued.pop()
                    pending[task.remote(fn, job, setup, setup_args, relay.inbox, cwd)] = job
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.25)
                if ready:  # collect every other task that finished meanwhile too
                    ready, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0)
                relay.poll()
                for ref in ready:
                    job = pending.pop(ref)
                    result, totals = self._result_of(ref, job)
                    relay.settle(job.key, totals)
                    results.append(result)
                    if on_result:
                        on_result(result)
        except KeyboardInterrupt:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
        order = {job.key: i for i, job in enumerate(jobs)}
        return sorted(results, key=lambda r: order.get(r.key, 0))

    def _result_of(self, ref: Any, job: Job) -> tuple[JobResult, dict[str, int]]:
        exceptions = self._ray.exceptions
        try:
            result, totals = self._ray.get(ref)
            # Ray hands numpy arrays back as read-only views of its object store; a copy makes results behave as
            # the local pool's (unpickled, writable), e.g. for statistics merged into the first result
            return copy.deepcopy(result), totals
        except exceptions.RayTaskError as exc:  # raised outside execute_job: worker setup, unpickling
            cause = exc.cause if getattr(exc, "cause", None) is not None else exc
            return JobResult(key=job.key, error=f"{job.key}: {type(cause).__name__}: {cause}"), {}
        except exceptions.RayError as exc:
            error = f"{job.key}: worker process died (killed or out of memory): {type(exc).__name__}"
            return JobResult(key=job.key, error=error), {}
