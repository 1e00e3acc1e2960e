from dolma_tools import BaseTagger, DocResult, Document, Span, add_tagger
from dolma_tools.documents import attribute_key, attribute_row, group_spans, make_variable_name, round_score


def test_attribute_key_sanitises_every_part():
    assert attribute_key("exp-1", "my.tagger", "field name") == "exp_1__my_tagger__field_name"


def test_variable_name_rejects_leading_digit():
    import pytest

    with pytest.raises(ValueError):
        make_variable_name("1abc")


def test_scores_are_rounded_to_five_decimals():
    assert round_score(0.123456789) == 0.12346
    assert Span(0, 3, "x", 2 / 3).to_value() == [0, 3, 0.66667]


def test_group_spans_keeps_emission_order_and_defaults():
    spans = [Span(0, 1, "b", 1), Span(1, 2, "a", 0.5), Span(2, 3, "b", 2)]
    grouped = group_spans(spans, defaults=["c"])
    assert grouped == {"c": [], "b": [[0, 1, 1.0], [2, 3, 2.0]], "a": [[1, 2, 0.5]]}


def test_span_from_attribute_splits_key():
    s = Span.from_attribute("exp__tagger__field__with__more", [1, 4, 0.5])
    assert (s.experiment, s.tagger, s.type, s.start, s.end, s.score) == ("exp", "tagger", "field__with__more", 1, 4, 0.5)


def test_code_point_offsets_select_the_right_text():
    doc = Document(id="1", text="héllo 🌍 wörld")
    # 'wörld' starts after "héllo " (6 code points) + "🌍 " (2 code points)
    span = Span(8, 13, "word")
    assert span.select(doc) == "wörld"


def test_document_round_trip_preserves_unknown_fields():
    row = {"id": "a", "text": "t", "source": "s", "metadata": {"url": "u"}, "custom": [1, 2], "added": "x"}
    doc = Document.from_json(row)
    assert doc.to_json() == {"id": "a", "text": "t", "source": "s", "added": "x", "metadata": {"url": "u"},
                             "custom": [1, 2]}


def test_attribute_row_field_order_matches_dolma():
    assert list(attribute_row("i", "s", {})) == ["id", "attributes", "source"]


def test_plugin_contract_importable_from_top_package():
    @add_tagger("test_contract_tagger")
    class _T(BaseTagger):
        def predict(self, doc):
            return DocResult(doc=doc, spans=[Span(start=0, end=len(doc.text), type="n", score=len(doc.text))])

    res = _T().predict_batch([Document(id="1", text="abc")])
    assert _T().group_output(res[0]) == {"n": [[0, 3, 3.0]]}
