"""Typed config schemas as dataclasses, validated with errors that name the key and the expected type.

A schema is a dataclass whose fields are declared with ``option(...)``. ``build(Schema, data)`` checks a
plain dict against it: unknown keys are rejected (with the closest valid names), values are converted
only where the conversion is lossless (``"2"`` from the command line becomes ``2``; ``1`` for a float
becomes ``1.0``), and everything else is an error.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from typing import Any, TypeVar, Union, get_args, get_origin

from ..errors import ConfigError

T = TypeVar("T")
MISSING = dataclasses.MISSING


def option(
    default: Any = MISSING,
    help: str = "",
    *,
    choices: tuple[Any, ...] | None = None,
    aliases: tuple[str, ...] = (),
    cli: bool = True,
) -> Any:
    """Declare a config field. A field without a default is required."""
    metadata = {"help": help, "choices": choices, "aliases": aliases, "cli": cli}
    if default is MISSING:
        return dataclasses.field(metadata=metadata)
    if isinstance(default, (list, dict, set)) or dataclasses.is_dataclass(default):
        return dataclasses.field(default_factory=lambda d=default: _copy(d), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _copy(value: Any) -> Any:
    import copy

    return copy.deepcopy(value)


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if tp is str:
        return "a string"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is bool:
        return "a boolean (true/false)"
    if tp is Any:
        return "any value"
    if origin in (list, typing.List):
        (inner,) = get_args(tp) or (Any,)
        return f"a list of {_type_name(inner).split(' ', 1)[-1]}s"
    if origin in (dict, typing.Dict):
        return "a mapping"
    if origin in (Union, types.UnionType):
        names = [_type_name(a) for a in get_args(tp) if a is not type(None)]
        return " or ".join(names) + " (or null)" * (type(None) in get_args(tp))
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return getattr(tp, "__name__", str(tp))


def _fail(key: str, tp: Any, value: Any) -> ConfigError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return ConfigError(f"expected {_type_name(tp)}, got {shown} ({type(value).__name__})", key)


_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def _convert(value: Any, tp: Any, key: str) -> Any:
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        candidates = [a for a in args if a is not type(None)]
        # try dataclasses and containers before scalars so "a: [x]" prefers list over str
        candidates.sort(key=lambda a: a is str)
        errors: list[tuple[Any, ConfigError]] = []
        for arg in candidates:
            try:
                return _convert(value, arg, key)
            except ConfigError as exc:
                errors.append((arg, exc))
        # if exactly one alternative has the value's shape, its error is the precise one
        same_shape = [exc for arg, exc in errors if _shape_matches(value, arg)]
        if len(same_shape) == 1:
            raise same_shape[0]
        raise _fail(key, tp, value)
    if value is None:
        raise ConfigError(f"expected {_type_name(tp)}, got null", key)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise _fail(key, tp, value)
        return build(tp, value, prefix=key)  # type: ignore[arg-type]
    if origin in (list, typing.List):
        (inner,) = get_args(tp) or (Any,)
        if isinstance(value, (str, dict)) or not isinstance(value, (list, tuple)):
            if isinstance(value, str) and inner is str:
                return [value]  # a single path where a list is expected
            if isinstance(value, dict) and dataclasses.is_dataclass(inner):
                return [_convert(value, inner, f"{key}[0]")]
            raise _fail(key, tp, value)
        return [_convert(v, inner, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin in (dict, typing.Dict):
        if not isinstance(value, dict):
            raise _fail(key, tp, value)
        args = get_args(tp)
        vt = args[1] if len(args) == 2 else Any
        return {str(k): _convert(v, vt, f"{key}.{k}") for k, v in value.items()}
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise _fail(key, tp, value)
    if tp is int:
        if isinstance(value, bool):
            raise _fail(key, tp, value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.replace("_", ""))
            except ValueError:
                try:
                    f = float(value)
                    if f.is_integer():
                        return int(f)
                except ValueError:
                    pass
        raise _fail(key, tp, value)
    if tp is float:
        if isinstance(value, bool):
            raise _fail(key, tp, value)
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.replace("_", ""))
            except ValueError:
                pass
        raise _fail(key, tp, value)
    if tp is str:
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise _fail(key, tp, value)
    raise ConfigError(f"unsupported schema type {tp!r}", key)


def _shape_matches(value: Any, tp: Any) -> bool:
    origin = get_origin(tp)
    if dataclasses.is_dataclass(tp) or origin in (dict, typing.Dict):
        return isinstance(value, dict)
    if origin in (list, typing.List):
        return isinstance(value, (list, tuple))
    return not isinstance(value, (dict, list, tuple))


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def build(cls: type[T], data: dict[str, Any] | None, prefix: str = "") -> T:
    """Validate ``data`` against schema ``cls`` and return an instance."""
    data = dict(data or {})
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    aliases = {a: f.name for f in fields.values() for a in f.metadata.get("aliases", ())}
    for alias, name in aliases.items():
        if alias in data:
            if name in data:
                raise ConfigError(f"both '{alias}' and '{name}' are set; use one", _join(prefix, name))
            data[name] = data.pop(alias)
    unknown = [k for k in data if k not in fields]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(str(key), list(fields), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        valid = ", ".join(sorted(fields))
        raise ConfigError(f"unknown key{hint} (valid keys here: {valid})", _join(prefix, str(key)))
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        key = _join(prefix, name)
        if name in data:
            value = _convert(data[name], hints[name], key)
            choices = f.metadata.get("choices")
            if choices is not None and value is not None and value not in choices:
                raise ConfigError(f"expected one of {', '.join(map(repr, choices))}, got {value!r}", key)
            kwargs[name] = value
        elif f.default is MISSING and f.default_factory is MISSING:  # type: ignore[misc]
            raise ConfigError(f"required ({f.metadata.get('help') or _type_name(hints[name])})", key)
    obj = cls(**kwargs)
    validate = getattr(obj, "validate", None)
    if callable(validate):
        validate(prefix)
    return obj


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def to_dict(obj: Any) -> Any:
    """Schema instance -> plain data (for --dry-run and manifests)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


