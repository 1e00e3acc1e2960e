"""Span replacement (Dolma's semantics). Offsets and results are worked out by hand on short texts."""

from __future__ import annotations

import pytest

from mixers.spans import SpanError, SpanReplacer, replace_spans

TEXT = "0123456789abcdefghij"  # 20 code points: easy offsets


@pytest.mark.parametrize(
    "spans, expected",
    [
        ([], TEXT),
        ([(2, 4, "")], "01456789abcdefghij"),
        ([(2, 4, ""), (6, 8, "")], "014589abcdefghij"),
        ([(6, 8, ""), (2, 4, "")], "014589abcdefghij"),  # order of the rules does not matter
        ([(2, 4, "<{}>")], "01<23>456789abcdefghij"),  # {} is the original span text
        ([(2, 4, "[{}|{}]")], "01[23|23]456789abcdefghij"),
        ([(2, 4, "X"), (4, 6, "Y")], "01XY6789abcdefghij"),  # adjacent spans are both applied
        ([(2, 6, "X"), (4, 8, "Y")], "01X6789abcdefghij"),  # a span starting inside a replaced one is skipped
        ([(2, 10, "X"), (4, 6, "Y")], "01Xabcdefghij"),  # nested: the outer one wins
        ([(18, 25, "")], "0123456789abcdefgh"),  # past the end: cut at the end of the text
        ([(5, 5, "Z")], TEXT),  # empty spans are ignored
        ([(30, 32, "Z")], TEXT),  # spans starting beyond the text are ignored
    ],
)
def test_replace_spans(spans, expected) -> None:
    assert replace_spans(TEXT, spans) == expected


def test_offsets_are_code_points_not_bytes() -> None:
    text = "héllo wörld ☃ end"
    # "wörld" is code points 6..11 (6 bytes in UTF-8)
    assert replace_spans(text, [(6, 11, "<{}>")]) == "héllo <wörld> ☃ end"


def test_score_range_is_min_inclusive_max_exclusive() -> None:
    doc = {"text": TEXT, "attributes": {"pii": [[0, 1, 0.5], [2, 3, 0.7], [4, 5, 0.9], [6, 7, 0.49]]}}
    rep = SpanReplacer("$.attributes.pii", "#", min_score=0.5, max_score=0.9)
    assert rep.find(doc) == [(0, 1, "#"), (2, 3, "#")]
    assert SpanReplacer("$.attributes.pii", "#", min_score=0.5).find(doc) == [(0, 1, "#"), (2, 3, "#"), (4, 5, "#")]
    assert SpanReplacer("$.attributes.missing", "#", min_score=0.5).find(doc) == []


def test_jq_selectors_and_dynamic_replacement() -> None:
    doc = {"text": TEXT, "label": "L", "attributes": {"pii": {"email": [[2, 4, 1]]}}}
    rep = SpanReplacer(".attributes?.pii?.email?", "$.label", min_score=0.5, syntax="jq")
    assert replace_spans(TEXT, rep.find(doc)) == "01L456789abcdefghij"
    assert SpanReplacer(".attributes?.nothing?.email?", "", syntax="jq").find(doc) == []


def test_malformed_spans_raise() -> None:
    with pytest.raises(SpanError, match="expected a list"):
        SpanReplacer("$.attributes.x", "").find({"attributes": {"x": 0.5}})
    with pytest.raises(SpanError, match="integer offsets"):
        SpanReplacer("$.attributes.x", "").find({"attributes": {"x": [[0, "a", 1.0]]}})
