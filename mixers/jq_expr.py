"""jq expressions (Dolma's ``syntax: jq``): compiled by libjq (the ``jq`` package) for syntax checking and
error messages, evaluated natively (``jq_native``) when the expression stays within the common subset, else
by libjq.

jq is null-safe by design: ``.attributes.missing[0][2]`` is ``null`` and ``null > 0.5`` is false, so a
missing attribute never crashes a filter. Numbers compare as numbers (``1 >= 1.0``).
"""

from __future__ import annotations

import re
from typing import Any

import jq

from dolma_tools.errors import ConfigError, DolmaToolsError
from dolma_tools.io.jsonl import dump_json

from .jq_native import JqError, Unsupported, compile_native


class JqSyntaxError(ConfigError):
    """A jq expression that does not compile; the message is libjq's, which points at the problem."""


class JqRuntimeError(DolmaToolsError):
    """A jq expression failed on a document (e.g. indexing a number with a string)."""


#: jq builtins that reach outside the document (the environment, where credentials live; stderr; further
#: inputs; the module search path) are shadowed, so a shared config can neither read secrets into the
#: output nor print them: an expression sees only its document. ``$ENV`` becomes ``{}`` and ``env`` too.
_SANDBOX = ("def env: {}; def debug: .; def debug(msg): .; def stderr: .; def input: empty; def inputs: empty; "
            "def input_filename: null; def get_search_list: []; def halt: empty; def halt_error: empty; "
            "def halt_error(code): empty; {} as $ENV | ")
#: ``import``/``include`` directives load jq modules and JSON data from the file system.
_DIRECTIVE = re.compile(r"\A(?:\s|#[^\n]*)*(?:import|include)\b")


def compile_jq(expression: str, key: str | None = None) -> Any:
    if _DIRECTIVE.match(expression):
        raise JqSyntaxError(f"jq expression {expression!r}: `import` and `include` are not allowed (they read "
                            "files); an expression sees only its document", key)
    try:
        jq.compile(expression)  # checks the syntax, with error columns that match what the user wrote
    except ValueError as exc:
        msg = str(exc).strip().replace("\n", "\n    ")
        raise JqSyntaxError(f"invalid jq expression {expression!r}:\n    {msg}", key) from None
    return jq.compile(f"{_SANDBOX}({expression}\n)")  # the newline ends a trailing comment


class JqExpression:
    """One jq expression: evaluated natively when ``jq_native`` covers it, else by libjq."""

    def __init__(self, expression: str, key: str | None = None) -> None:
        self.expression = expression
        self.program = compile_jq(expression, key)  # libjq checks the syntax and words the errors
        try:
            self.native: Any = compile_native(expression)
        except (Unsupported, RecursionError):  # nested too deeply for the native parser: libjq copes
            self.native = None

    def outputs(self, document: dict[str, Any], text: str | None = None) -> list[Any]:
        """The values the expression produces on ``document`` (``text``: its JSON, if already made)."""
        try:
            if self.native is not None:
                return self.native(document)  # type: ignore[no-any-return]
            return self.program.input_text(text or dump_json(document).decode("utf-8")).all()  # type: ignore[no-any-return]
        except (JqError, ValueError, RecursionError) as exc:
            raise JqRuntimeError(f"jq expression {self.expression!r} failed: {exc}") from None


class JqBatch:
    """Several jq expressions on one document; the ones libjq must run share one serialisation of it."""

    def __init__(self, expressions: list[str], keys: list[str | None]) -> None:
        self.expressions = [JqExpression(e, k) for e, k in zip(expressions, keys)]
        self._needs_text = any(e.native is None for e in self.expressions)

    def outputs(self, document: dict[str, Any]) -> list[list[Any]]:
        """For each expression, the list of values it produces on ``document``."""
        text = dump_json(document).decode("utf-8") if self._needs_text else None
        return [e.outputs(document, text) for e in self.expressions]


def select(expression: JqExpression, document: dict[str, Any]) -> Any:
    """Dolma's selector result: None for no output, the value for one output, a list for several."""
    found = expression.outputs(document)
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
