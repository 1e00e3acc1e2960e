"""jq expressions (Dolma's ``syntax: jq``) evaluated by libjq through the ``jq`` package.

jq is null-safe by design: ``.attributes.missing[0][2]`` is ``null`` and ``null > 0.5`` is false, so a
missing attribute never crashes a filter. Numbers compare as numbers (``1 >= 1.0``).
"""

from __future__ import annotations

import re
from typing import Any

import jq
import orjson

from dolma_tools.errors import ConfigError, DolmaToolsError


class JqSyntaxError(ConfigError):
    """A jq expression that does not compile; the message is libjq's, which points at the problem."""


class JqRuntimeError(DolmaToolsError):
    """A jq expression failed on a document (e.g. indexing a number with a string)."""


def compile_jq(expression: str, key: str | None = None) -> Any:
    try:
        return jq.compile(expression)
    except ValueError as exc:
        msg = str(exc).strip().replace("\n", "\n    ")
        raise JqSyntaxError(f"invalid jq expression {expression!r}:\n    {msg}", key) from None


class JqBatch:
    """Several jq expressions evaluated with one libjq call per document.

    libjq's cost is dominated by converting the document, so the expressions are combined into one
    program ``[[(e1)], [(e2)], ...]`` that returns every expression's outputs at once.
    """

    def __init__(self, expressions: list[str], keys: list[str | None]) -> None:
        self.expressions = expressions
        self.programs = [compile_jq(e, k) for e, k in zip(expressions, keys)]
        combined = "[" + ", ".join(f"[(\n{e}\n)]" for e in expressions) + "]"
        self._combined = jq.compile(combined) if expressions else None

    def outputs(self, document: dict[str, Any]) -> list[list[Any]]:
        """For each expression, the list of values it produces on ``document``."""
        if self._combined is None:
            return []
        text = orjson.dumps(document).decode("utf-8")
        try:
            return self._combined.input_text(text).first()  # type: ignore[no-any-return]
        except ValueError:
            # find which expression failed, for the message
            for expr, prog in zip(self.expressions, self.programs):
                try:
                    prog.input_text(text).all()
                except ValueError as exc:
                    raise JqRuntimeError(f"jq expression {expr!r} failed: {exc}") from None
            raise


def select(program: Any, document: dict[str, Any]) -> Any:
    """Dolma's selector result: None for no output, the value for one output, a list for several."""
    try:
        found = program.input_text(orjson.dumps(document).decode("utf-8")).all()
    except ValueError as exc:
        raise JqRuntimeError(f"jq selector failed: {exc}") from None
    if not found:
        return None
    return found[0] if len(found) == 1 else found


_ATTRIBUTE_REF = re.compile(
    r"""\.attributes\??\s*(?:\.\s*(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_]*))|\[\s*"([^"]+)"\s*\])"""
)


def referenced_attributes(expression: str) -> list[str]:
    """Attribute names a jq expression reads as ``.attributes.NAME``, ``.attributes?.NAME`` or
    ``.attributes["NAME"]`` (names reached by other means, e.g. ``.attributes | keys``, are not checked)."""
    return [next(g for g in m.groups() if g) for m in _ATTRIBUTE_REF.finditer(expression)]
