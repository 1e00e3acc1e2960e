"""Token budgets of a mixture's sources and whether they can be met (OLMo-core's rules).

Per source: ``needed = int(requested_tokens * target_ratio)`` (or its ``target_tokens``); at most
``int(available * max_source_fraction)`` tokens of it may be used, each at most ``max_repetition_ratio``
times, so ``needed`` must not exceed ``int(usable * max_repetition_ratio)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dolma_tools.errors import ConfigError

RATIO_TOLERANCE = 1e-4


class InfeasibleMixError(ConfigError):
    """The requested tokens cannot be drawn within the repetition and source-fraction caps."""


@dataclass
class Budget:
    name: str
    ratio: float  # share of the mixture this source is meant to have
    needed: int  # tokens to draw
    available: int
    usable: int  # available * max_source_fraction
    cap: int  # usable * max_repetition_ratio

    @property
    def rate(self) -> float:
        """needed / available: < 1 downsamples, > 1 repeats."""
        return self.needed / self.available if self.available else float("inf") if self.needed else 0.0


def budget_mode(sources: list[Any]) -> str:
    """'ratio' (target_ratio everywhere), 'tokens' (target_tokens everywhere) or 'natural' (neither)."""
    has_ratio = [s.target_ratio is not None for s in sources]
    has_tokens = [s.target_tokens is not None for s in sources]
    if all(has_ratio):
        return "ratio"
    if all(has_tokens):
        return "tokens"
    if not any(has_ratio) and not any(has_tokens):
        return "natural"
    with_ratio = [s.source_name for s, r in zip(sources, has_ratio) if r]
    with_tokens = [s.source_name for s, t in zip(sources, has_tokens) if t]
    raise ConfigError("either every source sets target_ratio, or every source sets target_tokens, or none does "
                      f"(natural proportions); target_ratio is set on: {', '.join(with_ratio) or 'none'}; "
                      f"target_tokens on: {', '.join(with_tokens) or 'none'}", "sources")


def effective_ratios(active: list[Any], configured: list[Any]) -> list[float]:
    """The active sources' target ratios. The configured ratios must sum to 1; after an opt-out (fewer active
    than configured sources) the remaining ones are scaled to sum to 1."""
    total = sum(float(s.target_ratio) for s in configured)
    if abs(total - 1.0) > RATIO_TOLERANCE:
        shown = " + ".join(f"{float(s.target_ratio):g}" for s in configured)
        raise ConfigError(f"target_ratio values must sum to 1, got {shown} = {total:.6g}", "sources")
    ratios = [float(s.target_ratio) for s in active]
    kept = sum(ratios)
    return [r / kept for r in ratios] if kept > 0 else ratios


def compute_budgets(
    sources: list[Any], available: list[int], requested_tokens: int | None, mode: str, ratios: list[float] | None
) -> tuple[list[Budget], int]:
    """Budgets per source and the requested total."""
    if mode == "tokens":
        needed = [int(s.target_tokens) for s in sources]
        total = sum(needed)
        if requested_tokens is not None and requested_tokens != total:
            raise ConfigError(f"requested_tokens ({requested_tokens:,}) differs from the sum of the sources' "
                              f"target_tokens ({total:,}); leave it out", "requested_tokens")
        shares = [n / total if total else 0.0 for n in needed]
    else:
        if mode == "natural":
            grand = sum(available)
            shares = [a / grand if grand else 0.0 for a in available]
            total = requested_tokens if requested_tokens is not None else grand
        else:
            if requested_tokens is None:
                raise ConfigError("required when sources set target_ratio", "requested_tokens")
            shares = list(ratios or [])
            total = requested_tokens
        needed = [int(total * r) for r in shares]
        if mode == "natural" and requested_tokens is None:
            needed = list(available)  # everything once, with no rounding
    budgets = []
    for s, share, need, avail in zip(sources, shares, needed, available):
        usable = int(avail * s.max_source_fraction)
        budgets.append(Budget(s.source_name, share, need, avail, usable, int(usable * s.max_repetition_ratio)))
    return budgets, total


def check_feasible(budgets: list[Budget], mode: str) -> None:
    short = [b for b in budgets if b.needed > b.cap]
    if not short:
        return
    lines = [
        f"source '{b.name}' needs {b.needed:,} tokens but at most {b.cap:,} can be drawn ({b.available:,} available "
        f"x max_source_fraction -> {b.usable:,} usable, x max_repetition_ratio)"
        for b in short
    ]
    if mode == "tokens":
        scale = min(b.cap / b.needed for b in budgets if b.needed)
        best = sum(int(b.needed * scale) for b in budgets)
        lines.append(f"largest feasible budget with these proportions: {best:,} tokens in total "
                     f"({scale:.4f} x every target_tokens)")
    else:
        best = min(int(b.cap / b.ratio) for b in budgets if b.ratio > 0)
        lines.append(f"largest feasible requested_tokens with these ratios: {best:,}")
    raise InfeasibleMixError("infeasible mixture:\n  " + "\n  ".join(lines))


def check_repetition(name: str, max_copies: int, max_repetition_ratio: float) -> None:
    """The budget check counts tokens; whole documents may leave the usable pool short of
    ``available x max_source_fraction`` (a big document that does not fit), so meeting the budget can take
    more copies of a document than ``max_repetition_ratio`` allows. Refuse that instead of exceeding it."""
    allowed = math.ceil(max_repetition_ratio)
    if max_copies > allowed:
        raise InfeasibleMixError(
            f"infeasible mixture: source '{name}' would repeat documents {max_copies} times, more than "
            f"max_repetition_ratio {max_repetition_ratio:g} allows ({allowed}): the whole documents within "
            "max_source_fraction hold fewer tokens than the fraction, so the budget needs more passes; lower "
            "the request, or raise max_source_fraction or max_repetition_ratio")
