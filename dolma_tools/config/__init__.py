"""Configuration: Dolma-compatible YAML/JSON files, dotted CLI overrides, validation that names the key."""

from .loader import load_config_file, merge_overrides, resolve_interpolations
from .schema import build, describe_fields, option, to_dict

__all__ = [
    "build",
    "describe_fields",
    "load_config_file",
    "merge_overrides",
    "option",
    "resolve_interpolations",
    "to_dict",
]
