"""``dolma-tools pipeline``: run tag -> dedupe -> mix (any sequence of commands) from one config."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

from ..config.loader import merge_overrides
from ..config.schema import build, option, to_dict
from ..errors import ConfigError
from .registry import Command, register

#: Keys of a pipeline config that every stage inherits unless the stage sets them itself.
SHARED_KEYS = ("processes", "executor", "ray_address", "on_error", "s3_endpoint_url", "s3_max_concurrency",
               "ignore_existing")


@dataclass(kw_only=True)
class PipelineConfig:
    stages: list[dict[str, Any]] = option(
        help="Ordered stages, each a one-key mapping {command: config}, e.g. [{tag: {...}}, {dedupe: {...}}]",
        cli=False,
    )
    processes: int = option(0, "Default worker processes for every stage (0 = number of CPUs)")
    executor: str = option("local", "Default executor for every stage", choices=("local", "ray"))
    ray_address: str | None = option(None, "Ray cluster address for every stage")
    on_error: str = option("raise", "Default bad-input policy for every stage", choices=("raise", "skip"))
    s3_endpoint_url: str | None = option(None, "S3-compatible endpoint for every stage")
    s3_max_concurrency: int = option(0, "Cap on concurrent S3 requests per worker process, every stage (0 = 16)")
    ignore_existing: bool = option(False, "Redo every stage from scratch")
    dryrun: bool = option(False, "Validate every stage and print the plan", aliases=("dry_run",))
    output: str | None = option(None, "Pipeline output folder (run report and summaries)")
    report: bool = option(True, "Write report.html into `output` at the end")
    only: list[str] = option([], "Run only these stages (by command name)")


def commands() -> dict[str, Command]:
    from .catalog import commands as all_commands  # the pipeline runs the other commands

    return all_commands()


def _stage(entry: dict[str, Any], index: int) -> tuple[str, dict[str, Any]]:
    if not isinstance(entry, dict) or len(entry) != 1:
        raise ConfigError("each stage must be a mapping with exactly one command key, e.g. {tag: {...}}",
                          f"stages[{index}]")
    (name, body), = entry.items()
    if name not in commands() or name == "pipeline":
        raise ConfigError(f"unknown stage command {name!r} (expected one of sample, tag, dedupe, mix, stats, tokens)",
                          f"stages[{index}]")
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ConfigError("stage config must be a mapping", f"stages[{index}].{name}")
    return name, body


def stage_configs(cfg: PipelineConfig) -> list[tuple[str, Any]]:
    """Validate every stage up front, so a typo in the last stage fails before the first one runs."""
    shared = {k: getattr(cfg, k) for k in SHARED_KEYS}
    out = []
    for i, entry in enumerate(cfg.stages):
        name, body = _stage(entry, i)
        cmd = commands()[name]
        fields = {f for f in getattr(cmd.schema, "__dataclass_fields__", {})}
        defaults = {k: v for k, v in shared.items() if k in fields and k not in body and v is not None}
        data = merge_overrides(body, defaults)
        try:
            out.append((name, build(cmd.schema, data)))
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("config key '", f"config key 'stages[{i}].{name}.", 1)) from None
    return out


def run(cfg: PipelineConfig) -> int:
    stages = stage_configs(cfg)
    selected = [(n, c) for n, c in stages if not cfg.only or n in cfg.only]
    if cfg.dryrun:
        import json

        from ..redaction import redact_values

        print(json.dumps({"pipeline": [{n: redact_values(to_dict(c))} for n, c in selected]}, indent=2, default=str))
        return 0
    started = time.monotonic()
    for i, (name, stage_cfg) in enumerate(selected, 1):
        print(f"[pipeline] stage {i}/{len(selected)}: {name}", file=sys.stderr, flush=True)
        apply_environment = getattr(stage_cfg, "apply_environment", None)
        if apply_environment is not None:
            apply_environment()
        code = commands()[name].run(stage_cfg)
        if code:
            print(f"[pipeline] stage {name} failed (exit {code}); fix and rerun: finished work is kept",
                  file=sys.stderr)
            return code
    if cfg.output and cfg.report:
        _write_report(cfg, selected)
    print(f"[pipeline] done: {len(selected)} stages in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


def _write_report(cfg: PipelineConfig, stages: list[tuple[str, Any]]) -> None:
    try:
        from ..stats.report import write_pipeline_report
    except ModuleNotFoundError:
        return
    path = write_pipeline_report(cfg, stages)
    print(f"[pipeline] report: {path}", file=sys.stderr)


COMMAND = register(
    Command(
        name="pipeline",
        help="Run a whole pipeline (tag -> dedupe -> mix) from one config",
        schema=PipelineConfig,
        run=run,
        description="Stages run in order; each stage resumes where it stopped, so rerunning a failed or "
        "interrupted pipeline redoes only unfinished work.",
        epilog="example: dolma-tools pipeline -c configs/quickstart.yaml",
    )
)
