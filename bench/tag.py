"""Benchmark: dolma 1.2.1 vs dolma-tools `tag` on the same corpus, same taggers, same --processes.

    python bench/tag.py --corpus /work/bench-data/corpus200 [--runs 2] [--processes 2] [--write-results]

Runs alternate (dolma, ours, dolma, ours, ...) so machine load hits both alike; every run starts from no
outputs. After the runs, our attribute files are compared with dolma's document by document. With
``--write-results`` the "## Tag" section of bench/RESULTS.md is replaced (other sections are kept).
dolma runs from its own venv (``--dolma``); dolma-tools from the current interpreter's environment.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "tools"))
from dolma_reference import compare_attribute_dirs, format_reports  # noqa: E402

TAGGERS = [
    "gopher_v1",
    "c4_v2",
    "pii_regex_with_counts_fast_v2",
    "char_length_with_paragraphs_v1",
    "whitespace_tokenizer_with_paragraphs_v1",
]


def stage(corpus: Path, root: Path) -> None:
    """``root/documents/`` holds links to the corpus shards, so outputs land in ``root/attributes``."""
    docs = root / "documents"
    docs.mkdir(parents=True, exist_ok=True)
    for f in sorted((corpus / "documents").glob("*.jsonl*")):
        link = docs / f.name
        if not link.exists():
            link.symlink_to(f.resolve())


def count_docs(corpus: Path) -> tuple[int, int]:
    docs = size = 0
    for f in sorted((corpus / "documents").glob("*.jsonl*")):
        size += f.stat().st_size
        with gzip.open(f, "rb") if f.suffix == ".gz" else open(f, "rb") as fh:
            docs += sum(1 for line in fh if line.strip())
    return docs, size


def timed(cmd: list[str], root: Path, log: Path) -> float:
    shutil.rmtree(root / "attributes", ignore_errors=True)
    start = time.perf_counter()
    with open(log, "w") as fh:
        subprocess.run(cmd, check=True, stdout=fh, stderr=subprocess.STDOUT)
    return time.perf_counter() - start


def commands(args: argparse.Namespace, dolma_root: Path, ours_root: Path, taggers: list[str]) -> dict[str, list[str]]:
    return {
        "dolma": [args.dolma, "tag", "--documents", str(dolma_root / "documents" / "*"), "--taggers", *taggers,
                  "--processes", str(args.processes)],
        "ours": [sys.executable, "-m", "dolma_tools", "tag", "--documents", str(ours_root / "documents" / "*"),
                 "--taggers", *taggers, "--processes", str(args.processes)],
    }


def write_results(section: str, path: Path) -> None:
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## Tag\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(section.rstrip("\n") + "\n\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="corpus folder with documents/*.jsonl.gz")
    parser.add_argument("--dolma", default="/work/dolma-venv/bin/dolma", help="dolma 1.2.1 executable")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--runs", type=int, default=2, help="alternating runs per tool")
    parser.add_argument("--taggers", nargs="+", default=TAGGERS)
    parser.add_argument("--work", type=Path, default=HERE / "work" / "tag")
    parser.add_argument("--write-results", action="store_true", help="update the '## Tag' section of bench/RESULTS.md")
    args = parser.parse_args()

    dolma_root, ours_root = args.work / "dolma", args.work / "ours"
    for root in (dolma_root, ours_root):
        stage(args.corpus, root)
    docs, size = count_docs(args.corpus)
    cmds = commands(args, dolma_root, ours_root, args.taggers)
    times: dict[str, list[float]] = {"dolma": [], "ours": []}
    loads: list[float] = []
    for run in range(args.runs):
        for tool, root in (("dolma", dolma_root), ("ours", ours_root)):
            loads.append(os.getloadavg()[0])
            seconds = timed(cmds[tool], root, args.work / f"{tool}-{run}.log")
            times[tool].append(seconds)
            print(f"run {run + 1} {tool:5s}: {seconds:7.1f} s  {docs / seconds:8.0f} docs/s  (load {loads[-1]:.1f})", flush=True)

    reports = compare_attribute_dirs(dolma_root / "attributes", ours_root / "attributes", args.taggers)
    compat = format_reports(reports)
    print(compat)
    t_dolma, t_ours = median(times["dolma"]), median(times["ours"])
    section = "\n".join(
        [
            "## Tag",
            "",
            f"`python bench/tag.py --corpus {args.corpus} --runs {args.runs} --processes {args.processes}` "
            f"({time.strftime('%Y-%m-%d')}; {os.cpu_count()} cores; 1-minute load average during the runs "
            f"{min(loads):.1f}-{max(loads):.1f}, other jobs shared the machine).",
            "",
            f"Corpus: {docs:,} documents, {size / 1e6:.0f} MB gzip. Taggers: {', '.join(args.taggers)}.",
            "",
            "| tool | runs (s) | median (s) | docs/s |",
            "| --- | --- | --- | --- |",
            f"| dolma 1.2.1 | {', '.join(f'{t:.1f}' for t in times['dolma'])} | {t_dolma:.1f} | {docs / t_dolma:,.0f} |",
            f"| dolma-tools | {', '.join(f'{t:.1f}' for t in times['ours'])} | {t_ours:.1f} | {docs / t_ours:,.0f} |",
            "",
            f"**Speed-up: {t_dolma / t_ours:.1f}x** (ratio of medians of alternating runs; per pair: "
            f"{', '.join(f'{d / o:.1f}x' for d, o in zip(times['dolma'], times['ours']))}).",
            "",
            "Identical attribute values (ours vs dolma's outputs of these runs):",
            "",
            "```",
            compat,
            "```",
            "",
        ]
    )
    print(section)
    if args.write_results:
        write_results(section, HERE / "RESULTS.md")


if __name__ == "__main__":
    main()
