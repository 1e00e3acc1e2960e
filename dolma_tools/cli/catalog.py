"""The full command table: importing each command module registers it."""

from __future__ import annotations

import importlib

from .registry import Command, registered

#: Command modules, in the order users meet them; optional ones may be absent from a checkout.
MODULES = ("sample", "tag", "dedupe", "mix", "stats", "list_taggers", "pipeline")
OPTIONAL_MODULES = ("tokens", "report", "train_fasttext", "decon")


def commands() -> dict[str, Command]:
    for name in MODULES:
        importlib.import_module(f"{__package__}.{name}")
    for name in OPTIONAL_MODULES:
        try:
            importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}":
                raise
    return registered()
