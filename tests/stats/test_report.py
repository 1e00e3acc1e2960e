"""``dolma-tools report`` and the pipeline's report.html: the numbers, every plot, and rendering in Chromium."""

from __future__ import annotations

import json
import re
import textwrap

import pytest

from dolma_tools.io.jsonl import write_jsonl
from dolma_tools.stats import sections
from tests.conftest import run_cli

from . import browser
from . import corpus as C

LENGTH = "char_length_v1__char_length_v1__length"
KEPT = ["a1", "a2", "a4", "b1", "b2", "b3"]  # not shorter than 6 characters, not a duplicate document
KEPT_TOKENS = 4 + 4 + 2 + 4 + 6 + 4  # approximate tokens: the report covers a mix, so it counts in the mixer's unit
TOTAL_TOKENS = sum(C.APPROX_TOKENS.values())  # 32
SOURCES_OUT = ["a1", "a2", "b4"]  # what the hand-written source mixture "selected"


def _pipeline_config(root) -> str:
    docs = f"{root}/documents/*"
    return textwrap.dedent(f"""
        output: {root}/out
        stages:
          - tag:
              documents: ["{docs}"]
              taggers: [char_length_v1]
          - dedupe:
              documents: ["{docs}"]
              dedupe:
                name: dedup
                documents: {{attribute_name: bff_duplicate_docs, key: $.text}}
                paragraphs: {{attribute_name: bff_duplicate_paragraph_spans}}
              bloom_filter: {{file: {root}/bloom.bin, estimated_doc_count: 100, desired_false_positive_rate: 0.001}}
          - mix:
              streams:
                - name: filtered
                  documents: ["{docs}"]
                  attributes: [char_length_v1, dedup]
                  filter:
                    exclude:
                      - "$.attributes[?(@.{LENGTH}[0][2] < 6)]"
                      - "$@.attributes[?(@.bff_duplicate_docs && @.bff_duplicate_docs[0]
                         && @.bff_duplicate_docs[0][2] >= 1.0)]"
                  output: {{path: {root}/mix/filtered}}
          - mix:
              requested_tokens: 30
              sources:
                - {{source_name: web, documents: ["{docs}"], target_ratio: 0.7}}
                - {{source_name: books, documents: ["{docs}"], target_ratio: 0.3}}
              output: {{path: {root}/mix/sources}}
        """)


def _write_mix_outputs(root) -> None:
    """What the mixer would have written (the mixer is built elsewhere; its manifest contract is fixed)."""
    by_id = {i: {"id": i, "text": t, "source": s} for i, t, s, _ in C.DOCS_A + C.DOCS_B}
    write_jsonl(str(root / "mix/filtered/filtered-0000.jsonl.gz"), [by_id[i] for i in KEPT])
    (root / "mix/filtered/manifest.json").write_text(json.dumps({
        "kind": "streams", "config_sha256": "ab" * 32,
        "streams": {"filtered": {"documents_in": 10, "documents_out": 6, "filtered": 4,
                                 "outputs": [{"path": str(root / "mix/filtered/filtered-0000.jsonl.gz")}]}}}))
    write_jsonl(str(root / "mix/sources/web-0000.jsonl.gz"), [by_id[i] for i in SOURCES_OUT])
    (root / "mix/sources/manifest.json").write_text(json.dumps({
        "seed": 42, "config_sha256": "cd" * 32,
        "sources": {"web": {"selected_docs": 2, "selected_tokens": 20, "available_tokens": 20, "repetition": 1.0},
                    # a manifest may lack fields: the report tolerates it
                    "books": {"selected_docs": 1, "selected_tokens": 10}}}))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    C.write_corpus(root)
    run_cli("tag", "--documents", f"{root}/documents/*", "--taggers", "char_length_v1", "--processes", "1")
    _write_mix_outputs(root)
    config = root / "pipeline.yaml"
    config.write_text(_pipeline_config(root))
    proc = run_cli("report", "--pipeline", str(config), "--attributes", f"{root}/attributes/lang/*",
                   "--processes", "2")
    page = (root / "out" / "report.html").read_text(encoding="utf-8")
    return root, page, proc


def _section(page: str, anchor: str) -> str:
    m = re.search(r'<section id="' + anchor + r'">(.*?)</section>', page, re.S)
    assert m, f"no section {anchor}"
    return m.group(1)


