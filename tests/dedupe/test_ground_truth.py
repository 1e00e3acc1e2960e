"""Planted duplicates from make_corpus.py are found; keep-first holds in canonical order."""

from __future__ import annotations

from pathlib import Path

from dolma_tools._rust import bloom_optimal_shape

from .helpers import attributes, dedupe, doc_args, documents, ground_truth, para_args, paragraph_spans


def _canonical_groups(groups: dict[str, list[str]], order: dict[str, int]) -> list[list[str]]:
    return [sorted([first, *copies], key=order.__getitem__) for first, copies in groups.items()]


def test_exact_document_dedupe_finds_every_planted_duplicate(corpus: Path, planted_corpus: Path):
    assert dedupe(*doc_args(corpus, rate=0.001), "--processes", "2") == 0
    docs, attrs = documents(corpus), attributes(corpus, "dup")
    assert [a["id"] for a in attrs] == [d["id"] for d in docs]
    order = {d["id"]: i for i, d in enumerate(docs)}
    marked = {a["id"] for a in attrs if a["attributes"].get("dup")}

    planted = _canonical_groups(ground_truth(planted_corpus)["exact_duplicates"], order)
    assert len(planted) > 50
    for group in planted:
        assert set(group[1:]) <= marked, f"planted copies of {group[0]} not all marked"

    # oracle: a document is a duplicate iff its text occurred earlier in canonical order
    seen: set[str] = set()
    first_occurrences = 0
    for d, a in zip(docs, attrs):
        expected = d["text"] in seen
        seen.add(d["text"])
        first_occurrences += not expected
        if expected:
            assert a["attributes"] == {"dup": [[0, len(d["text"]), 1]]}  # one span over the whole text
    false_positives = sum(1 for d in docs if d["id"] in marked) - (len(docs) - first_occurrences)
    assert false_positives <= 0.001 * first_occurrences  # within the configured rate (here: none)
    assert {d["id"] for d in docs if d["id"] in marked} == {d["id"] for i, d in enumerate(docs)
                                                           if d["text"] in {x["text"] for x in docs[:i]}}


def test_false_positives_stay_within_a_measurable_configured_rate(corpus: Path):
    """A filter sized (by bytes) for a 5% rate at the corpus' distinct texts: false positives happen, but no
    more than the rate allows, and no true duplicate is ever missed."""
    docs = documents(corpus)
    distinct = len({d["text"] for d in docs})
    bits, _ = bloom_optimal_shape(distinct, 0.05)
    args = doc_args(corpus, count=distinct, rate=0.05) + ["--bloom_filter.size_in_bytes", str(bits // 8)]
    assert dedupe(*args) == 0
    seen: set[str] = set()
    fp = fn = 0
    for d, a in zip(docs, attributes(corpus, "dup")):
        dup, marked = d["text"] in seen, bool(a["attributes"].get("dup"))
        seen.add(d["text"])
        fp += marked and not dup
        fn += dup and not marked
    assert fn == 0
    # the rate grows to 5% as the filter fills; over the run it averages well below that
    assert 0 < fp <= 0.05 * distinct


def test_paragraph_dedupe_marks_exactly_the_repeated_paragraphs(corpus: Path, planted_corpus: Path):
    assert dedupe(*para_args(corpus), "--processes", "2") == 0
    docs, attrs = documents(corpus), attributes(corpus, "para")
    seen: set[str] = set()
    for d, a in zip(docs, attrs):
        expected = []
        for start, end, p in paragraph_spans(d["text"]):
            if p in seen:
                expected.append([start, end, 1])
            seen.add(p)
        if d["text"]:
            assert a["attributes"] == {"para": expected}, d["id"]
        else:
            assert a["attributes"] == {}

    # the planted boilerplate (site headers and license footers): every use but the very first is marked
    templates = ground_truth(planted_corpus)["boilerplate"].values()
    lines = {line for t in templates for line in [*t["header"], *t["footer"]]}
    users = {doc_id for t in templates for doc_id in t["doc_ids"]}
    first_use: dict[str, tuple[int, int]] = {}
    checked = 0
    for i, (d, a) in enumerate(zip(docs, attrs)):
        marked = {(s, e) for s, e, _ in a["attributes"].get("para", [])}
        for j, (start, end, p) in enumerate(paragraph_spans(d["text"])):
            if p not in lines:
                continue
            if p not in first_use:
                first_use[p] = (i, j)
            elif d["id"] in users:
                assert (start, end) in marked, (d["id"], p)
                checked += 1
    assert checked > 50


def test_minhash_finds_planted_near_duplicates(corpus: Path, planted_corpus: Path):
    assert dedupe("--documents", str(corpus / "documents" / "*.jsonl.gz"), "--dedupe.minhash.attribute_name", "near",
                  "--processes", "2") == 0
    docs, attrs = documents(corpus), attributes(corpus, "near")
    order = {d["id"]: i for i, d in enumerate(docs)}
    marked = {a["id"] for a in attrs if a["attributes"].get("near")}
    pairs = ground_truth(planted_corpus)["near_duplicates"]
    found = sum(max(p["id"], p["of"], key=order.__getitem__) in marked for p in pairs)
    assert len(pairs) >= 30
    assert found / len(pairs) >= 0.9, f"{found} of {len(pairs)}"
    # every marked document names its cluster: the ordinal of an earlier, unmarked document
    for i, a in enumerate(attrs):
        if a["attributes"].get("near"):
            (start, end, cluster), = a["attributes"]["near_cluster"]
            assert (start, end) == (0, len(docs[i]["text"]))
            assert cluster < i and docs[cluster]["id"] not in marked
        else:
            assert "near_cluster" not in a["attributes"]
