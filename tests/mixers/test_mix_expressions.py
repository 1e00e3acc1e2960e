"""Filter expressions: JSONPath (own parser, Dolma's semantics, numbers as numbers) and jq (libjq, Dolma's
truthiness). Every expected value below is worked out from the documents by hand."""

from __future__ import annotations

import pytest

from dolma_tools.errors import ConfigError
from mixers.filters import DocFilter, attribute_names
from mixers.jq_expr import JqRuntimeError
from mixers.jsonpath import JsonPath, JsonPathSyntaxError

DOC = {
    "id": "d1",
    "text": "hello",
    "metadata": {"length": 600, "lang": "en"},
    "attributes": {
        "q__gopher__word_count": [[0, 5, 42]],  # an integer score
        "q__gopher__ratio": [[0, 5, 0.25]],
        "pii": {"too_much_pii": True, "email": [[0, 2, 0.8], [3, 4, 0.1]]},
        "toxicity": 0.9,
        "empty": [],
    },
}


@pytest.mark.parametrize(
    "expr, matches",
    [
        # filters on an object test the object itself (Dolma's jsonpath-rust semantics)
        ("$.metadata[?(@.length < 10000)]", True),
        ("$.metadata[?(@.length < 500)]", False),
        ("$.attributes[?(@.pii.too_much_pii == true)]", True),
        ("$.attributes[?(@.toxicity > 0.8)]", True),
        ("$.attributes[?(@.toxicity > 0.95)]", False),
        # numbers compare as numbers: an integer 42 satisfies >= 42.0 and == 42.0 (jsonpath-rust says no)
        ("$.attributes[?(@.q__gopher__word_count[0][2] >= 42.0)]", True),
        ("$.attributes[?(@.q__gopher__word_count[0][2] == 42.0)]", True),
        ("$.attributes[?(@.q__gopher__word_count[0][2] > 42)]", False),
        # Dolma's guarded form, and null safety: a missing attribute is no match, not an error
        ("$.attributes[?(@.q__gopher__ratio && @.q__gopher__ratio[0] && @.q__gopher__ratio[0][2] > 0.2)]", True),
        ("$.attributes[?(@.missing && @.missing[0] && @.missing[0][2] > 0.2)]", False),
        ("$.attributes[?(@.missing[0][2] > 0.2)]", False),
        ("$.attributes[?(@.empty[0][2] > 0.2)]", False),
        # existence guard alone: present-but-empty lists exist, their first element does not
        ("$.attributes[?(@.empty)]", True),
        ("$.attributes[?(@.empty[0])]", False),
        # boolean operators and parentheses
        ("$.attributes[?(@.toxicity > 0.95 || @.q__gopher__ratio[0][2] < 0.3)]", True),
        ("$.attributes[?(@.toxicity > 0.5 && !(@.q__gopher__ratio[0][2] < 0.3))]", False),
        ("$.attributes[?(!@.missing)]", True),
        # filters on an array test each element: the email spans with score > 0.5
        ("$.attributes.pii.email[?(@[2] > 0.5)]", True),
        ("$.attributes.pii.email[?(@[2] > 0.9)]", False),
        # plain paths, Dolma's "$@" root, recursive descent, string comparison and `in`
        ("$.attributes.pii.email", True),
        ("$@.attributes[?(@.toxicity > 0.8)]", True),
        ("$..too_much_pii", True),
        ("$..nowhere", False),
        ("$.metadata[?(@.lang == 'en')]", True),
        ("$.metadata[?(@.lang in ['de', 'fr'])]", False),
        ("$.metadata[?(@.lang ~= '^e')]", True),
    ],
)
def test_jsonpath_matches(expr: str, matches: bool) -> None:
    assert JsonPath(expr).matches(DOC) is matches


