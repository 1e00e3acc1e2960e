"""How a statistics pass runs (shared by the report and the what-if)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class RunSettings:
    processes: int = 1
    executor: str = "local"
    ray_address: str | None = None
    on_error: str = "raise"

    @classmethod
    def of(cls, cfg: Any) -> "RunSettings":
        """The settings of any config with the run options (processes 0 = every CPU)."""
        from ..cli.options import default_processes

        processes = getattr(cfg, "processes", 0) or default_processes()
        return cls(processes, getattr(cfg, "executor", "local"), getattr(cfg, "ray_address", None),
                   getattr(cfg, "on_error", "raise"))
