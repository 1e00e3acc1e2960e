"""The Ray executor: the same job functions as Ray tasks, on a local Ray instance or an existing cluster.

A job is still "done" when all its outputs exist and jobs still commit their outputs atomically, so a run
started by one executor can be finished by the other. Worker setup (loading tagger plugins) runs once per
Ray worker process before its first job; progress is pushed to a small actor and drained into the
driver's ``ProgressBoard``; failures come back as failed ``JobResult``s, exactly as from the local pool.

Ray is optional (``pip install 'dolma-tools[ray]'``); this module is only imported for ``--executor ray``.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Callable

from ..errors import ConfigError
from ..io import s3
from .jobs import Job, JobFunction, JobResult
from .local import execute_job
from .progress import ProgressBoard, QueueReporter

#: Object store of the local instance: jobs exchange only descriptions and counters, never data.
LOCAL_OBJECT_STORE_BYTES = 256 << 20
#: Ray re-runs a task whose worker or node died (not one that raised) this many times.
SYSTEM_FAILURE_RETRIES = 2
#: Environment the driver passes to every task (besides the S3 settings in ``s3.FORWARDED_ENV``).
_FORWARDED_ENV = ("DOLMA_TOOLS_PROGRESS",)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "the Ray executor needs Ray, which is not installed: pip install 'dolma-tools[ray]'", "executor"
        ) from None
    return ray


# ---- worker side -------------------------------------------------------------------------------------

_setups_done: set[tuple[str, str]] = set()


class _InboxQueue:
    """``QueueReporter``'s queue, backed by the progress actor: puts are fire-and-forget."""

    def __init__(self, inbox: Any) -> None:
        self._inbox = inbox
        self._last: Any = None

    def put(self, update: dict[str, int]) -> None:
        self._last = self._inbox.push.remote(update)

    def wait_delivered(self) -> None:
        # calls from one worker to an actor run in order: once the last one ran, all of them did
        if self._last is not None:
            import ray

            ray.get(self._last)


def _run_setup_once(setup: Callable[..., None] | None, setup_args: tuple) -> None:
    if setup is None:
        return
    key = (f"{setup.__module__}.{setup.__qualname__}", repr(setup_args))
    if key not in _setups_done:
        setup(*setup_args)
        _setups_done.add(key)


def run_job_in_worker(
    fn: JobFunction, job: Job, setup: Callable[..., None] | None, setup_args: tuple, inbox: Any, cwd: str
) -> JobResult:
    """The body of every Ray task."""
    if os.path.isdir(cwd):  # relative local paths mean what they meant to the driver (same machine or NFS)
        os.chdir(cwd)
    _run_setup_once(setup, setup_args)
    queue = _InboxQueue(inbox)
    reporter = QueueReporter(queue)
    try:
        return execute_job(fn, job, reporter)
    finally:
        reporter.flush()
        queue.wait_delivered()


class ProgressInbox:
    """Actor collecting progress updates from tasks until the driver takes them."""

    def __init__(self) -> None:
        self._updates: list[dict[str, int]] = []

    def push(self, update: dict[str, int]) -> None:
        self._updates.append(update)

    def take(self) -> list[dict[str, int]]:
        updates, self._updates = self._updates, []
        return updates


# ---- driver side -------------------------------------------------------------------------------------


class RayExecutor:
    name = "ray"

    def __init__(self, processes: int, address: str | None = None) -> None:
        self._ray = _import_ray()
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
        """Join the cluster at ``address``, or start a local instance; True if this call started Ray."""
        ray = self._ray
        if ray.is_initialized():
            return False
        common: dict[str, Any] = {"logging_level": logging.WARNING, "configure_logging": True}
        if self.address:
            try:
                ray.init(address=self.address, **common)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                raise ConfigError(f"cannot connect to the Ray cluster at {self.address}: {exc}", "ray_address") from exc
        else:
            ray.init(
                num_cpus=self.processes,
                include_dashboard=False,
                object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                _node_ip_address="127.0.0.1",  # a private instance: listen on loopback only
                **common,
            )
        return True

    def _run_tasks(self, fn, jobs, board, setup, setup_args, on_result) -> list[JobResult]:  # type: ignore[no-untyped-def]
        ray = self._ray
        env = {k: os.environ[k] for k in (*s3.FORWARDED_ENV, *_FORWARDED_ENV) if k in os.environ}
        task = ray.remote(run_job_in_worker).options(
            num_cpus=1, max_retries=SYSTEM_FAILURE_RETRIES, runtime_env={"env_vars": env} if env else None
        )
        inbox = ray.remote(num_cpus=0)(ProgressInbox).remote()
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
                    pending[task.remote(fn, job, setup, setup_args, inbox, cwd)] = job
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.25)
                if ready:  # collect every other task that finished meanwhile too
                    ready, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0)
                self._drain(inbox, board)
                for ref in ready:
                    result = self._result_of(ref, pending.pop(ref))
                    board.advance(files=1)
                    results.append(result)
                    if on_result:
                        on_result(result)
            self._drain(inbox, board)
        except KeyboardInterrupt:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
        order = {job.key: i for i, job in enumerate(jobs)}
        return sorted(results, key=lambda r: order.get(r.key, 0))

    def _result_of(self, ref: Any, job: Job) -> JobResult:
        exceptions = self._ray.exceptions
        try:
            return self._ray.get(ref)  # type: ignore[no-any-return]
        except exceptions.RayTaskError as exc:  # raised outside execute_job: worker setup, unpickling
            cause = exc.cause if getattr(exc, "cause", None) is not None else exc
            return JobResult(key=job.key, error=f"{job.key}: {type(cause).__name__}: {cause}")
        except exceptions.RayError as exc:
            return JobResult(
                key=job.key, error=f"{job.key}: worker process died (killed or out of memory): {type(exc).__name__}"
            )

    def _drain(self, inbox: Any, board: ProgressBoard) -> None:
        for update in self._ray.get(inbox.take.remote()):
            board.advance(**update)
