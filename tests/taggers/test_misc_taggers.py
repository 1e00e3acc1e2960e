"""Toxicity, repetitions, FineWeb, URL blocklist, code and token-count taggers on hand-written texts."""

from __future__ import annotations

import pytest

from dolma_tools.errors import ConfigError


def test_profanity_document_and_sentences(tag) -> None:
    polite = "Thank you for the lovely dinner."  # 32 characters
    rude = "You are a fucking idiot!"  # 24 characters
    g = tag("profanity_sentence_v1", f"{polite} {rude}")
    assert [s[:2] for s in g["sentence"]] == [[0, 32], [33, 57]]
    assert g["sentence"][0][2] < 0.5 < g["sentence"][1][2]
    assert g["document_max"] == [[0, 57, g["sentence"][1][2]]]
    assert tag("profanity_doc_v1", polite)["profanity"][0][2] < 0.5
    assert tag("profanity_sentence_v1", "") == {"sentence": [], "document_max": [[0, 0, 0.0]]}


def test_repetitions(tag) -> None:
    g = tag("repetitions_v2", "xx abababab yy")
    assert g == {
        "repetition": [[3, 11, 4.0]],  # "ab" four times
        "doc_max_score_repetition": [[0, 14, 4.0]],
        "doc_max_length_repetition": [[0, 14, 8.0]],
        "doc_frac_repetition": [[0, 14, 0.57143]],  # 8 / 14
    }
    # "é😀" repeated, then a newline: code-point offsets; per-paragraph search gives the same span
    assert tag("paragraph_repetitions_v2", "a\né😀é😀é😀é😀\n")["repetition"] == [[2, 10, 4.0]]
    assert "repetition" not in tag("repetitions_v2", "no repeats here")
    # whitespace-only units (indentation) are not repetitions
    assert "repetition" not in tag("repetitions_v2", "if x:\n        y")


def test_fineweb(tag) -> None:
    # non-blank lines: "A short line." (13), "Another one here" (16), "A short line." (13)
    text = "A short line.\nAnother one here\n\nA short line."
    g = tag("fineweb_v1", text)
    v = {k: s[0][2] for k, s in g.items()}
    assert v["line_punct_ratio"] == 0.66667  # 2 of 3 lines end with "."
    assert v["short_line_ratio"] == 1.0  # every line <= 30 characters
    assert v["char_duplicates_ratio"] == 0.30952  # 13 / (45 - 3 newlines)
    assert v["new_line_ratio"] == 0.33333  # 3 newlines / 9 words
    assert v["line_punct_pass"] == 1.0 and v["short_line_pass"] == 0.0 and v["pass"] == 0.0
    assert tag("fineweb_v1", "")["pass"] == [[0, 0, 0.0]]


def test_url_blocklist(tag, run, tmp_path) -> None:
    blocklist = tmp_path / "block.txt"
    blocklist.write_text("# comment\nbad.com\n0.0.0.0 ads.example\n||tracker.org^\ngood.com/private\n")
    opts = {"blocklist": str(blocklist)}
    urls = ["http://www.bad.com/x", "https://sub.bad.com", "http://notbad.com", "ads.example:80/p",
            "https://good.com/private/a", "https://good.com/privateer", "http://TRACKER.org", ""]
    out = run("url_blocklist_v1", ["text"] * len(urls), opts, [{"url": u} for u in urls])
    assert [bool(g) for g in out] == [True, True, False, True, True, False, True, False]
    assert out[0] == {"url": [[0, 4, 1.0]]}
    with pytest.raises(ConfigError, match="needs a blocklist"):
        tag("url_blocklist_v1", "x")


def test_code_secrets(tag) -> None:
    text = 'key = "AKIAIOSFODNN7EXAMPLE"\npassword = "hunter2hunter2"\ntoken = "xxxxxxxxxx"\n'
    g = tag("code_secrets_v2", text)
    assert g["SECRET_AWS_Access_Key"] == [[7, 27, 1.0]]
    assert g["SECRET_Assigned_Secret"] == [[41, 55, 1.0]]  # the value only; "token" is not a secret name here
    assert g["doc"] == [[0, 78, 0.22222]]  # lines of 28, 27 and 20 characters plus 3 newlines; 2 secrets / 9 words


def test_code_copyright(tag) -> None:
    g = tag("code_copyright_comments_v1", "/* Copyright 2024 ACME */\nint x;")
    assert g == {"copyright_notice": [[0, 25, 1.0]], "doc": [[0, 32, 0.8125]]}  # (25 + 1) / 32
    # no block comment: the leading comment lines (Dolma counts 1 per empty line, no other newline)
    g = tag("code_copyright_comments_v1", "# MIT License\n# x\n\nimport os")
    assert g == {"comment_block": [[0, 17, 1.0]], "doc": [[0, 28, 0.64286]]}  # 13 + 3 + 1; (17 + 1) / 28
    assert tag("code_copyright_comments_v1", "/* just code */ x") == {"doc": [[0, 17, 0.0]]}


@pytest.fixture(scope="module")
def word_tokenizer(tmp_path_factory) -> str:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(["hello world again", "hello there"], trainers.WordLevelTrainer(special_tokens=["[UNK]"]))
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    tok.save(str(path))
    return str(path)


def test_token_counts(tag, word_tokenizer: str) -> None:
    # Whitespace pre-tokenizer: "Hello", "world", ",", "again" -> 4 tokens; "ça va" -> 2 (unknown words)
    g = tag("tokenizer_count_v1", "Hello world, again\n\nça va", {"tokenizer": word_tokenizer, "paragraphs": True})
    assert g == {"tokens": [[0, 25, 6.0]], "paragraph": [[0, 19, 4.0], [20, 25, 2.0]]}
    with pytest.raises(ConfigError, match="tokenizer JSON"):
        tag("tokenizer_count_v1", "x", {"tokenizer": "/nonexistent/tokenizer.json"})


def test_token_counts_with_dolma_fixture_tokenizer(tag) -> None:
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "dolma" / "data" / "tokenizer" / "gpt-neo-test-tokenizer.json"
    assert fixture.exists(), f"{fixture}: the tests read Dolma's fixtures from ../shared in place"
    g = tag("tokenizer_count_v1", "Hello world", {"tokenizer": str(fixture)})
    assert g["tokens"][0][:2] == [0, 11] and g["tokens"][0][2] >= 2


def test_repetitions_on_input_that_makes_backtracking_explode(tag) -> None:
    # Dolma's (.+?)(\s?\1){3,} takes quadratic-or-worse time on long runs without a repeat; ours is linear
    text = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(20_000)) + "ab" * 3
    g = tag("repetitions_v2", text)
    assert "repetition" not in g and g["doc_frac_repetition"] == [[0, 20_006, 0.0]]