def _row(page: str, first: str) -> list[str]:
    m = re.search(r"<tr><td>" + re.escape(first) + r"</td>(.*?)</tr>", page)
    assert m, f"no table row {first!r}"
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", m.group(1))]


def test_funnel_follows_documents_and_tokens_through_the_stages(run):
    _, page, _ = run
    assert _row(page, "input")[:4] == ["10", "100.00%", str(TOTAL_TOKENS), "100.00%"]
    assert _row(page, "tag")[:3] == ["10", "100.00%", str(TOTAL_TOKENS)]
    # dedupe: a6 (4 tokens) and b4 (2 tokens) are wholly duplicated
    assert _row(page, "dedupe")[:3] == ["8", "80.00%", str(TOTAL_TOKENS - 6)]
    assert _row(page, "mix: filtered")[:3] == ["6", "60.00%", str(KEPT_TOKENS)]
    assert _row(page, "mix: sources")[:3] == ["3", "30.00%", str(4 + 4 + 2)]
    assert "tokens (~ UTF-8 bytes / 4)" in page


def test_corpus_mix_and_thresholds_sections(run):
    _, page, _ = run
    corpus, mix = _section(page, "corpus"), _section(page, "mix")
    # web: a1, a2, a4, a6, b1, b3 = 4 + 4 + 2 + 4 + 4 + 4 = 22 of 32 tokens
    assert _row(corpus, "web") == ["6", "60.00%", str(C.BY_SOURCE_CHARS["web"]), "22", "68.75%"]
    assert _row(corpus, "whitespace tokens") == [str(C.WS_TOKENS)]
    assert _row(corpus, "example.com")[0] == "4"
    assert _row(corpus, "any")[:2] == [str(C.DUPLICATE_DOCS), "20.00%"]
    assert _row(corpus, "fr")[0] == "1" and _row(corpus, "und")[0] == "1"
    # shares against targets: web 20 of 30 selected tokens (target 70%), books 10 (target 30%)
    assert _row(mix, "web") == ["2", "20", "20", "1", "70.00%", "66.67%"]
    assert _row(mix, "books") == ["1", "10", "-", "-", "30.00%", "33.33%"]
    assert _row(mix, "filtered")[:3] == ["10", "6", "4"]
    # thresholds parsed from the mix's filter are drawn on (and captioned under) their histograms
    assert "stream filtered: drop if &lt; 6" in page and "stream filtered: drop if &gt;= 1" in page


def test_what_if_of_the_pipelines_mix_stages(run):
    _, page, _ = run
    section = _section(page, "what-if")
    length_rule, duplicate_rule = (f"exclude: $.attributes[?(@.{LENGTH}[0][2] &lt; 6)]",
                                   "exclude: $@.attributes[?(@.bff_duplicate_docs &amp;&amp; ")
    # shorter than 6 characters: a3, a5, b4 (2 + 0 + 2 tokens); duplicate documents: a6, b4 (4 + 2)
    assert _row(section, length_rule) == ["3", "30.00%", "4", "12.50%"]
    row = re.search(r"<tr><td>" + re.escape(duplicate_rule) + r".*?</td>(.*?)</tr>", section, re.S)
    assert [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))] == [
        "2", "20.00%", "6", "18.75%"]
    # together: a3, a5, a6, b4 (8 tokens), as the mix manifest says (10 in, 6 out)
    assert _row(section, "all rules together") == ["4", "40.00%", "8", "25.00%"]


def test_every_plot_is_embedded_and_not_blank(run):
    _, page, _ = run
    plots = browser.embedded_plots(page)
    expected = {"funnel", "by_source", "by_domain", "languages_lang__ft_lang_id_doc_v1", "shares:mix",
                f"hist:{LENGTH}", "hist:bff_duplicate_docs", "hist:bff_duplicate_paragraph_spans",
                *(f"hist:{k}" for k in C.LANG_KEYS), "whatif:stream filtered", "whatif:source web",
                "whatif:source books"}
    assert set(plots) == expected
    assert page.count("<figure") == len(expected)
    for name, pixels in plots.items():
        assert pixels.shape[0] > 100 and pixels.shape[1] > 200, name
        assert not browser.is_blank(pixels), name
    assert "http://" not in page.replace("http://example.com", "") and "<link" not in page  # self-contained


