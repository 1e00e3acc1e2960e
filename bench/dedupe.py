#!/usr/bin/env python3
"""Benchmark ``dolma-tools dedupe`` against ``dolma dedupe`` (1.2.1) on the same corpus, configs and machine.

    python bench/dedupe.py --corpus /work/bench-data/corpus200            # writes bench/RESULTS.md "## Dedupe"
    python bench/dedupe.py --corpus /tmp/x --runs 5 --modes documents --no-write

For each mode (exact documents by ``$.text``; exact paragraphs) one Dolma-format config is written and run
by both tools unchanged, alternating dolma / ours / dolma / ours ...; before every run its outputs and
Bloom filter are deleted (Dolma would load an existing filter). Per run: wall time, user+sys CPU, and the
peak RSS of the process (os.wait4; both tools are one process with threads). Ratios are taken pair by
pair, and the median is reported with the load average seen during the runs (the machine may be
shared). Also measured in this process: the raw Bloom filter insert/lookup rate on one core (pre-hashed
keys, blocked vs standard layout at the same false-positive rate), and MinHash (ours vs datasketch) on
one shard.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECTION = "## Dedupe"

# the same parameters as bench/dolma_configs/corpus200_dedupe_{docs,paragraphs}.yaml
MODES = {
    "documents": {"dedupe": {"name": "bench_dedupe_docs",
                             "documents": {"attribute_name": "bff_duplicate_text", "key": "$.text"}},
                  "count": 100_000, "rate": 0.0001},
    "paragraphs": {"dedupe": {"name": "bench_dedupe_paragraphs",
                              "paragraphs": {"attribute_name": "bff_duplicate_paragraph_spans"}},
                   "count": 3_000_000, "rate": 0.0001},
}


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float
    load: float
    code: int


@dataclass
class Result:
    mode: str
    dolma: list[Run] = field(default_factory=list)
    ours: list[Run] = field(default_factory=list)


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def timed(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> Run:
    load = loadavg()
    start = time.monotonic()
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=out, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, rss_mb=usage.ru_maxrss / 1024,
               load=max(load, loadavg()), code=proc.returncode)


def prepare(corpus: Path, work: Path) -> Path:
    docs = work / "documents"
    if work.exists():
        shutil.rmtree(work)
    docs.mkdir(parents=True)
    for f in sorted((corpus / "documents").iterdir()):
        (docs / f.name).symlink_to(f.resolve())  # attributes go next to documents/: keep the corpus untouched
    return work


def write_config(work: Path, mode: str, processes: int) -> Path:
    spec = MODES[mode]
    config = {
        "documents": [str(work / "documents" / "*.jsonl.gz")],
        "dedupe": spec["dedupe"],
        "bloom_filter": {"file": str(work / f"{mode}.bloom"), "read_only": False, "size_in_bytes": 0,
                         "estimated_doc_count": spec["count"], "desired_false_positive_rate": spec["rate"]},
        "processes": processes,
    }
    path = work / f"{mode}.json"
    path.write_text(json.dumps(config, indent=1))
    return path


def clean(work: Path, mode: str) -> None:
    shutil.rmtree(work / "attributes" / MODES[mode]["dedupe"]["name"], ignore_errors=True)
    (work / f"{mode}.bloom").unlink(missing_ok=True)


def marked_counts(work: Path, mode: str) -> tuple[int, int]:
    """(documents with a duplicate span, duplicate spans) in the current outputs."""
    name = MODES[mode]["dedupe"]["name"]
    docs = spans = 0
    for f in sorted((work / "attributes" / name).glob("*.gz")):
        for line in gzip.open(f):
            attrs = json.loads(line)["attributes"]
            found = [s for v in attrs.values() for s in v]
            docs += bool(found)
            spans += len(found)
    return docs, spans


def bench_mode(mode: str, args: argparse.Namespace, work: Path, log: Path) -> tuple[Result, dict]:
    config = write_config(work, mode, args.processes)
    dolma = [args.dolma, "-c", str(config), "dedupe"]
    ours = [*args.ours.split(), "-c", str(config), "dedupe"]
    result = Result(mode)
    counts = {}
    for i in range(args.runs + 1):  # the first pair warms the page cache and is not counted
        for tool, cmd, runs in (("dolma", dolma, result.dolma), ("ours", ours, result.ours)):
            clean(work, mode)
            run = timed(cmd, log, env={"DOLMA_TOOLS_PROGRESS": "0", "RUST_LOG": "error"})
            if run.code != 0:
                raise SystemExit(f"{tool} failed on {mode} (exit {run.code}); see {log}")
            if i > 0:
                runs.append(run)
            counts[tool] = marked_counts(work, mode)
            print(f"  {mode:10s} {tool:5s} run {i}: {run.wall:6.2f} s wall, {run.cpu:6.2f} s cpu, "
                  f"{run.rss_mb:6.0f} MB, load {run.load:.1f}", file=sys.stderr, flush=True)
    clean(work, mode)
    return result, counts


def bloom_rates(n: int = 4_000_000) -> dict:
    """Keys per CPU-second of one core for pre-hashed keys: insert (check_and_insert), lookup of present and
    absent keys. Timed with the calling thread's CPU clock (the Rust loop runs on it without the GIL), so a
    busy machine does not distort the figure."""
    from dolma_tools._rust import BloomFilter

    out = {}
    present, absent = os.urandom(8 * n), os.urandom(8 * n)
    for layout in ("blocked", "standard"):
        f = BloomFilter(estimated_doc_count=n, desired_false_positive_rate=0.0001, layout=layout)
        t = time.thread_time()
        f.check_and_insert_hashes(present)
        insert = n / (time.thread_time() - t)
        t = time.thread_time()
        found = f.count_contained_hashes(present)
        hit = n / (time.thread_time() - t)
        t = time.thread_time()
        fp = f.count_contained_hashes(absent)
        miss = n / (time.thread_time() - t)
        assert found == n
        out[layout] = {"size_mb": f.size_in_bytes / 1e6, "hashes": f.num_hashes, "insert": insert, "lookup_hit": hit,
                       "lookup_miss": miss, "fp_rate": fp / n}
    return out


def minhash_comparison(corpus: Path, args: argparse.Namespace, work: Path, log: Path) -> dict | None:
    """Ours (whole command, --processes 1) vs datasketch MinHash + MinHashLSH (in process) on one shard."""
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return None
    from dolma_tools._rust import minhash_bands

    shard = sorted((corpus / "documents").iterdir())[0]
    one = work / "minhash"
    (one / "documents").mkdir(parents=True, exist_ok=True)
    link = one / "documents" / shard.name
    if not link.exists():
        link.symlink_to(shard.resolve())
    texts = [json.loads(line)["text"] for line in gzip.open(shard)]
    shutil.rmtree(one / "attributes", ignore_errors=True)
    ours = timed([*args.ours.split(), "dedupe", "--documents", str(one / "documents" / "*"),
                  "--dedupe.minhash.attribute_name", "near", "--dedupe.minhash.ngram_length", "5",
                  "--dedupe.minhash.threshold", "0.7", "--processes", "1"], log,
                 env={"DOLMA_TOOLS_PROGRESS": "0"})
    b, r = minhash_bands(0.7, 128)
    start = time.process_time()
    lsh = MinHashLSH(num_perm=128, params=(b, r))
    marked = 0
    for i, text in enumerate(texts):
        words = text.split()
        shingles = {" ".join(words[j:j + 5]).encode() for j in range(max(len(words) - 4, 1))}
        m = MinHash(num_perm=128)
        m.update_batch(list(shingles))
        marked += bool(lsh.query(m))
        lsh.insert(str(i), m)
    ds = time.process_time() - start
    return {"docs": len(texts), "ours_cpu": ours.cpu, "ours_wall": ours.wall, "datasketch_cpu": ds,
            "datasketch_marked": marked}


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def render(results: list[Result], counts: dict, docs: int, rates: dict, mh: dict | None,
           args: argparse.Namespace) -> str:
    lines = [SECTION, "",
             f"`python bench/dedupe.py --corpus {args.corpus} --runs {args.runs} --processes {args.processes}` "
             f"({time.strftime('%Y-%m-%d %H:%M')}, {platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}). {docs:,} documents. Same Dolma-format config for both tools "
             "(Bloom filter from estimated_doc_count + rate 1e-4), alternating runs after one warm-up pair; "
             "medians, ratio = Dolma time / our time per pair (higher is better for us); CPU ratio = Dolma's "
             "user+sys time / ours, which other jobs on the machine disturb much less than wall time. "
             "Load = 1-minute load average during the runs (2 cores: above 2 means other jobs competed).", "",
             "| mode | tool | wall s | docs/s | CPU s | peak RSS MB | load | speed-up (docs/s ratio) | CPU ratio |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        ratios = [d.wall / o.wall for d, o in zip(r.dolma, r.ours)]
        cpu_ratios = [d.cpu / o.cpu for d, o in zip(r.dolma, r.ours)]
        for tool, runs in (("dolma 1.2.1", r.dolma), ("dolma-tools", r.ours)):
            w = median([x.wall for x in runs])
            ours = tool == "dolma-tools"
            speed = f"**{median(ratios):.2f}x** (min {min(ratios):.2f}, max {max(ratios):.2f})" if ours else ""
            cpu = f"{median(cpu_ratios):.2f}x" if ours else ""
            lines.append(f"| {r.mode} | {tool} | {w:.2f} | {docs / w:,.0f} | {median([x.cpu for x in runs]):.2f} | "
                         f"{median([x.rss_mb for x in runs]):.0f} | {median([x.load for x in runs]):.1f} | {speed} | {cpu} |")
    lines += ["", "Same results: documents with a duplicate span / duplicate spans, dolma vs ours: " + "; ".join(
        f"{m}: {c['dolma'][0]:,}/{c['dolma'][1]:,} vs {c['ours'][0]:,}/{c['ours'][1]:,}" for m, c in counts.items()) + ".",
        "", "Raw Bloom filter rate per core (keys per CPU-second of the one thread doing the work), pre-hashed "
        "random keys, 4M keys in a filter sized for 4M at rate 1e-4:", "",
        "| layout | size MB | hashes | insert keys/s | lookup (present) keys/s | lookup (absent) keys/s | measured FP |",
        "|---|---|---|---|---|---|---|"]
    for layout, x in rates.items():
        lines.append(f"| {layout} | {x['size_mb']:.1f} | {x['hashes']} | {x['insert'] / 1e6:.1f} M | "
                     f"{x['lookup_hit'] / 1e6:.1f} M | {x['lookup_miss'] / 1e6:.1f} M | {x['fp_rate']:.2e} |")
    if mh:
        lines += ["", f"MinHash (128 permutations, 5-word shingles, threshold 0.7) on one shard ({mh['docs']:,} docs): "
                  f"dolma-tools dedupe (whole command, 1 process) {mh['ours_cpu']:.2f} s CPU; datasketch MinHash + "
                  f"MinHashLSH in process {mh['datasketch_cpu']:.2f} s CPU "
                  f"({mh['datasketch_cpu'] / mh['ours_cpu']:.1f}x)."]
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str) -> None:
    """Replace the ``## Dedupe`` section of RESULTS.md (or append it), keeping every other section."""
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    start = old.find(SECTION + "\n")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        nxt = old.find("\n## ", start + len(SECTION))
        new = old[:start] + text + ("\n" + old[nxt + 1:] if nxt >= 0 else "")
    path.write_text(new)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path("/work/bench-data/corpus200"))
    ap.add_argument("--dolma", default="/work/dolma-venv/bin/dolma")
    ap.add_argument("--ours", default=f"{sys.executable} -m dolma_tools")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--modes", default="documents,paragraphs")
    ap.add_argument("--work", type=Path, default=HERE / "work" / "dedupe")
    ap.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument("--no-write", action="store_true", help="print the section instead of writing RESULTS.md")
    args = ap.parse_args()
    work = prepare(args.corpus, args.work)
    log = work / "runs.log"
    gt = args.corpus / "ground_truth.json"
    docs = json.loads(gt.read_text())["totals"]["docs"] if gt.exists() else sum(
        1 for f in (work / "documents").iterdir() for _ in gzip.open(f))
    results, counts = [], {}
    for mode in args.modes.split(","):
        r, c = bench_mode(mode, args, work, log)
        results.append(r)
        counts[mode] = c
    rates = bloom_rates()
    mh = minhash_comparison(args.corpus, args, work, log)
    text = render(results, counts, docs, rates, mh, args)
    print(text)
    if not args.no_write:
        write_section(args.results, text)
        print(f"wrote {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