@dataclasses.dataclass
class FieldInfo:
    key: str
    type: Any
    help: str
    default: Any
    required: bool
    choices: tuple[Any, ...] | None
    aliases: tuple[str, ...]
    cli: bool


def describe_fields(cls: type, prefix: str = "") -> list[FieldInfo]:
    """Flatten a schema into dotted leaf fields (nested dataclasses expand; lists of them do not)."""
    out: list[FieldInfo] = []
    hints = _hints(cls)
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        tp = hints[f.name]
        key = _join(prefix, f.name)
        inner = _unwrap_optional(tp)
        if dataclasses.is_dataclass(inner):
            out.extend(describe_fields(inner, key))  # type: ignore[arg-type]
            continue
        if f.default is not MISSING:
            default = f.default
        elif f.default_factory is not MISSING:  # type: ignore[misc]
            default = f.default_factory()  # type: ignore[misc]
        else:
            default = MISSING
        out.append(
            FieldInfo(
                key=key,
                type=tp,
                help=f.metadata.get("help", ""),
                default=default,
                required=default is MISSING,
                choices=f.metadata.get("choices"),
                aliases=tuple(_join(prefix, a) for a in f.metadata.get("aliases", ())),
                cli=f.metadata.get("cli", True),
            )
        )
    return out


def _unwrap_optional(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def is_list_type(tp: Any) -> bool:
    tp = _unwrap_optional(tp)
    if get_origin(tp) in (Union, types.UnionType):
        return any(is_list_type(a) for a in get_args(tp))
    return get_origin(tp) in (list, typing.List)


def is_bool_type(tp: Any) -> bool:
    return _unwrap_optional(tp) is bool