def test_report_renders_in_headless_chromium(run, tmp_path):
    root, page, _ = run
    html = root / "out" / "report.html"
    pixels = browser.screenshot(html, tmp_path / "report.png")
    assert pixels.shape[:2] == (2400, 1280)
    assert not browser.is_blank(pixels)
    n = len(browser.embedded_plots(page))
    assert browser.probe(html, tmp_path) == {"plots": n, "decoded": n, "svg": 0}


def test_report_from_globs_and_filters_without_a_pipeline(run, cli, tmp_path):
    root, _, _ = run
    out = tmp_path / "r.html"
    cli("report", "--documents", f"{root}/documents/*", "--attributes", f"{root}/attributes/len/*",
        "--filters", f".attributes.{C.LENGTH_KEY}[0][2] > 15", "--manifests", f"{root}/mix/sources/manifest.json",
        "--html", str(out), "--title", "Hand-made corpus", "--processes", "1")
    page = out.read_text()
    assert "<title>Hand-made corpus</title>" in page
    assert "drop if &gt; 15" in page
    assert set(browser.embedded_plots(page)) == {"funnel", "by_source", "by_domain", f"hist:{C.LENGTH_KEY}",
                                                 f"shares:{root}/mix/sources/manifest.json"}


def test_quickstart_pipeline_writes_the_report(quickstart, tmp_path):
    root, proc = quickstart
    html = root / "quickstart-output" / "report.html"
    assert "[pipeline] report: quickstart-output/report.html" in proc.stderr
    page = html.read_text()
    plots = browser.embedded_plots(page)
    numbers = json.loads((root / "quickstart-output" / "report-stats.json").read_text())
    keys = numbers["attributes"]
    # the two dedupe stages: each wholly duplicated document leaves the funnel once, at the first stage marking it
    docs, duplicates = numbers["corpus"]["documents"], numbers["corpus"]["duplicates"]
    by_text = duplicates["by_attribute"]["duplicate_text"]["docs"]
    funnel = re.findall(r'<tr><td>dedupe</td><td class="num">([\d,]+)</td>', _section(page, "funnel"))
    assert [int(n.replace(",", "")) for n in funnel] == [docs - by_text, docs - duplicates["documents"]]
    assert 0 < by_text < duplicates["documents"]
    assert {"duplicate_text", "duplicate_paragraph_spans"} <= set(keys)  # from the two dedupe stages
    assert {"char_length_v1__char_length_v1__length", "gopher_v1__gopher_v1__word_count"} <= set(keys)
    hists = {p for p in plots if p.startswith("hist:")}
    others = set(plots) - hists
    assert {"funnel", "by_source", "by_domain"} <= others
    # the language mix (the tag stage runs a language tagger), the mix stage's what-if, and mix shares, if any,
    # are the only other plots
    assert all(p in ("funnel", "by_source", "by_domain") or p.startswith(("languages", "shares:", "whatif:"))
               for p in others)
    assert any(p.startswith("languages") for p in others)
    assert "whatif:stream quickstart" in others
    assert hists <= {f"hist:{k}" for k in keys}
    assert len(hists) == min(sections.MAX_HISTOGRAMS, len(keys))
    n = len(plots)
    assert browser.probe(html, tmp_path) == {"plots": n, "decoded": n, "svg": 0}


def test_what_if_numbers_render_as_their_own_section(run):
    """The what-if for filters renders per-rule drop counts as its own section (synthetic numbers here; the
    numbers themselves are checked against the real mixer in test_whatif.py)."""
    from dolma_tools.stats.corpus import SummaryOptions
    from dolma_tools.stats.plan import INPUT, ReportPlan, Step
    from dolma_tools.stats.report import RunSettings, build_report, render_report
    from dolma_tools.stats.sections import RuleDrop, WhatIf

    root, _, _ = run
    docs = sorted(str(p) for p in (root / "documents").iterdir())
    plan = ReportPlan(documents=docs, steps=[Step("input", INPUT, docs)])
    data = build_report(plan, SummaryOptions(), RunSettings())
    data.what_if = [WhatIf("stream filtered", total_docs=10, total_tokens=25,
                           rules=[RuleDrop("length < 6", 3, 1), RuleDrop("duplicate document", 2, 4)],
                           combined_docs=4, combined_tokens=4)]
    page = render_report(data)
    section = _section(page, "what-if")
    assert _row(section, "length &lt; 6") == ["3", "30.00%", "1", "4.00%"]
    assert _row(section, "all rules together") == ["4", "40.00%", "4", "16.00%"]
    assert "whatif:stream filtered" in browser.embedded_plots(page)
