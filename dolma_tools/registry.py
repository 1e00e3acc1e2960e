"""The tagger registry: built-ins, ``@add_tagger`` plugins, ``--tagger-modules`` and entry points.

Plugins load only from what the user names: module names or file paths given with ``--tagger-modules``,
and installed packages that declare the ``dolma_tools.taggers`` entry point group.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import os
import sys
import threading
from typing import Callable, Iterable, TypeVar

from .errors import ConfigError
from .tagger import BaseTagger

T = TypeVar("T", bound=type)

ENTRY_POINT_GROUP = "dolma_tools.taggers"

_taggers: dict[str, type[BaseTagger]] = {}
_lock = threading.Lock()
_builtins_loaded = False
_entry_points_loaded = False
_loaded_modules: set[str] = set()


def add_tagger(name: str) -> Callable[[T], T]:
    """Class decorator registering a ``BaseTagger`` subclass under ``name``."""

    def decorator(cls: T) -> T:
        if not (isinstance(cls, type) and issubclass(cls, BaseTagger)):
            raise TypeError(f"@add_tagger({name!r}) must decorate a BaseTagger subclass, got {cls!r}")
        existing = _taggers.get(name)
        if existing is not None and existing is not cls and _qualname(existing) != _qualname(cls):
            raise ValueError(f"tagger name {name!r} is already used by {_qualname(existing)}")
        _taggers[name] = cls
        return cls

    return decorator


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        importlib.import_module("taggers")


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        ep.load()  # importing the module runs its @add_tagger decorators


def load_tagger_modules(modules: Iterable[str]) -> None:
    """Import plugin modules by dotted name or by file path (``x.py`` or a package folder)."""
    for spec in modules:
        if spec in _loaded_modules:
            continue
        with _lock:
            _import_one(spec)
            _loaded_modules.add(spec)


def _import_one(spec: str) -> None:
    if spec.endswith(".py") or os.sep in spec or os.path.isdir(spec):
        path = os.path.abspath(spec)
        if os.path.isdir(path):
            path = os.path.join(path, "__init__.py")
        if not os.path.isfile(path):
            raise ConfigError(f"tagger module file {spec} does not exist", "tagger_modules")
        digest = hashlib.sha1(path.encode()).hexdigest()[:10]
        mod_name = f"dolma_tools_plugin_{digest}"
        if mod_name in sys.modules:
            return
        module_spec = importlib.util.spec_from_file_location(
            mod_name, path, submodule_search_locations=[os.path.dirname(path)] if path.endswith("__init__.py") else None
        )
        if module_spec is None or module_spec.loader is None:
            raise ConfigError(f"cannot import tagger module {spec}", "tagger_modules")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[mod_name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception:
            del sys.modules[mod_name]
            raise
        return
    try:
        importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"cannot import tagger module '{spec}': {exc}", "tagger_modules") from None


def ensure_loaded(tagger_modules: Iterable[str] = ()) -> None:
    _load_builtins()
    _load_entry_points()
    load_tagger_modules(tagger_modules)


def get_tagger_class(name: str) -> type[BaseTagger]:
    ensure_loaded()
    try:
        return _taggers[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_taggers), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else "; run `dolma-tools list` to see them"
        raise ConfigError(f"unknown tagger '{name}'{hint}", "taggers") from None


def available() -> dict[str, type[BaseTagger]]:
    ensure_loaded()
    return dict(sorted(_taggers.items()))
