"""Reading config files and applying dotted overrides and Dolma/OmegaConf-style interpolations."""

from __future__ import annotations

import os
import re
from typing import Any

import orjson
import yaml

from ..errors import ConfigError
from ..redaction import is_secret_variable

_INTERP = re.compile(r"\$\{([^{}]*)\}")


def load_config_file(path: str) -> dict[str, Any]:
    """Parse a YAML or JSON config (local or s3://)."""
    from ..io.streams import open_read

    try:
        with open_read(path) as f:
            raw = f.read()
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    text = raw.decode("utf-8")
    try:
        if path.endswith(".json"):
            data = orjson.loads(text)
        else:
            data = yaml.safe_load(text)
    except (orjson.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"config file {path} is not valid {'JSON' if path.endswith('.json') else 'YAML'}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must contain a mapping at the top level, got {type(data).__name__}")
    return data


def merge_overrides(config: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Apply ``{"bloom_filter.file": "x"}``-style overrides to a nested config (returns a new dict)."""
    import copy

    out = copy.deepcopy(config)
    for dotted, value in overrides.items():
        node = out
        parts = dotted.split(".")
        for part in parts[:-1]:
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                nxt = {}
                node[part] = nxt
            node = nxt
        node[parts[-1]] = value
    return out


def _lookup(root: dict[str, Any], dotted: str) -> Any:
    node: Any = root
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ConfigError(f"interpolation ${{{dotted}}} refers to a key that does not exist")
    return node


def _resolve_one(expr: str, root: dict[str, Any]) -> Any:
    expr = expr.strip()
    if ":" in expr:
        name, _, arg = expr.partition(":")
        name = name.strip()
        if name == "oc.env":
            var, _, default = arg.partition(",")
            if is_secret_variable(var.strip()):
                raise ConfigError(f"interpolation ${{{expr}}} reads a credential: the S3 client reads credentials "
                                  "from the environment itself, so a config never needs (or gets) their values")
            value = os.environ.get(var.strip())
            if value is None:
                if default:
                    return default.strip()
                raise ConfigError(f"interpolation ${{{expr}}}: environment variable {var.strip()} is not set")
            return value
        if name in ("d.procs", "d.processes"):
            n = int(arg) if arg.strip() else 0
            return max(1, (os.cpu_count() or 1) - n)
        if name == "d.glob":
            from ..io.paths import glob_paths

            found = glob_paths(arg.strip())
            if not found:
                raise ConfigError(f"interpolation ${{{expr}}}: no file matches")
            return found
        if name == "d.cache":
            return arg.strip()
        raise ConfigError(f"unknown interpolation resolver '{name}' in ${{{expr}}}")
    return _lookup(root, expr)


def resolve_interpolations(config: Any, root: dict[str, Any] | None = None, depth: int = 0) -> Any:
    """Replace ``${oc.env:VAR}``, ``${d.procs:}``, ``${d.glob:pattern}`` and ``${other.key}`` in strings."""
    if depth > 20:
        raise ConfigError("interpolation nesting too deep (a cycle?)")
    root = config if root is None else root
    if isinstance(config, dict):
        return {k: resolve_interpolations(v, root, depth) for k, v in config.items()}
    if isinstance(config, list):
        return [resolve_interpolations(v, root, depth) for v in config]
    if isinstance(config, str) and "${" in config:
        whole = _INTERP.fullmatch(config)
        if whole:
            return resolve_interpolations(_resolve_one(whole.group(1), root), root, depth + 1)
        return _INTERP.sub(lambda m: str(resolve_interpolations(_resolve_one(m.group(1), root), root, depth + 1)), config)
    return config
