"""What-if for filters: per-rule and combined drops, checked by hand and against real ``dolma-tools mix`` runs.

The hand-made corpus below has every rule's drops worked out by hand. The real mixer is run on the full
config and once per rule (a config holding only that rule); the documents and tokens each run drops (input ids
missing from its output, tokens counted independently of the code under test) must equal the what-if's.
"""

from __future__ import annotations

import copy
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from dolma_tools.cli.main import main
from dolma_tools.io.jsonl import read_rows, write_jsonl
from tests.conftest import SHARED

from . import browser

TOKENIZER = SHARED / "fixtures" / "dolma" / "data" / "tokenizer" / "gpt-neo-test-tokenizer.json"

# (id, text, score, duplicate?, pii spans [start, end, score])
DOCS_A = [
    ("d1", "alpha beta gamma delta", 0.9, False, []),      # kept
    ("d2", "short", 0.8, False, []),                        # 5 bytes: too short
    ("d3", "low quality words here", 0.1, False, []),      # score < 0.3: not included
    ("d4", "alpha beta gamma delta", 0.9, True, []),       # duplicate
    ("d5", "email me at x@y.com now", 0.7, False, [[12, 19, 1.0]]),  # -> "email me at  now" (16 bytes): kept
    ("d6", "call 5551234", 0.6, False, [[5, 12, 1.0]]),    # -> "call " (4 bytes stripped): too short
]
DOCS_B = [
    ("e1", "the quick brown fox jumps", 0.85, False, [[4, 9, 0.2]]),  # PII score below 0.5: unchanged, kept
    ("e2", "x", 0.05, False, []),                            # not included, and too short
    ("e3", "duplicate and low", 0.2, True, [[0, 10, 0.9]]),  # not included, duplicate; -> "and low": too short
    ("e4", "   padded   ", 0.5, False, []),                  # 12 bytes, 6 stripped: too short
    ("e5", "\u00e9" * 6, 0.5, False, []),                    # 6 characters, 12 UTF-8 bytes: long enough
    ("e6", "the best document of all", 0.99, False, []),    # score > 0.92: excluded
]
TEXTS = {i: t for i, t, *_ in DOCS_A + DOCS_B}

# by hand, per rule alone (rule order: includes, excludes, min_text_length)
INCLUDE_DROPS = {"d3", "e2", "e3"}
DUPLICATE_DROPS = {"d4", "e3"}
TOP_SCORE_DROPS = {"e6"}
TOO_SHORT_DROPS = {"d2", "d6", "e2", "e3", "e4"}  # after span replacement (e3's: only when it is the only rule)
FILTERED = INCLUDE_DROPS | DUPLICATE_DROPS | TOP_SCORE_DROPS  # 5 documents
COMBINED = FILTERED | {"d2", "d6", "e4"}  # too short among those the filter keeps: 8 documents
KEPT = {"d1", "d5", "e1", "e5"}

EXPRESSIONS = {
    "jsonpath": {
        "include": ["$.attributes[?(@.q__t__score[0][2] >= 0.3)]"],
        "exclude": ["$.attributes[?(@.dup && @.dup[0] && @.dup[0][2] > 0.5)]",
                    "$.attributes[?(@.q__t__score[0][2] > 0.92)]"],
        "span": "$.attributes.pii",
    },
    "jq": {
        "include": [".attributes.q__t__score[0][2] >= 0.3"],
        "exclude": [".attributes.dup[0][2] > 0.5", ".attributes.q__t__score[0][2] > 0.92"],
        "span": ".attributes.pii",
    },
}


def approx_tokens(text: str) -> int:
    """The mixer's default unit, written out independently: ceil(UTF-8 bytes / 4)."""
    return math.ceil(len(text.encode("utf-8")) / 4)


def hf_tokens(text: str) -> int:
    from tokenizers import Tokenizer

    return len(Tokenizer.from_file(str(TOKENIZER)).encode(text, add_special_tokens=False).ids)


def write_corpus(root: Path) -> None:
    for name, docs in (("a.jsonl.gz", DOCS_A), ("b.jsonl", DOCS_B)):
        write_jsonl(str(root / "documents" / name), [{"id": i, "text": t, "source": "s"} for i, t, *_ in docs])
        rows = [{"id": i, "source": "s", "attributes": {
            "q__t__score": [[0, len(t), s]], "dup": [[0, len(t), 1.0]] if dup else [], "pii": pii}}
            for i, t, s, dup, pii in docs]
        write_jsonl(str(root / "attributes" / "q" / name), rows)


