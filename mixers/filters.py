"""Document filters (``filter.include`` / ``filter.exclude``) and span selectors in both of Dolma's syntaxes.

A document is kept if (there is no include, or any include matches) and no exclude matches.

- JSONPath: an expression matches when it selects at least one value (Dolma's rule).
- jq: an include matches when it produces at least one output and every output is truthy; an exclude
  matches when any output is truthy (Dolma's rule). Truthy = true, a non-zero number, a non-empty
  string, array or object.
"""

from __future__ import annotations

from typing import Any, Iterable

from .jq_expr import JqBatch, JqExpression, referenced_attributes
from .jq_expr import select as jq_select
from .jq_native import Unsupported
from .jq_native import numeric_comparisons as jq_numeric_comparisons
from .jsonpath import JsonPath

SYNTAXES = ("jsonpath", "jq")


class DocFilter:
    """Compiled include/exclude expressions of one stream or source."""

    def __init__(self, include: list[str], exclude: list[str], syntax: str = "jsonpath", key: str = "filter") -> None:
        self.include = list(include)
        self.exclude = list(exclude)
        self.syntax = syntax
        if syntax == "jq":
            keys = [f"{key}.include[{i}]" for i in range(len(include))] + [
                f"{key}.exclude[{i}]" for i in range(len(exclude))
            ]
            self._jq = JqBatch(self.include + self.exclude, keys)
        else:
            self._inc = [JsonPath(e, f"{key}.include[{i}]") for i, e in enumerate(include)]
            self._exc = [JsonPath(e, f"{key}.exclude[{i}]") for i, e in enumerate(exclude)]

    def keep(self, doc: dict[str, Any]) -> bool:
        if self.syntax == "jq":
            return self._keep_jq(doc)
        if self._inc:
            for p in self._inc:
                if p.matches(doc):
                    break
            else:
                return False
        for p in self._exc:
            if p.matches(doc):
                return False
        return True

    def _keep_jq(self, doc: dict[str, Any]) -> bool:
        results = self._jq.outputs(doc)
        n_inc = len(self.include)
        return self.combine([_jq_include_matches(out) for out in results[:n_inc]],
                            [_jq_exclude_matches(out) for out in results[n_inc:]])

    def rule_matches(self, doc: dict[str, Any]) -> tuple[list[bool], list[bool]]:
        """Whether each include and each exclude rule matches ``doc``, every rule evaluated (``keep`` stops at
        the first decisive rule); ``combine`` of the two lists is ``keep(doc)``. Used by the what-if."""
        if self.syntax == "jq":
            results = self._jq.outputs(doc)
            n_inc = len(self.include)
            return ([_jq_include_matches(out) for out in results[:n_inc]],
                    [_jq_exclude_matches(out) for out in results[n_inc:]])
        return [p.matches(doc) for p in self._inc], [p.matches(doc) for p in self._exc]

    @staticmethod
    def combine(include_matches: list[bool], exclude_matches: list[bool]) -> bool:
        """Keep: (no include rules or any matches) and no exclude rule matches."""
        return (not include_matches or any(include_matches)) and not any(exclude_matches)

    def attribute_references(self) -> list[str]:
        return attribute_names(self.include + self.exclude, self.syntax)


def _jq_include_matches(outputs: list[Any]) -> bool:
    """Dolma: a jq include matches when it produces outputs and all of them are truthy."""
    return bool(outputs) and all(map(bool, outputs))


def _jq_exclude_matches(outputs: list[Any]) -> bool:
    """Dolma: a jq exclude matches when any output is truthy."""
    return any(map(bool, outputs))


class Selector:
    """Selects a value (e.g. the spans of ``span_replacement.span``) from a document."""

    def __init__(self, expression: str, syntax: str = "jsonpath", key: str | None = None) -> None:
        self.expression = expression
        self.syntax = syntax
        if syntax == "jq":
            self._program = JqExpression(expression, key)
        else:
            self._path = JsonPath(expression, key)

    def select(self, doc: dict[str, Any]) -> Any:
        if self.syntax == "jq":
            return jq_select(self._program, doc)
        return self._path.select(doc)

    def attribute_references(self) -> list[str]:
        return attribute_names([self.expression], self.syntax)


def attribute_names(expressions: Iterable[str], syntax: str) -> list[str]:
    """Attribute names (keys directly under ``attributes``) that the expressions read, in first-use order."""
    names: list[str] = []
    for expr in expressions:
        if syntax == "jq":
            found = referenced_attributes(expr)
        else:
            found = [keys[1] for keys in JsonPath(expr).referenced_keys() if len(keys) >= 2 and keys[0] == "attributes"]
        for name in found:
            if name not in names:
                names.append(name)
    return names


def numeric_comparisons(expression: str, syntax: str) -> tuple[list[tuple[tuple, str, float]], bool]:
    """Comparisons of a document value with a number in a filter expression, read by the mixer's own parsers:
    ``(absolute path, op, number)`` with the number on the right, e.g. ``(("attributes", "x", 0, 2), ">",
    0.5)``; and whether the expression is just that one comparison. jq beyond the native evaluator gives
    nothing; a JSONPath syntax error raises ``JsonPathSyntaxError``."""
    if syntax == "jq":
        try:
            return jq_numeric_comparisons(expression)
        except Unsupported:
            return [], False
    return JsonPath(expression).numeric_comparisons()
