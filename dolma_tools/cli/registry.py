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
    """Called by each command module at import; ``catalog.commands()`` imports them all."""
    _COMMANDS[cmd.name] = cmd
    return cmd


def registered() -> dict[str, Command]:
    return _COMMANDS
