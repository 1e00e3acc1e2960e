"""``dolma-tools [-c CONFIG] COMMAND [options]``: Dolma-style configs with dotted overrides."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..config.loader import load_config_file, merge_overrides, resolve_interpolations
from ..config.schema import build, describe_fields, is_bool_type, is_list_type, to_dict
from ..errors import ConfigError, DolmaToolsError
from ..redaction import redact, redact_values
from .catalog import commands
from .registry import Command

_CONFIG_DEST = "__config__"


def _flag_names(key: str) -> list[str]:
    names = [f"--{key}"]
    hyphen = key.replace("_", "-")
    if hyphen != key:
        names.append(f"--{hyphen}")
    return names


def _add_schema_arguments(parser: argparse.ArgumentParser, schema: type) -> None:
    for info in describe_fields(schema):
        if not info.cli:
            continue
        shown = info.default
        default = " (required)" if info.required else ("" if shown in (None, [], "") else f" (default: {shown!r})")
        helptext = (info.help or "") + default
        names = _flag_names(info.key) + [n for a in info.aliases for n in _flag_names(a)]
        if is_bool_type(info.type):
            parser.add_argument(*names, dest=info.key, action="store_const", const=True,
                                default=argparse.SUPPRESS, help=helptext)
            parser.add_argument(*[n.replace("--", "--no-", 1) for n in names[:2]], dest=info.key,
                                action="store_const", const=False, default=argparse.SUPPRESS,
                                help=argparse.SUPPRESS)
        elif is_list_type(info.type):
            parser.add_argument(*names, dest=info.key, nargs="+", default=argparse.SUPPRESS,
                                metavar=info.key.rsplit(".", 1)[-1].upper(), help=helptext)
        else:
            metavar = "{" + ",".join(map(str, info.choices)) + "}" if info.choices else info.key.rsplit(".", 1)[-1].upper()
            parser.add_argument(*names, dest=info.key, default=argparse.SUPPRESS, metavar=metavar, help=helptext)


def make_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="dolma-tools",
        description="Tag, deduplicate and mix language-model training data (Dolma-compatible configs).",
        epilog="Config keys are Dolma's: `dolma-tools -c cfg.yaml mix` and `dolma-tools mix -c cfg.yaml` both work; "
        "dotted flags override the file, e.g. --bloom_filter.file x --processes 2.",
    )
    parser.add_argument("-c", "--config", dest=_CONFIG_DEST, default=None, metavar="CONFIG",
                        help="YAML or JSON config file")
    parser.add_argument("--version", action="version", version=f"dolma-tools {__version__}")
    sub = parser.add_subparsers(dest="__command__", metavar="COMMAND")
    for cmd in commands().values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.description or cmd.help, epilog=cmd.epilog,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("-c", "--config", dest=f"{_CONFIG_DEST}sub", default=argparse.SUPPRESS, metavar="CONFIG",
                       help="YAML or JSON config file")
        _add_schema_arguments(p, cmd.schema)
    return parser


def resolve_config(cmd: Command, config_path: str | None, overrides: dict[str, Any]) -> Any:
    data = load_config_file(config_path) if config_path else {}
    data = merge_overrides(data, overrides)
    data = resolve_interpolations(data)
    return build(cmd.schema, data)


def print_plan(cmd: Command, cfg: Any) -> None:
    print(json.dumps({"command": cmd.name, "config": redact_values(to_dict(cfg))}, indent=2, default=str))


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = vars(parser.parse_args(argv))
    name = args.pop("__command__", None)
    if not name:
        parser.print_help(sys.stderr)
        return 2
    config_path = args.pop(f"{_CONFIG_DEST}sub", None) or args.pop(_CONFIG_DEST, None)
    args.pop(_CONFIG_DEST, None)
    cmd = commands()[name]
    try:
        cfg = resolve_config(cmd, config_path, args)
        apply_environment = getattr(cfg, "apply_environment", None)
        if apply_environment is not None:  # every command: S3 endpoint and limits, before any I/O
            apply_environment()
        if getattr(cfg, "dryrun", False):  # every command's dry run starts with the resolved config
            print_plan(cmd, cfg)
        return int(cmd.run(cfg) or 0)
    except ConfigError as exc:
        print(f"dolma-tools {name}: error: {redact(str(exc))}", file=sys.stderr)
        return 2
    except DolmaToolsError as exc:
        print(f"dolma-tools {name}: error: {redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"dolma-tools {name}: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
