#!/usr/bin/env python3
"""Write a small set of edge-case Dolma documents (stdlib only) for reference outputs.

    python3 make_edge_docs.py OUT.jsonl.gz

Covers empty / whitespace-only texts, newline handling (\\n, \\r\\n, trailing newlines, blank lines),
non-ASCII and non-BMP characters (offsets are code points in dolma's Python taggers), PII-looking
strings, bullets / ellipses / symbols for gopher and c4 rules, duplicate lines and paragraphs, and a
missing `source` field.
"""
import gzip
import json
import sys

TEXTS = [
    ("empty", ""),
    ("space", " "),
    ("newline", "\n"),
    ("newlines", "\n\n\n"),
    ("one_word", "hello"),
    ("one_line_nl", "Hello world.\n"),
    ("crlf", "First line here.\r\nSecond line here.\r\n\r\nThird paragraph."),
    ("blank_paragraphs", "Para one is here.\n\n\nPara two is here.\n\n"),
    ("tabs_spaces", "  leading spaces and\ttabs\t \n   \n trailing   "),
    ("unicode", "Café déjà vu — naïve façade. Ünïcödé “quotes” and ‘single’.\nZweite Zeile: Straße, Größe."),
    ("cjk", "这是一个中文句子。这里没有空格。\n日本語の文章です。"),
    ("emoji", "Emoji 😀 test 👍🏽 with flags 🇺🇸 and ZWJ 👨‍👩‍👧.\nContact: bob@example.com 😀"),
    ("pii", "Email me at john.doe@example.com or jane@mail.example.org today.\n"
            "Call (555) 123-4567 or 555.987.6543 now. Server at 192.168.1.20 and 10.0.0.1.\n"
            "Not an email: foo@bar, isbn 978-3-16-148410-0, doi 10.1000/182 #tag"),
    ("bullets_ellipsis", "• first bullet\n- second bullet\n* third\n‣ fourth\nAnd so on...\nTrailing ellipsis…\n"),
    ("symbols", "# heading ### more ...\n#### ##### ... … # # # ...\n{ code: 'x' } lorem ipsum {}"),
    ("dup_lines", "same line\nsame line\nsame line\ndifferent line\nsame line\n"),
    ("naughty", "This sentence mentions a naughty word: sex. Javascript must be enabled.\nlorem ipsum dolor sit amet."),
    ("c4_rules", "This line ends with punctuation.\nthis one does not\nToo few\nA line with a terms of use mention.\n"
                 "Please enable cookies to continue.\n{curly braces} in text."),
    ("long_word", "a" * 1200 + " short words here."),
    ("numbers", "1234 5678 9012 3456\n3.14159 2.71828 1e10\n(123) 456-7890"),
    ("repeat_ngrams", ("the quick brown fox jumps over the lazy dog " * 20).strip()),
]


def main(out: str) -> None:
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=6) as f:
        for i, (name, text) in enumerate(TEXTS):
            doc = {"id": f"edge-{i:02d}-{name}", "text": text, "source": "edge",
                   "added": "2024-01-01T00:00:00.000Z", "created": "2024-01-01T00:00:00.000Z",
                   "metadata": {"name": name, "length": len(text)}}
            if name == "one_word":
                del doc["source"]  # dolma's InputSpec defaults source to ""
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
