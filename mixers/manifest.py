"""``manifest.json``: what a mix read, what it wrote, and the config that made it.

The manifest is deterministic (no timestamps, no process counts), so the same config on the same inputs
gives a byte-identical manifest; ``config_sha256`` hashes the config without run-only options.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from dolma_tools import __version__
from dolma_tools.config.schema import to_dict
from dolma_tools.io.atomic import atomic_write
from dolma_tools.io.compression import Compression
from dolma_tools.io.paths import exists, is_s3, join, relative_to, size_of
from dolma_tools.io.streams import open_read

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1

#: Options that change how a mix runs but not what it writes.
RUN_ONLY_KEYS = (
    "processes", "executor", "ray_address", "s3_endpoint_url", "ignore_existing", "dryrun", "work_dir",
    "plan", "verify",
)


def mix_config_dict(cfg: Any) -> dict[str, Any]:
    """The config as plain data, without run-only options."""
    data = to_dict(cfg)
    for key in RUN_ONLY_KEYS:
        data.pop(key, None)
    return data  # type: ignore[no-any-return]


def config_sha256(config: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(config, option=orjson.OPT_SORT_KEYS)).hexdigest()


def tool_info() -> dict[str, str]:
    return {"name": "dolma-tools", "version": __version__}


def input_files(paths: list[str]) -> list[dict[str, Any]]:
    return [{"path": p, "bytes": _size(p)} for p in paths]


def _size(path: str) -> int | None:
    try:
        return size_of(path)
    except (OSError, FileNotFoundError):
        return None
    except Exception:
        if is_s3(path):
            return None
        raise


def manifest_path(output_dir: str) -> str:
    return join(output_dir, MANIFEST_NAME)


def write_manifest(output_dir: str, manifest: dict[str, Any]) -> str:
    path = manifest_path(output_dir)
    with atomic_write(path, Compression.NONE) as f:
        f.write(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
    return path


def read_manifest(path: str) -> dict[str, Any]:
    with open_read(path, Compression.NONE) as f:
        data = orjson.loads(f.read())
    if not isinstance(data, dict) or "config" not in data or "kind" not in data:
        from dolma_tools.errors import ConfigError

        raise ConfigError(f"{path} is not a dolma-tools mix manifest (no 'kind'/'config')")
    return data  # type: ignore[no-any-return]


def completed(output_dir: str, config_hash: str) -> dict[str, Any] | None:
    """The manifest of a finished mix with this config in ``output_dir``, if every output it lists exists."""
    path = manifest_path(output_dir)
    if not exists(path):
        return None
    try:
        manifest = read_manifest(path)
    except Exception:
        return None
    if manifest.get("config_sha256") != config_hash:
        return None
    outputs = [output_path(output_dir, o["path"]) for entry in _entries(manifest) for o in entry.get("outputs", [])]
    return manifest if all(exists(p) for p in outputs) else None


def relative_outputs(shards: list[Any], output_dir: str) -> list[dict[str, Any]]:
    """Shard entries with paths relative to the output folder (the manifest's folder), so it can move."""
    return [dict(s.to_json(), path=relative_to(s.path, output_dir)) for s in shards]


def output_path(output_dir: str, recorded: str) -> str:
    return join(output_dir, recorded)


def _entries(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return list((manifest.get("streams") or manifest.get("sources") or {}).values())
