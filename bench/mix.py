#!/usr/bin/env python3
"""Mixer benchmark: dolma 1.2.1 ``dolma mix`` vs ``dolma-tools mix`` on the same inputs and config.

A filter-and-replace mix over the 200 MB benchmark corpus: 7 exclude rules over Gopher, C4, PII, length
and duplicate-document attributes, PII masking (3 span rules) and duplicate-paragraph removal; attributes
dropped from the output. Both tools read the same Dolma-format config (only output paths differ) and use
the same number of processes. Two layouts:

- ``1 shard``: one output file (dolma then works on one thread: it parallelises over output shards);
- ``8 shards``: ``max_size_in_bytes`` = 15 MB, which dolma turns into 8 output shards (one per input file).

The rules are written in JSONPath (Dolma's default) or, with the same meaning, in jq (``--cases``).

Runs alternate (dolma, ours, dolma, ours, ...) so drift in machine load hits both; the first round
checks that both produce the same documents (id and text). Wall and CPU seconds (children's rusage)
are reported as medians, and the ratio dolma/ours is taken pair by pair.

Inputs: the corpus from ``make_corpus.py`` and the attributes produced by dolma's tagger and deduper
(the baseline helper writes them to /work/bench-data/dolma-out/corpus200/attributes); they are copied
into the work folder so that concurrent runs of other benchmarks cannot change them mid-run.

    python bench/mix.py --runs 3 --write-results
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ATTRIBUTE_SETS = ["gopher_v1", "c4_v2", "pii_regex_with_counts_fast_v2", "char_length_with_paragraphs_v1",
                  "dedupe_docs_text", "dedupe_paragraphs"]
PII = "pii_regex_with_counts_fast_v2__pii_regex_with_counts_fast_v2__"
GUARDED = "$.attributes[?(@.{k} && @.{k}[0] && @.{k}[0][2] {op} {v})]"
# the same rule in jq, null-safe the way Dolma's jq configs write it (mixer-validator-jq.yaml)
GUARDED_JQ = ('(.attributes.{k} | if type == "array" and length > 0 and .[0] != null and .[0][2] != null '
              'then .[0][2] {op} {v} else false end)')
RULES = [
    ("gopher_v1__gopher_v1__word_count", "<", 50),
    ("gopher_v1__gopher_v1__symbol_to_word_ratio", ">", 0.1),
    ("gopher_v1__gopher_v1__fraction_of_characters_in_most_common_2grams", ">", 0.2),
    ("c4_v2__c4_v2__has_curly_brace", ">", 0.5),
    (PII + "doc_count", ">", 5),
    ("char_length_with_paragraphs_v1__char_length_with_paragraphs_v1__document", "<", 100),
    ("bff_duplicate_text", ">", 0.5),
]
LAYOUTS = {"1 shard": 100_000_000_000, "8 shards": 15_000_000}
#: (layout, filter syntax) combinations that can be run; the default is the first three
CASES = [("1 shard", "jsonpath"), ("8 shards", "jsonpath"), ("8 shards", "jq"), ("1 shard", "jq")]


def mix_config(work: Path, out: Path, max_size: int, processes: int, syntax: str) -> dict:
    spans = [{"span": f"$.attributes.{PII}{k}", "min_score": 0.5, "replacement": f" |||{k}||| "}
             for k in ("EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS")]
    spans.append({"span": "$.attributes.bff_duplicate_paragraph_spans", "min_score": 0.5, "replacement": ""})
    return {
        "streams": [{
            "name": "bench",
            "documents": [str(work / "corpus/documents/*.jsonl.gz")],
            "attributes": ATTRIBUTE_SETS,
            "filter": {"exclude": [(GUARDED_JQ if syntax == "jq" else GUARDED).format(k=k, op=op, v=v)
                                   for k, op, v in RULES], "syntax": syntax},
            "span_replacement": spans,
            "output": {"path": str(out), "max_size_in_bytes": max_size, "discard_fields": ["attributes"]},
        }],
        "work_dir": {"input": str(out) + "-work/input", "output": str(out) + "-work/output"},
        "processes": processes,
    }


def prepare(args: argparse.Namespace) -> Path:
    work = Path(args.work).resolve()
    corpus = work / "corpus"
    (corpus / "attributes").mkdir(parents=True, exist_ok=True)
    docs = corpus / "documents"
    if not docs.exists():
        docs.symlink_to(Path(args.corpus).resolve() / "documents")
    for name in ATTRIBUTE_SETS:
        dest = corpus / "attributes" / name
        if not dest.exists():
            src = Path(args.attributes) / name
            if not src.is_dir():
                sys.exit(f"missing attribute set {src}: run dolma's tagger and deduper first (see docstring)")
            shutil.copytree(src, dest)
    return work


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user+sys of the command's process tree) seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.decode()[-3000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def documents(folder: Path) -> dict[str, str]:
    out = {}
    for f in sorted(folder.glob("*.gz")):
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                out[row["id"]] = row["text"]
    return out


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="/work/bench-data/corpus200")
    ap.add_argument("--attributes", default="/work/bench-data/dolma-out/corpus200/attributes")
    ap.add_argument("--dolma", default="/work/dolma-venv/bin/dolma")
    ap.add_argument("--ours", default=str(REPO / ".venv/bin/dolma-tools"))
    ap.add_argument("--work", default=str(REPO / "bench/work/mix"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--cases", nargs="+", default=[f"{a}/{b}" for a, b in CASES[:3]],
                    choices=[f"{a}/{b}" for a, b in CASES], help="layout/filter syntax combinations")
    ap.add_argument("--write-results", action="store_true", help="update the '## Mix' section of bench/RESULTS.md")
    args = ap.parse_args()
    work = prepare(args)
    env = dict(os.environ, DOLMA_TOOLS_PROGRESS="0", RUST_LOG="error")
    results: dict[str, dict[str, list[float]]] = {}
    load_before = load_average()
    print(f"load before: {load_before}", file=sys.stderr)
    for case in args.cases:
        layout, syntax = case.split("/")
        tag = f"{layout.replace(' ', '')}-{syntax}"
        tools = {}
        for tool, exe in (("dolma", args.dolma), ("ours", args.ours)):
            out = work / f"out-{tool}-{tag}"
            cfg = work / f"{tool}-{tag}.json"
            cfg.write_text(json.dumps(mix_config(work, out, LAYOUTS[layout], args.processes, syntax), indent=1))
            tools[tool] = (exe, cfg, out)
        stats: dict[str, list[float]] = {"dolma wall": [], "ours wall": [], "dolma cpu": [], "ours cpu": [],
                                         "ratio wall": []}
        for r in range(args.runs):
            walls = {}
            for tool, (exe, cfg, out) in tools.items():
                shutil.rmtree(out, ignore_errors=True)
                shutil.rmtree(str(out) + "-work", ignore_errors=True)
                wall, cpu = run([exe, "-c", str(cfg), "mix"], env)
                walls[tool] = wall
                stats[f"{tool} wall"].append(wall)
                stats[f"{tool} cpu"].append(cpu)
                print(f"[{case}] run {r + 1} {tool}: {wall:.2f} s wall, {cpu:.2f} s cpu (load {load_average()})",
                      file=sys.stderr)
            stats["ratio wall"].append(walls["dolma"] / walls["ours"])
            if r == 0:
                a, b = documents(tools["dolma"][2]), documents(tools["ours"][2])
                same = a == b
                print(f"[{case}] outputs: dolma {len(a):,} documents, ours {len(b):,}; same ids and texts: {same}",
                      file=sys.stderr)
                if not same:
                    sys.exit("outputs differ: not a like-for-like comparison")
                stats["documents"] = [float(len(b))]
        results[case] = stats
    loads = f"load average before {load_before}, after {load_average()} (1/5/15 min)"
    print(loads, file=sys.stderr)
    table = render(results, args) + f" Machine: {os.cpu_count()} cores, {loads}."
    print(table)
    if args.write_results:
        write_results(table)


def render(results: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> str:
    med = statistics.median
    lines = [
        "| layout / filter syntax | dolma 1.2.1 wall (s) | dolma-tools wall (s) | dolma / dolma-tools (wall) | "
        "dolma cpu (s) | dolma-tools cpu (s) | documents kept |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for case, s in results.items():
        lines.append(
            f"| {case} | {med(s['dolma wall']):.1f} | {med(s['ours wall']):.1f} | {med(s['ratio wall']):.1f}x "
            f"(min {min(s['ratio wall']):.1f}x) | {med(s['dolma cpu']):.1f} | {med(s['ours cpu']):.1f} | "
            f"{int(s['documents'][0]):,} |")
    return "\n".join(lines) + f"\n\n{args.runs} alternating runs per case, --processes {args.processes}, medians."


def write_results(table: str) -> None:
    path = REPO / "bench/RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    body = (
        "## Mix\n\n"
        "`python bench/mix.py --runs 3 --write-results`: 7 exclude rules (Gopher x3, C4 curly braces, PII count, "
        "length, duplicate document; in JSONPath, or the same rules in jq) + 3 PII-masking span rules + "
        "duplicate-paragraph removal over the 200 MB "
        "corpus (87,529 documents, 8 gzip shards), attributes from dolma 1.2.1's tagger and deduper, attributes "
        "discarded from the output. Same config file for both tools; outputs checked equal (ids and texts).\n\n"
        f"{table}\n"
    )
    start = text.find("## Mix")
    if start < 0:
        text = text.rstrip() + "\n\n" + body
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + body + (text[end + 1:] if end >= 0 else "")
    path.write_text(text)


if __name__ == "__main__":
    main()
