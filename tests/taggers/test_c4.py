"""C4 taggers on hand-written texts."""

from __future__ import annotations

# lines: "Hello World." (12), "This has no end" (15), "İ am {x}" (8); len 37.
# "İ".lower() is "i̇" (two code points): Dolma's c4_v2 offsets are in the lowercased text (len 38).
TEXT = "Hello World.\nThis has no end\nİ am {x}"


def test_c4_v2_by_hand(tag) -> None:
    g = tag("c4_v2", TEXT)
    assert g == {
        "has_curly_brace": [[0, 37, 1.0]],
        "lines_with_too_few_words": [[0, 13, 1.0]],  # two words
        "lines_with_no_ending_punctuation": [[13, 29, 1.0], [29, 38, 1.0]],
        "line_count": [[0, 37, 3.0]],
    }


def test_c4_v1_by_hand(tag) -> None:
    g = tag("c4_v1", TEXT)
    assert g == {
        "lines_with_no_ending_punctuation": [[13, 29, 1.0], [29, 37, 1.0]],  # offsets in the original text
        "lines_with_too_few_words": [[0, 13, 1.0]],
        "has_curly_brace": [[0, 37, 1.0]],
        "line_count": [[0, 37, 3.0]],
    }


def test_c4_flags(tag) -> None:
    text = "Enable JavaScript now.\nThe alaskan pipeline!\nLorem ipsum dolor sit.\n"
    g = tag("c4_v2", text)
    assert {"has_javascript", "has_naughty_word", "has_lorem_ipsum"} <= set(g)
    # the text ends with a newline: the last (empty) line is a span of length 0
    assert g["lines_with_too_few_words"] == [[68, 68, 1.0]]  # 23 + 22 + 23 characters before it
    assert g["line_count"] == [[0, 68, 4.0]]
    # single naughty words must be whole words; phrases match anywhere
    assert "has_naughty_word" in tag("c4_v2", "an anus here.")
    assert "has_naughty_word" not in tag("c4_v2", "janus here.")
    # c4_v1 needs "javascript" as a whole word
    assert "has_javascript" not in tag("c4_v1", "use javascript-free pages.")
    assert "has_javascript" in tag("c4_v2", "use javascript-free pages.")
