"""Length taggers with Unicode offsets (accents, CJK, emoji, combining marks)."""

from __future__ import annotations

TEXT = "Café au lait!\n\n  \n東京、日本 😀\nok"  # paragraphs: [0,14) [18,26) [26,28); len 28


def test_char_lengths(tag) -> None:
    assert tag("char_length_v1", TEXT) == {"length": [[0, 28, 28.0]]}
    assert tag("bytes_length_v1", "é😀") == {"bytes": [[0, 2, 6.0]]}
    assert tag("char_length_strip_ws_v1", "  a b \n") == {"length_no_ws": [[0, 7, 3.0]]}
    assert tag("char_length_with_paragraphs_v1", TEXT) == {
        "paragraph": [[0, 14, 14.0], [18, 26, 8.0], [26, 28, 2.0]],  # blank lines dropped
        "document": [[0, 28, 28.0]],
    }


def test_whitespace_tokenizer(tag) -> None:
    # runs: Café au lait ! | 東京 、 日本 😀 | ok ; each paragraph count is runs + 1
    assert tag("whitespace_tokenizer_with_paragraphs_v1", TEXT) == {
        "paragraph": [[0, 14, 5.0], [18, 26, 5.0], [26, 28, 2.0]],
        "document": [[0, 28, 12.0]],
    }
    # the whole text: 4 + 4 + 1 runs, plus one
    assert tag("whitespace_tokenizer_v1", TEXT) == {"length": [[0, 28, 10.0]]}
    # a combining accent is a word character for the `regex` package: "cafe\u0301" is one run
    assert tag("whitespace_tokenizer_v1", "cafe\u0301 x") == {"length": [[0, 7, 3.0]]}


def test_doc_count(tag) -> None:
    assert tag("doc_count_v1", "abc") == {"docs": [[0, 3, 1.0]]}