def stream_config(root: Path, syntax: str, out: str, *, include=None, exclude=None, spans=True,
                  min_text_length=12, tokenizer: str | None = None) -> dict[str, Any]:
    e = EXPRESSIONS[syntax]
    stream: dict[str, Any] = {
        "name": "s", "documents": [f"{root}/documents/*"], "attributes": ["q"],
        "output": {"path": f"{root}/{out}", "min_text_length": min_text_length},
    }
    inc = e["include"] if include is None else include
    exc = e["exclude"] if exclude is None else exclude
    if inc or exc:
        stream["filter"] = {"include": inc, "exclude": exc, "syntax": syntax}
    if spans:
        stream["span_replacement"] = [{"span": e["span"], "min_score": 0.5, "replacement": "", "syntax": syntax}]
    cfg: dict[str, Any] = {"streams": [stream], "processes": 1}
    if tokenizer:
        cfg["tokenizer"] = tokenizer
    return cfg


def single_rule_configs(full: dict[str, Any]) -> list[dict[str, Any]]:
    """One config per rule of ``full``'s stream, in the what-if's rule order, each holding only that rule
    (span replacement, which drops nothing, is kept only for min_text_length, which depends on it)."""
    stream = full["streams"][0]
    flt = stream.get("filter", {})
    out = []
    rules = [("include", e) for e in flt.get("include", [])] + [("exclude", e) for e in flt.get("exclude", [])]
    for n, (kind, expr) in enumerate(rules):
        cfg = copy.deepcopy(full)
        s = cfg["streams"][0]
        s["filter"] = {"include": [expr] if kind == "include" else [], "exclude": [expr] if kind == "exclude" else [],
                       "syntax": flt.get("syntax", "jsonpath")}
        s.pop("span_replacement", None)
        s["output"] = {**s["output"], "path": f"{s['output']['path']}-rule{n}", "min_text_length": 0}
        out.append(cfg)
    if stream["output"].get("min_text_length"):
        cfg = copy.deepcopy(full)
        s = cfg["streams"][0]
        s.pop("filter", None)
        s["output"] = {**s["output"], "path": f"{s['output']['path']}-min-length"}
        out.append(cfg)
    return out


def write_config(path: Path, cfg: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(cfg))
    return path


