"""Thresholds read from Dolma filter expressions (JSONPath and jq, by the mixer's parsers) for drawing on histograms."""

from __future__ import annotations

from dolma_tools.stats.thresholds import parse_thresholds, thresholds_of_filter


def test_jsonpath_forms():
    (t,) = parse_thresholds("$.attributes[?(@.exp__whitespace_tokenizer_with_paragraphs_v1__document[0][2] < 50)]",
                            "exclude")
    assert (t.key, t.op, t.value, t.drops, t.partial) == (
        "exp__whitespace_tokenizer_with_paragraphs_v1__document", "<", 50.0, "below", False)
    (t,) = parse_thresholds("$@.attributes[?(@.bff_duplicate_docs && @.bff_duplicate_docs[0] && "
                            "@.bff_duplicate_docs[0][2] >= 1.0)]", "exclude")
    assert (t.key, t.op, t.value, t.drops) == ("bff_duplicate_docs", ">=", 1.0, "above")
    (t,) = parse_thresholds("$.attributes[?(@['a__b__c'][0][2] > 0.5)]", "include")
    assert (t.key, t.drops, t.label()) == ("a__b__c", "below", "keep if > 0.5")


def test_jq_forms_number_first_and_compound_expressions():
    found = parse_thresholds('.attributes.x__y__z[0][2] > 0.5 and .attributes["a__b__c"][0][2] <= 3e2', "exclude")
    assert [(t.key, t.op, t.value, t.partial) for t in found] == [("x__y__z", ">", 0.5, True),
                                                                  ("a__b__c", "<=", 300.0, True)]
    (t,) = parse_thresholds("0.25 < .attributes.k__t__f[0][2]", "exclude")
    assert (t.key, t.op, t.value, t.drops) == ("k__t__f", ">", 0.25, "above")


def test_expressions_without_a_score_comparison_give_nothing():
    assert parse_thresholds("$.attributes[?(@['url__blocklist__url'] && !@['url__allow__url'])]", "exclude") == []
    assert parse_thresholds("$.metadata.length", "include") == []


def test_filter_keeps_include_and_exclude_apart():
    found = thresholds_of_filter(["$.attributes[?(@.a__b__c[0][2] >= 0.4)]"],
                                 ["$.attributes[?(@.a__b__c[0][2] > 0.9)]"], where="stream s")
    assert [(t.kind, t.drops, t.where) for t in found] == [("include", "below", "stream s"),
                                                           ("exclude", "above", "stream s")]


def test_negation_guards_and_other_conditions():
    # JSONPath `!`: the comparison that drops is the negated one
    (t,) = parse_thresholds("$.attributes[?(!(@.x__y__z[0][2] > 0.5))]", "exclude")
    assert (t.op, t.value, t.drops, t.partial) == ("<=", 0.5, "below", False)
    # jq existence guards of the same attribute are not other conditions; a guard of another attribute is
    (t,) = parse_thresholds(".attributes.d__e__f and .attributes.d__e__f[0][2] > 0.5", "exclude")
    assert (t.key, t.partial) == ("d__e__f", False)
    (t,) = parse_thresholds(".attributes.a__b__c and .attributes.d__e__f[0][2] > 0.5", "exclude")
    assert (t.key, t.partial) == ("d__e__f", True)
    (t,) = parse_thresholds("$.attributes[?(@.a__b__c && @.d__e__f[0][2] > 0.5)]", "exclude")
    assert (t.key, t.partial) == ("d__e__f", True)
    # a comparison of the document as a whole, not only of `$.attributes`
    (t,) = parse_thresholds("$[?(@.attributes.k__t__f[0][2] >= 2)]", "include")
    assert (t.key, t.op, t.value, t.partial) == ("k__t__f", ">=", 2.0, False)


def test_syntax_is_taken_from_the_filter_and_bad_expressions_give_nothing():
    found = thresholds_of_filter([], [".attributes.x__y__z[0][2] > 0.5"], syntax="jq")
    assert [(t.key, t.op) for t in found] == [("x__y__z", ">")]
    assert parse_thresholds("$.attributes[?(@.x__y__z[0][2] > )]", "exclude") == []  # JSONPath syntax error
    assert parse_thresholds(".attributes.x__y__z[0][2] > 0.5", "exclude", syntax="jsonpath") == []
    assert parse_thresholds("reduce .[] as $x (0; . + $x) > 3", "exclude") == []  # jq beyond the native subset
