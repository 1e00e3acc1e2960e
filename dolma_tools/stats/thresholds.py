"""Thresholds read from simple filter expressions, to draw them on attribute histograms.

Recognises comparisons of an attribute's first span score with a number, in both of Dolma's syntaxes:
``@.KEY[0][2] > 0.5`` / ``@['KEY'][0][2] > 0.5`` (JSONPath) and ``.attributes.KEY[0][2] > 0.5`` /
``.attributes["KEY"][0][2] > 0.5`` (jq), also with the number first. Anything else is ignored; a comparison
inside an expression with several conditions is marked ``partial`` (it drops documents only together with
the other conditions). This is a reader for pictures, not the mixer's evaluator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REF = (r"(?:@|\.attributes)(?:\.(?P<{n}a>[A-Za-z0-9_]+)|\[\s*['\"](?P<{n}b>[^'\"]+)['\"]\s*\])"
        r"\s*\[\s*0\s*\]\s*\[\s*2\s*\]")
_NUM = r"(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_OP = r"(?P<op><=|>=|==|!=|<|>)"
_REF_FIRST = re.compile(_REF.format(n="k") + r"\s*" + _OP + r"\s*" + _NUM)
_NUM_FIRST = re.compile(_NUM + r"\s*" + _OP + r"\s*" + _REF.format(n="k"))
_MIRROR = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


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


def parse_thresholds(expression: str, kind: str, where: str = "") -> list[Threshold]:
    """Every recognisable ``score OP number`` comparison of ``expression``."""
    found = []
    comparisons = list(_REF_FIRST.finditer(expression))
    mirrored = list(_NUM_FIRST.finditer(expression))
    partial = (len(comparisons) + len(mirrored)) > 1 or bool(re.search(r"\|\||\bor\b", expression))
    for m in comparisons:
        found.append(Threshold(m["ka"] or m["kb"], m["op"], float(m["num"]), kind, expression, partial, where))
    for m in mirrored:
        found.append(Threshold(m["ka"] or m["kb"], _MIRROR[m["op"]], float(m["num"]), kind, expression, partial,
                               where))
    return found


def thresholds_of_filter(include: list[str], exclude: list[str], where: str = "") -> list[Threshold]:
    out = []
    for expr in include:
        out.extend(parse_thresholds(expr, "include", where))
    for expr in exclude:
        out.extend(parse_thresholds(expr, "exclude", where))
    return out