def real_mix(config: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run ``dolma-tools mix`` on a one-stream config; (manifest entry, output documents)."""
    assert main(["mix", "-c", str(config)]) == 0
    (stream,) = yaml.safe_load(config.read_text())["streams"]
    folder = Path(stream["output"]["path"])
    entry = json.loads((folder / "manifest.json").read_text())["streams"][stream["name"]]
    docs = [d for o in entry["outputs"] for d in read_rows(str(folder / o["path"]))]
    return entry, docs


def what_if(config: Path, tmp: Path) -> dict[str, Any]:
    out = tmp / f"{config.stem}-what-if.json"
    assert main(["stats", "--what-if", str(config), "--json", str(out), "--processes", "1"]) == 0
    (result,) = json.loads(out.read_text())["what_if"]
    (stream,) = result["results"]
    return stream


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("whatif")
    write_corpus(root)
    return root


@pytest.mark.parametrize("syntax", ["jsonpath", "jq"])
def test_drops_worked_out_by_hand(corpus, tmp_path, syntax):
    config = write_config(tmp_path / "mix.yaml", stream_config(corpus, syntax, f"never-{syntax}"))
    w = what_if(config, tmp_path)
    expected = [INCLUDE_DROPS, DUPLICATE_DROPS, TOP_SCORE_DROPS, TOO_SHORT_DROPS]
    assert [r["docs"] for r in w["rules"]] == [len(ids) for ids in expected]
    assert [r["tokens"] for r in w["rules"]] == [sum(approx_tokens(TEXTS[i]) for i in ids) for ids in expected]
    assert w["rules"][0]["rule"].startswith("include: ") and w["rules"][3]["rule"].startswith("min_text_length 12")
    assert w["rules"][2]["short"] == "drop if q__t__score > 0.92"
    assert (w["total_docs"], w["total_tokens"]) == (12, sum(approx_tokens(t) for t in TEXTS.values()))
    assert (w["combined_docs"], w["combined_tokens"]) == (len(COMBINED), sum(approx_tokens(TEXTS[i]) for i in COMBINED))
    # kept: d1, d5 (PII removed: 23 -> 16 bytes), e1, e5
    kept_out = {**{i: TEXTS[i] for i in KEPT}, "d5": "email me at  now"}
    assert (w["kept_docs"], w["kept_tokens"]) == (4, sum(approx_tokens(t) for t in kept_out.values()))
    span_removed = approx_tokens(TEXTS["d5"]) - approx_tokens("email me at  now")
    assert (w["span_changed_docs"], w["span_tokens"]) == (1, span_removed)
    assert w["unit"] == "tokens (~ UTF-8 bytes / 4)"
    assert not (corpus / f"never-{syntax}").exists()  # nothing written


@pytest.mark.parametrize("syntax, tokenizer", [("jsonpath", None), ("jq", str(TOKENIZER))])
def test_drops_equal_the_real_mixers_drops(corpus, tmp_path, syntax, tokenizer):
    count = hf_tokens if tokenizer else approx_tokens
    full = stream_config(corpus, syntax, f"mix-{syntax}", tokenizer=tokenizer)
    w = what_if(write_config(tmp_path / "full.yaml", full), tmp_path)
    entry, docs = real_mix(tmp_path / "full.yaml")
    dropped = set(TEXTS) - {d["id"] for d in docs}
    assert w["combined_docs"] == entry["documents_in"] - entry["documents_out"] == len(dropped)
    assert w["combined_tokens"] == sum(count(TEXTS[i]) for i in dropped)
    assert w["kept_tokens"] == sum(count(d["text"]) for d in docs)
    assert w["total_tokens"] - w["combined_tokens"] - w["span_tokens"] == w["kept_tokens"]
    singles = single_rule_configs(full)
    assert len(singles) == len(w["rules"]) == 4
    for n, (cfg, rule) in enumerate(zip(singles, w["rules"])):
        entry, docs = real_mix(write_config(tmp_path / f"rule{n}.yaml", cfg))
        dropped = set(TEXTS) - {d["id"] for d in docs}
        assert rule["docs"] == entry["documents_in"] - entry["documents_out"] == len(dropped), rule["rule"]
        assert rule["tokens"] == sum(count(TEXTS[i]) for i in dropped), rule["rule"]


def test_quickstart_what_if_equals_its_mix(quickstart, tmp_path, monkeypatch):
    """The what-if in the quickstart's report equals what its mix stage dropped, and what each of the stage's
    rules drops when the mixer runs with that rule alone."""
    root, _ = quickstart
    out = root / "quickstart-output"
    (w,) = json.loads((out / "report-stats.json").read_text())["what_if"]
    assert w["label"] == "stream quickstart"
    texts = {d["id"]: d["text"] for f in sorted((out / "sample" / "documents").glob("*.jsonl.gz"))
             for d in read_rows(str(f))}
    assert w["total_docs"] == len(texts) and w["total_tokens"] == sum(map(approx_tokens, texts.values()))
    entry = json.loads((out / "mixed" / "manifest.json").read_text())["streams"]["quickstart"]
    docs = [d for o in entry["outputs"] for d in read_rows(str(out / "mixed" / o["path"]))]
    dropped = set(texts) - {d["id"] for d in docs}
    assert w["combined_docs"] == entry["documents_in"] - entry["documents_out"] == len(dropped) > 0
    assert w["combined_tokens"] == sum(approx_tokens(texts[i]) for i in dropped)
    assert w["kept_tokens"] == sum(approx_tokens(d["text"]) for d in docs)
    (stage,) = [s["mix"] for s in yaml.safe_load((root / "configs" / "quickstart.yaml").read_text())["stages"]
                if "mix" in s]
    monkeypatch.chdir(root)  # the quickstart's paths are relative to its folder
    # `stats --what-if` takes the pipeline config too (its mix stages), with the report's numbers
    assert main(["stats", "--what-if", "configs/quickstart.yaml", "--json", str(tmp_path / "w.json")]) == 0
    assert json.loads((tmp_path / "w.json").read_text())["what_if"][0]["results"] == [w]
    singles = single_rule_configs({**stage, "processes": 1})
    assert len(singles) == len(w["rules"]) == 6  # 1 include, 4 excludes, min_text_length
    for n, (cfg, rule) in enumerate(zip(singles, w["rules"])):
        entry, docs = real_mix(write_config(tmp_path / f"rule{n}.yaml", cfg))
        dropped = set(texts) - {d["id"] for d in docs}
        assert rule["docs"] == entry["documents_in"] - entry["documents_out"] == len(dropped) > 0, rule["rule"]
        assert rule["tokens"] == sum(approx_tokens(texts[i]) for i in dropped), rule["rule"]


# -- source mixtures -------------------------------------------------------------------------------------
WORDS = "the of and to in is was for on that with as by at from his her an which it be are this".split()


def write_pool(root: Path, name: str, n: int, rng: random.Random) -> None:
    docs = [{"id": f"{name}-{i}", "text": " ".join(rng.choices(WORDS, k=rng.randint(2, 60))), "source": name}
            for i in range(n)]
    for part in range(2):
        chunk = docs[part::2]
        write_jsonl(str(root / name / "documents" / f"{part}.jsonl.gz"), chunk)
        write_jsonl(str(root / name / "attributes" / "q" / f"{part}.jsonl.gz"),
                    [{"id": d["id"], "attributes": {"q__t__score": [[0, len(d["text"]), round(rng.random(), 3)]]}}
                     for d in chunk])


def test_source_mixture_filters_and_sampler_equal_the_real_mix(tmp_path):
    rng = random.Random(5)
    for name, n in (("web", 300), ("books", 120)):
        write_pool(tmp_path, name, n, rng)
    sources = [
        {"source_name": name, "documents": [f"{tmp_path}/{name}/documents/*"], "attributes": ["q"],
         "filter": {"exclude": ["$.attributes[?(@.q__t__score[0][2] < 0.3)]"]}, "target_ratio": ratio,
         "max_repetition_ratio": 3.0}
        for name, ratio in (("web", 0.6), ("books", 0.4))
    ]
    cfg = {"sources": sources, "requested_tokens": 8000, "seed": 7, "processes": 2,
           "output": {"path": f"{tmp_path}/mix", "min_text_length": 30}}
    config = write_config(tmp_path / "mix.yaml", cfg)
    out = tmp_path / "what-if.json"
    assert main(["stats", "--what-if", str(config), "--json", str(out), "--processes", "2"]) == 0
    assert not (tmp_path / "mix").exists()  # the what-if writes no mix (and no index there)
    (result,) = json.loads(out.read_text())["what_if"]
    assert "requested" in result["sampling_plan"]
    assert main(["mix", "-c", str(config)]) == 0
    manifest = json.loads((tmp_path / "mix" / "manifest.json").read_text())["sources"]
    by_label = {w["label"]: w for w in result["results"]}
    for name in ("web", "books"):
        w, m = by_label[f"source {name}"], manifest[name]
        assert (w["kept_docs"], w["kept_tokens"]) == (m["available_docs"], m["available_tokens"])
        assert w["selected"] == {"selected_docs": m["selected_docs"], "selected_tokens": m["selected_tokens"],
                                 "target_tokens": m["target_tokens"]}
        assert [r["rule"].split(" ")[0] for r in w["rules"]] == ["exclude:", "min_text_length"]
        assert w["combined_docs"] == w["total_docs"] - m["available_docs"]
    # books (40% of 8000 tokens) has fewer filtered tokens than that: the sampler repeats it
    assert manifest["books"]["selected_tokens"] > manifest["books"]["available_tokens"]


def test_infeasible_mixture_is_reported_not_fatal(tmp_path):
    write_pool(tmp_path, "web", 40, random.Random(3))
    cfg = {"sources": [{"source_name": "web", "documents": [f"{tmp_path}/web/documents/*"], "target_ratio": 1.0}],
           "requested_tokens": 10**9, "output": {"path": f"{tmp_path}/mix"}, "processes": 1}
    out = tmp_path / "what-if.json"
    assert main(["stats", "--what-if", str(write_config(tmp_path / "mix.yaml", cfg)), "--json", str(out)]) == 0
    (result,) = json.loads(out.read_text())["what_if"]
    assert result["sampling_plan"] is None and result["results"][0]["selected"] is None
    (note,) = result["notes"]
    assert note.startswith("the sampler cannot plan this mixture: infeasible mixture")
    assert result["results"][0]["kept_docs"] == 40 and result["results"][0]["rules"] == []


# -- the commands ----------------------------------------------------------------------------------------
def test_stats_what_if_prints_a_table(corpus, tmp_path, cli):
    config = write_config(tmp_path / "mix.yaml", stream_config(corpus, "jsonpath", "never"))
    proc = cli("stats", "--what-if", str(config), "--processes", "1")
    lines = proc.stdout.splitlines()
    assert lines[0] == "What-if: stream s"
    together = next(line for line in lines if line.startswith("all rules together"))
    assert together.split()[3:5] == [str(len(COMBINED)), f"{100 * len(COMBINED) / 12:.2f}%"]
    assert "The mix would write 4 documents (33.33%)" in proc.stdout
    # a rule that is one threshold reads by its short label (existence guards aside)
    top = next(line for line in lines if line.startswith("drop if q__t__score > 0.92 "))
    assert top.split()[5:7] == ["1", f"{100 / 12:.2f}%"]
    duplicates = next(line for line in lines if line.startswith("drop if dup > 0.5 "))
    assert duplicates.split()[5:7] == ["2", f"{200 / 12:.2f}%"]
    assert not (corpus / "never").exists()


def test_report_what_if_shows_the_section_and_renders(corpus, tmp_path, cli):
    config = write_config(tmp_path / "mix.yaml", stream_config(corpus, "jq", "never"))
    html = tmp_path / "what-if.html"
    cli("report", "--what-if", str(config), "--html", str(html), "--processes", "1")
    page = html.read_text()
    assert 'id="what-if"' in page and "stream s" in page
    plots = browser.embedded_plots(page)
    assert "whatif:stream s" in plots and "hist:q__t__score" in plots and "funnel" in plots
    assert not browser.is_blank(plots["whatif:stream s"])
    # the threshold of the include rule is drawn on the score's histogram
    assert "stream s: keep if &gt;= 0.3" in page
    n = len(plots)
    assert browser.probe(html, tmp_path) == {"plots": n, "decoded": n, "svg": 0}
    assert not (corpus / "never").exists()


def test_a_bad_span_is_the_mixers_document_error(tmp_path, cli):
    write_corpus(tmp_path)
    text = "long enough to be kept"
    write_jsonl(str(tmp_path / "documents" / "c.jsonl"), [{"id": "bad", "text": text, "source": "s"}])
    write_jsonl(str(tmp_path / "attributes" / "q" / "c.jsonl"), [{"id": "bad", "attributes": {
        "q__t__score": [[0, len(text), 0.5]], "dup": [], "pii": [["x", 2, 1.0]]}}])  # not an offset
    config = write_config(tmp_path / "mix.yaml", stream_config(tmp_path, "jsonpath", "mix"))
    proc = cli("stats", "--what-if", str(config), "--processes", "1", check=False)
    assert proc.returncode == 1 and "c.jsonl:1" in proc.stderr and "document id='bad'" in proc.stderr
    # skipped, and counted, as the mixer skips it
    out = tmp_path / "what-if.json"
    assert main(["stats", "--what-if", str(config), "--on-error", "skip", "--json", str(out)]) == 0
    (stream,) = json.loads(out.read_text())["what_if"][0]["results"]
    assert (stream["skipped_docs"], stream["combined_docs"], stream["kept_docs"]) == (1, len(COMBINED), len(KEPT))
    skipping = write_config(tmp_path / "skip.yaml", {**yaml.safe_load(config.read_text()), "on_error": "skip"})
    entry, docs = real_mix(skipping)
    assert entry["documents_in"] - entry["documents_out"] == len(COMBINED) + 1 and len(docs) == len(KEPT)


def test_misspelled_attribute_is_the_mixers_error(corpus, tmp_path, cli):
    cfg = stream_config(corpus, "jsonpath", "never", exclude=["$.attributes[?(@.q__t__scor[0][2] > 0.5)]"])
    proc = cli("stats", "--what-if", str(write_config(tmp_path / "mix.yaml", cfg)), check=False)
    assert proc.returncode == 2
    assert "attribute 'q__t__scor'" in proc.stderr and "q__t__score" in proc.stderr
