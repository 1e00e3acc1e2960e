"""Thresholds read from filter expressions, to draw them on attribute histograms.

The expressions are parsed by the mixer's own JSONPath and jq parsers (``mixers.filters.numeric_comparisons``),
so a threshold is drawn exactly where the mixer compares: every comparison of an attribute's first span score
(``@.KEY[0][2] > 0.5``, ``@['KEY'][0][2]``, ``.attributes.KEY[0][2]``, ``.attributes["KEY"][0][2]``, the number
on either side) with a number. A comparison inside an expression with other conditions is marked ``partial``
(it drops documents only together with them); existence guards of the same attribute do not count.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError


@dataclass(frozen=True)
class Threshold:
    key: str
    op: str
    value: float
    kind: str  # "include" or "exclude"
    expression: str
    partial: bool = False
    where: str = ""

    @property
    def drops(self) -> str | None:
        """Which side of the value the rule drops: 'above', 'below', or None (==, !=)."""
        if self.op in ("==", "!="):
            return None
        greater = self.op in (">", ">=")
        if self.kind == "exclude":
            return "above" if greater else "below"
        return "below" if greater else "above"

    def label(self) -> str:
        verb = "keep if" if self.kind == "include" else "drop if"
        return f"{verb} {self.op} {self.value:g}" + (" (with other conditions)" if self.partial else "")


def guess_syntax(expression: str) -> str:
    """JSONPath expressions start with ``$``; anything else is read as jq."""
    return "jsonpath" if expression.lstrip().startswith("$") else "jq"


def parse_thresholds(expression: str, kind: str, where: str = "", syntax: str | None = None) -> list[Threshold]:
    """Every ``score OP number`` comparison of ``expression`` (nothing for an expression that does not parse)."""
    from mixers.filters import numeric_comparisons

    try:
        comparisons, alone = numeric_comparisons(expression, syntax or guess_syntax(expression))
    except ConfigError:
        return []
    return [Threshold(path[1], op, value, kind, expression, not alone, where)
            for path, op, value in comparisons
            if len(path) == 4 and path[0] == "attributes" and isinstance(path[1], str) and path[2:] == (0, 2)]


def thresholds_of_filter(include: list[str], exclude: list[str], where: str = "",
                         syntax: str | None = None) -> list[Threshold]:
    out = []
    for expr in include:
        out.extend(parse_thresholds(expr, "include", where, syntax))
    for expr in exclude:
        out.extend(parse_thresholds(expr, "exclude", where, syntax))
    return out