def test_jsonpath_select_follows_dolma_selector_shapes() -> None:
    assert JsonPath("$.attributes.pii.email").select(DOC) == [[0, 2, 0.8], [3, 4, 0.1]]
    assert JsonPath("$.attributes.nothing").select(DOC) is None
    assert JsonPath("$.attributes.pii.email[*][2]").select(DOC) == [0.8, 0.1]  # several matches: a list
    assert JsonPath("$.attributes.pii.email[-1]").select(DOC) == [3, 4, 0.1]
    assert JsonPath("$.attributes.pii.email[0:1]").select(DOC) == [0, 2, 0.8]
    assert JsonPath("$.attributes.pii.email.length()").select(DOC) == 2
    assert JsonPath("$['metadata']['length']").select(DOC) == 600


@pytest.mark.parametrize(
    "expr, where",
    [
        ("attributes.x", 0),  # no root
        ("$.attributes[?(@.x > )]", 21),
        ("$.attributes[?(@.x > 1]", 22),
        ("$.attributes[", 13),
    ],
)
def test_jsonpath_syntax_errors_point_at_the_problem(expr: str, where: int) -> None:
    with pytest.raises(JsonPathSyntaxError) as info:
        JsonPath(expr, key="streams[0].filter.exclude[1]")
    message = str(info.value)
    assert message.startswith("config key 'streams[0].filter.exclude[1]': invalid JSONPath")
    assert f"at position {where}" in message
    assert message.splitlines()[-1] == " " * 4 + " " * where + "^"


def test_referenced_attribute_names() -> None:
    exprs = [
        "$.attributes[?(@.a__b__c && @.a__b__c[0] && @.a__b__c[0][2] > 0.5)]",
        "$.attributes.pii.email",
        "$[?(@.attributes.toxicity > 0.1)]",
        "$.metadata[?(@.length < 3)]",
    ]
    assert attribute_names(exprs, "jsonpath") == ["a__b__c", "pii", "toxicity"]
    jq_exprs = [
        '(.attributes.x__y | if type == "array" then .[0][2] < 0.8 else false end)',
        ".attributes?.pii?.email?",
        '.attributes["dotted.name"][0][2] > 1',
    ]
    assert attribute_names(jq_exprs, "jq") == ["x__y", "pii", "dotted.name"]


def test_jq_filters_use_dolmas_truthiness() -> None:
    def keep(include: list[str], exclude: list[str]) -> bool:
        return DocFilter(include, exclude, "jq").keep(DOC)

    assert keep([".attributes.q__gopher__ratio[0][2] > 0.2"], [])
    assert not keep([".attributes.q__gopher__ratio[0][2] > 0.3"], [])
    # integer vs float: jq compares numbers as numbers
    assert keep([".attributes.q__gopher__word_count[0][2] >= 42.0"], [])
    # outputs are truthy when true, non-zero, non-empty: 0 and "" and [] are false (unlike jq's own rule)
    assert not keep([".attributes.empty"], [])
    assert not keep(["0"], []) and keep(["1"], []) and not keep(['""'], [])
    # an include needs every output truthy; an exclude drops the document if any output is truthy
    assert not keep([".attributes.pii.email[][2] > 0.5"], [])  # outputs true, false
    assert not keep([], [".attributes.pii.email[][2] > 0.5"])
    assert keep([], [".attributes.pii.email[][2] > 0.9"])
    # null-safe: missing attributes are null, null compares below numbers
    assert keep([], [".attributes.missing[0][2] > 0.5"])
    assert keep([], ['(.attributes.missing | if type == "array" and length > 0 then .[0][2] < 0.8 else false end)'])
    # no output at all: an include does not match, an exclude does not drop
    assert not keep(["empty"], []) and keep([], ["empty"])


def test_jq_errors_are_clear() -> None:
    with pytest.raises(ConfigError) as info:
        DocFilter([".x | sum"], [], "jq", key="streams[0].filter")
    assert "streams[0].filter.include[0]" in str(info.value) and "sum/0 is not defined" in str(info.value)
    flt = DocFilter([".attributes.toxicity[0] > 1"], [], "jq")
    with pytest.raises(JqRuntimeError) as err:
        flt.keep(DOC)
    assert ".attributes.toxicity[0] > 1" in str(err.value) and "Cannot index number" in str(err.value)
