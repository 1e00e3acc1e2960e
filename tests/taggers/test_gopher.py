"""Gopher taggers on hand-written texts; every expected value below was worked out by hand."""

from __future__ import annotations

# 3 lines; words: The cat sat. The cat sat. * #tag and more…  (lengths 3 3 4 3 3 4 1 4 3 5 = 33 chars)
TEXT = "The cat sat.\nThe cat sat.\n* #tag and more…"  # len 12 + 1 + 12 + 1 + 16 = 42


def doc_values(grouped: dict) -> dict[str, float]:
    out = {}
    for field, spans in grouped.items():
        assert len(spans) == 1
        start, end, score = spans[0]
        out[field] = score
    return out


def test_gopher_v1_by_hand(tag) -> None:
    g = tag("gopher_v1", TEXT)
    assert all(spans[0][:2] == [0, 42] for spans in g.values())
    v = doc_values(g)
    assert v == {
        # bigram "The cat" twice: 2 * 6 / 33; trigram "The cat sat." twice: 2 * 10 / 33;
        # every 4-gram is unique, so the first one counts: (3+3+4+3) / 33
        "fraction_of_characters_in_most_common_2grams": 0.36364,
        "fraction_of_characters_in_most_common_3grams": 0.60606,
        "fraction_of_characters_in_most_common_4grams": 0.39394,
        **{f"fraction_of_characters_in_duplicate_{n}grams": 0.0 for n in range(5, 11)},
        "character_count": 42.0,
        "word_count": 10.0,
        "median_word_length": 3.0,  # sorted 1 3 3 3 3 | 3 4 4 4 5
        "symbol_to_word_ratio": 0.2,  # "#tag" and "more…"
        "fraction_of_words_with_alpha_character": 0.9,  # all but "*"
        "required_word_count": 1.0,  # "and" ("The" is capitalised)
        "fraction_of_lines_starting_with_bullet_point": 0.33333,
        "fraction_of_lines_ending_with_ellipsis": 0.33333,
        "fraction_of_duplicate_lines": 0.66667,  # both copies of "The cat sat." count
        "fraction_of_characters_in_duplicate_lines": 0.72727,  # 2 * 12 / 33
    }


def test_gopher_v1_unicode_and_python_whitespace(tag) -> None:
    # U+001F is whitespace for Python's str.split() (not for Rust's char::is_whitespace)
    text = "café\x1f東京 😀"  # words: café(4) 東京(2) 😀(1) = 7 chars; len 9
    v = doc_values(tag("gopher_v1", text))
    assert v["character_count"] == 9.0
    assert v["word_count"] == 3.0
    assert v["median_word_length"] == 2.0
    assert v["fraction_of_words_with_alpha_character"] == 0.66667  # the emoji is not a letter
    assert v["fraction_of_characters_in_most_common_2grams"] == 0.85714  # first bigram: 6 / 7
    assert v["fraction_of_characters_in_most_common_3grams"] == 1.0
    assert "fraction_of_characters_in_most_common_4grams" not in v  # only 3 words


def test_gopher_v1_empty_text(tag) -> None:
    g = tag("gopher_v1", "")
    assert g["character_count"] == [[0, 0, 0.0]]
    assert not any(k.endswith("grams") for k in g)  # no n-gram fields without words


TEXT2 = "one two\none two\n\nthree four..."  # len 7+1+7+1+1+13 = 30; words 3 3 3 3 5 7 = 24 chars


def test_gopher_v2_paper_definitions(tag) -> None:
    v = doc_values(tag("gopher_v2", TEXT2))
    assert v["mean_word_length"] == 4.0  # 24 / 6
    assert "median_word_length" not in v
    assert v["ellipsis_to_word_ratio"] == 0.16667  # "..." once in 6 words
    assert v["hash_to_word_ratio"] == 0.0
    assert v["symbol_to_word_ratio"] == 0.16667
    # non-empty lines: "one two", "one two", "three four..."; the second copy is the duplicate
    assert v["fraction_of_duplicate_lines"] == 0.33333
    assert v["fraction_of_characters_in_duplicate_lines"] == 0.23333  # 7 / 30
    assert v["fraction_of_lines_ending_with_ellipsis"] == 0.33333
    assert v["fraction_of_duplicate_paragraphs"] == 0.0  # "one two\none two" and "three four..."
    assert v["fraction_of_characters_in_most_common_2grams"] == 0.5  # "one two" twice: 12 / 24
    assert v["fraction_of_characters_in_most_common_3grams"] == 0.375  # unique: first, 9 / 24
    assert v["fraction_of_characters_in_duplicate_5grams"] == 0.0


def test_gopher_v2_duplicate_ngrams_counted_once(tag) -> None:
    # "a b c d e" twice: every word is covered by a repeated 5-gram -> 1.0 (Dolma counts overlaps: also 1.0
    # here); "x" breaks the second copy's 6-grams.
    v = doc_values(tag("gopher_v2", "a b c d e a b c d e x"))
    # 5-grams at 0 and 5 repeat and cover words 0..9: 10 of 11 characters
    assert v["fraction_of_characters_in_duplicate_5grams"] == 0.90909
    assert v["fraction_of_characters_in_duplicate_6grams"] == 0.0


def test_gopher_rules_v1(tag) -> None:
    g = tag("gopher_rules_v1", TEXT2)
    v = doc_values(g)
    assert v["word_count"] == 0.0  # 6 words < 50
    assert v["mean_word_length"] == 1.0  # 4.0 is within [3, 10]
    assert v["stop_words"] == 0.0  # none of the, be, to, of, and, that, have, with
    assert v["ellipsis_lines"] == 0.0  # 1/3 > 0.3
    assert v["top_2gram"] == 0.0  # 0.5 > 0.2
    assert v["pass"] == 0.0
    good = " ".join(["the quick brown fox jumps over a lazy dog and then sleeps with a cat"] * 1)
    text = " ".join(f"{w}{i}" if w not in ("the", "and", "with") else w for i, w in enumerate((good + " ") .split() * 5))
    v = doc_values(tag("gopher_rules_v1", text))
    assert v["word_count"] == 1.0 and v["stop_words"] == 1.0 and v["top_2gram"] == 1.0
