"""``RELIABILITY.md`` is the rendering of the catalogue the suite runs, and every test it names exists."""

from __future__ import annotations

import ast
from pathlib import Path

from .catalogue import ALL_GROUPS, FIXES
from .render import TARGET, render

HERE = Path(__file__).resolve().parent


def _test_functions(module: str) -> set[str]:
    tree = ast.parse((HERE / module).read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_reliability_md_is_up_to_date() -> None:
    assert TARGET.read_text() == render(), "RELIABILITY.md is stale: run python tests/reliability/render.py"


def test_every_test_named_in_the_catalogue_exists_and_every_test_is_named() -> None:
    named: dict[str, set[str]] = {}
    for group in ALL_GROUPS:
        if group.test.endswith(("/", "::")):  # one case per test function
            for case in group.cases:
                module, _, function = (group.test.split("/")[-1] + case.id).rpartition("::")
                named.setdefault(module, set()).add(function)
        else:  # one parametrized test per group
            module, _, function = group.test.split("/")[-1].rpartition("::")
            named.setdefault(module, set()).add(function)
    for module, functions in named.items():
        assert functions == _test_functions(module), module
    for _, test in FIXES:
        module, _, function = test.partition("::")
        assert function.split("[")[0] in _test_functions(module), test

