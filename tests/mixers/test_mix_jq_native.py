"""The native jq evaluator gives libjq's results (outputs, or an error) on the expressions mixer configs use."""

from __future__ import annotations

import jq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mixers.jq_native import Unsupported, compile_native

EXPRESSIONS = [
    ".", ".text", ".attributes", ".attributes.x", ".attributes.x[0][2]", ".attributes.x[-1]", ".attributes?.y?.z?",
    '.attributes["x"][0]', '."attributes"."x"', ".attributes.x[1:]", ".attributes.x[:1]", ".attributes.x[]",
    ".attributes.x[][2]", "[.attributes.x[][2]]", "[.attributes.x[][2]] | add", ".attributes.x | length",
    ".attributes.x[0][2] > 0.5", ".attributes.x[0][2] >= 1", ".attributes.x[0][2] == 1.0", ".attributes.x != null",
    ".attributes.missing[0][2] > 0.5", ".attributes.missing | length", "(.attributes.x | length) > 0",
    '(.attributes.x | if type == "array" and length > 0 and .[0] != null and .[0][2] != null then .[0][2] < 0.8 else false end)',
    '.attributes.x | if type == "array" then "a" elif type == "null" then "n" else "o" end',
    "(.attributes.x | length == 0) or ((.attributes.x | map(.[2] * (.[1] - .[0])) | add) / (.text | length) <= 0.3)",
    ".attributes.x | map(.[2]) | max", ".attributes.x | map(.[2]) | min", ".attributes.x | map(.[2]) | sort",
    ".attributes.x | any(.[2] > 0.5)", ".attributes.x | all(.[2] > 0.5)", ".attributes.x | map(.[2] > 0.5) | any",
    ".attributes | keys", '.attributes | has("x")', ".attributes.x | first", ".attributes.x | last",
    ".attributes.x[] | select(.[2] > 0.5) | .[0]", ".attributes.n // 7", ".attributes.x[0][2] // 7",
    "(.attributes.n, 1, .attributes.x[0][2]) // 9", "[.attributes.x[]?]", ".text | test(\"b+\")",
    '.text | startswith("a")', ".text | ascii_downcase", ".text | utf8bytelength", ".text | split(\" \")",
    ".attributes.n | not", "(true, false) and (true, false)", "(false, null, 1) or (false, true)",
    "[(1, 2) + (10, 20)]", "1 - 0.25 * 2 / 4 % 3", "-.attributes.x[0][2]", "[.attributes.x[][1] | . % 2]",
    ".attributes.x | tostring", ".attributes.num | tostring | tonumber", "[.attributes.x[] | .[0]] | join(\",\")",
    "try .text.foo", ".text.foo?", "[.attributes[] | type]", ".attributes.x | reverse", ".attributes.x | contains([[0]])",
    "empty", "[empty]", ".attributes.x | values", "[.attributes.x[2:][0]]", ".attributes.num | floor",
    # errors (both must fail)
    ".text.foo", ".attributes.x[0][2] + \"s\"", ".attributes.num[0]", ".attributes.n[]", "true | length",
    "1 / 0", ".attributes.num | keys",
]

DOCS = [
    {"text": "abbc d", "attributes": {"x": [[0, 3, 0.7], [3, 5, 1]], "n": None, "num": 3.7, "flag": True}},
    {"text": "", "attributes": {"x": [], "n": None, "num": -2, "flag": False}},
    {"text": "Zz", "attributes": {"x": [[1, 4, 1.0]], "num": 0}},
    {"text": "q", "attributes": {}},
]


def _libjq(expr: str, doc: object) -> tuple[str, object]:
    try:
        return "ok", jq.compile(expr).input_value(doc).all()
    except ValueError:
        return "error", None


def _native(expr: str, doc: object) -> tuple[str, object]:
    try:
        return "ok", compile_native(expr)(doc)
    except Exception as exc:  # JqError; anything else would be a bug and fails the comparison
        return "error", type(exc).__name__


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_native_matches_libjq(expr: str) -> None:
    compile_native(expr)  # every expression above is in the native subset
    for doc in DOCS:
        expected = _libjq(expr, doc)
        got = _native(expr, doc)
        assert got[0] == expected[0], (expr, doc, got, expected)
        if got[0] == "ok":
            assert got[1] == expected[1], (expr, doc)
        else:
            assert got[1] == "JqError"


@pytest.mark.parametrize("expr", [
    ". as $x | $x", "reduce .[] as $x (0; . + $x)", "{a: 1}", '"\\(.text)"', "..", "def f: 1; f", ".a = 1",
    "@base64", "$__loc__", "try .a catch 1", "input", "limit(1; .[])",
])
def test_everything_else_is_left_to_libjq(expr: str) -> None:
    with pytest.raises(Unsupported):
        compile_native(expr)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-2, 2, allow_nan=False).map(lambda f: round(f, 2))
    | st.text("ab", max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["x", "y"]), inner, max_size=2),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(value=json_values)
def test_ordering_and_arithmetic_agree_on_random_values(value: object) -> None:
    doc = {"v": value, "w": [value, 1, "a", None]}
    for expr in (".v < .w", ".v == .w[0]", "[.w[] | . > 0]", ".w | sort", ".w | max", ".v | length? ",
                 "[.v | type]", ".v // \"d\"", "[.v[]?]", ".v | tostring", ".v + .v", "[.v | not]"):
        assert _native(expr, doc) == _libjq(expr, doc) or (_native(expr, doc)[0] == _libjq(expr, doc)[0] == "error"), \
            (expr, doc)
