"""The command table the CLI is built from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass
class Command:
    name: str
    help: str
    schema: type
    run: Callable[[Any], int]
    description: str = ""
    epilog: str = ""


_COMMANDS: dict[str, Command] = {}


def register(cmd: Command) -> Command:
    _COMMANDS[cmd.name] = cmd
    return cmd


def commands() -> dict[str, Command]:
    # importing the modules registers the commands, in the order users meet them
    from . import dedupe, list_taggers, mix, pipeline, sample, stats, tag  # noqa: F401

    for optional in ("tokens", "report", "train_fasttext", "decon"):
        try:
            __import__(f"{__package__}.{optional}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{optional}":
                raise
    return _COMMANDS
