"""Options shared by every command that runs jobs (Dolma's names, plus ours)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..config.schema import option


def default_processes() -> int:
    return os.cpu_count() or 1


@dataclass(kw_only=True)
class WorkDirConfig:
    input: str | None = option(None, "Dolma's scratch folder for inputs (accepted; dolma-tools streams instead)")
    output: str | None = option(None, "Folder for run metadata (completion records, checkpoints)")


@dataclass(kw_only=True)
class RunOptions:
    processes: int = option(0, "Worker processes (0 = number of CPUs)")
    executor: str = option("local", "Where jobs run: 'local' (process pool) or 'ray'", choices=("local", "ray"))
    ray_address: str | None = option(None, "Address of an existing Ray cluster (default: start a local Ray)")
    on_error: str = option(
        "raise",
        "Bad input lines: 'raise' stops the file with an error naming file and line; 'skip' skips and counts them",
        choices=("raise", "skip"),
    )
    s3_endpoint_url: str | None = option(None, "Endpoint of an S3-compatible store (default: AWS or $AWS_ENDPOINT_URL)")
    s3_max_concurrency: int = option(0, "Cap on concurrent S3 requests per worker process (0 = 16)")
    ignore_existing: bool = option(False, "Redo files whose outputs already exist (default: resume, skipping them)")
    dryrun: bool = option(False, "Print the resolved configuration and plan, then exit", aliases=("dry_run",))
    work_dir: WorkDirConfig = option(WorkDirConfig(), "Work directories")

    def resolved_processes(self) -> int:
        return self.processes if self.processes > 0 else default_processes()

    def validate(self, prefix: str) -> None:
        from ..errors import ConfigError

        for key in ("processes", "s3_max_concurrency"):
            if getattr(self, key) < 0:
                raise ConfigError("must be >= 0", f"{prefix + '.' if prefix else ''}{key}")

    def apply_environment(self) -> None:
        """Process-wide effects of the options (S3 endpoint and request cap), inherited by worker processes."""
        if self.s3_endpoint_url or self.s3_max_concurrency:
            from ..io import s3

            s3.configure(endpoint_url=self.s3_endpoint_url, max_concurrency=self.s3_max_concurrency or None)
