"""``dolma-tools list``: every registered tagger with a one-line description."""

from __future__ import annotations

from dataclasses import dataclass

from ..config.schema import option
from ..registry import available, ensure_loaded
from .registry import Command, register


@dataclass(kw_only=True)
class ListConfig:
    tagger_modules: list[str] = option([], "Plugin modules to import before listing")


def run(cfg: ListConfig) -> int:
    ensure_loaded(cfg.tagger_modules)
    taggers = available()
    width = max((len(n) for n in taggers), default=10)
    for name, cls in taggers.items():
        print(f"{name:<{width}}  {cls.describe()}")
    return 0


COMMAND = register(Command(name="list", help="List available taggers", schema=ListConfig, run=run))
