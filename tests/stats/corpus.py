"""A small hand-made corpus with every number worked out by hand (see the comments)."""

from __future__ import annotations

from pathlib import Path

from dolma_tools.io.jsonl import write_jsonl

# (id, text, source, url)
DOCS_A = [
    ("a1", "one two three", "web", "https://www.example.com/x"),    # 13 chars, 3 ws tokens
    ("a2", "alpha beta\ngamma", "web", "http://example.com/y"),      # 16 chars, 3
    ("a3", "hello", "books", None),                                  # 5, 1
    ("a4", "x y z w", "web", "https://news.test.org/a"),             # 7, 4
    ("a5", "", "books", None),                                       # 0, 0
    ("a6", "one two three", "web", "https://www.example.com/x"),    # 13, 3 (duplicate of a1)
]
DOCS_B = [
    ("b1", "bonjour le monde", "web", "https://fr.example.fr/"),    # 16, 3
    ("b2", "lorem ipsum dolor sit", "code", "https://github.com/x"),  # 21, 4
    ("b3", "alpha beta\ndelta", "web", "https://example.com/z"),     # 16, 3 (first line duplicates a2's)
    ("b4", "hello", "books", None),                                  # 5, 1 (duplicate of a3)
]

# by hand
DOCUMENTS = 10
CHARACTERS = 13 + 16 + 5 + 7 + 0 + 13 + 16 + 21 + 16 + 5  # 112
WS_TOKENS = 3 + 3 + 1 + 4 + 0 + 3 + 3 + 4 + 3 + 1  # 25
# the mixer's unit, ceil(UTF-8 bytes / 4), which a report covering a mix counts in
APPROX_TOKENS = {"a1": 4, "a2": 4, "a3": 2, "a4": 2, "a5": 0, "a6": 4, "b1": 4, "b2": 6, "b3": 4, "b4": 2}  # 32
BY_SOURCE_DOCS = {"web": 6, "books": 3, "code": 1}
BY_SOURCE_CHARS = {"web": 13 + 16 + 7 + 13 + 16 + 16, "books": 5 + 0 + 5, "code": 21}
BY_DOMAIN_DOCS = {"example.com": 4, "(no url)": 3, "news.test.org": 1, "fr.example.fr": 1, "github.com": 1}
DUPLICATE_DOCS = 2  # a6 and b4 are wholly duplicated
DUPLICATE_CHARS = 13 + 5 + 10  # a6, b4, and b3's first line
LANGUAGES = {"en": 7, "fr": 1, "und": 1}  # a5 (empty) has no language spans; b2's best score is 0.4

LANG = {  # per document: {language: score}
    "a1": {"en": 0.9}, "a2": {"en": 0.9}, "a3": {"en": 0.9}, "a4": {"en": 0.9}, "a5": {}, "a6": {"en": 0.9},
    "b1": {"fr": 0.95, "en": 0.03}, "b2": {"la": 0.4, "en": 0.3}, "b3": {"en": 0.8}, "b4": {"en": 0.6},
}
DUP_DOCS = {"a6": [[0, 13, 1.0]], "b4": [[0, 5, 1.0]]}
DUP_PARAGRAPHS = {"a6": [[0, 13, 1.0]], "b3": [[0, 10, 1.0]]}

LENGTH_KEY = "len__char_length_v1__length"
PARAGRAPH_KEY = "para__paras__paragraph"
LANG_KEYS = [f"lang__ft_lang_id_doc_v1__{x}" for x in ("en", "fr", "la")]


def _paragraph_spans(text: str) -> list[list]:
    spans, start = [], 0
    for line in text.split("\n"):
        if line:
            spans.append([start, start + len(line), float(len(line))])
        start += len(line) + 1
    return spans


def write_corpus(root: Path) -> dict[str, Path]:
    """documents/{a.jsonl.gz,b.jsonl} and attributes/{len,para,dedup,lang}/ next to them."""
    files = {}
    for name, docs in (("a.jsonl.gz", DOCS_A), ("b.jsonl", DOCS_B)):
        rows = [{"id": i, "text": t, "source": s, **({"metadata": {"url": u}} if u else {})} for i, t, s, u in docs]
        files[name] = root / "documents" / name
        write_jsonl(str(files[name]), rows)
        attrs = {
            "len": [{LENGTH_KEY: [[0, len(t), float(len(t))]]} for _, t, _, _ in docs],
            "para": [{PARAGRAPH_KEY: _paragraph_spans(t)} for _, t, _, _ in docs],
            "dedup": [{"bff_duplicate_docs": DUP_DOCS.get(i, []),
                       "bff_duplicate_paragraph_spans": DUP_PARAGRAPHS.get(i, [])} for i, _, _, _ in docs],
            "lang": [{f"lang__ft_lang_id_doc_v1__{k}": [[0, len(t), v]] for k, v in LANG[i].items()}
                     for i, t, _, _ in docs],
        }
        for exp, values in attrs.items():
            rows = [{"id": d[0], "attributes": a, "source": d[2]} for d, a in zip(docs, values)]
            write_jsonl(str(root / "attributes" / exp / name), rows)
    return files
