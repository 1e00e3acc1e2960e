#!/usr/bin/env python3
"""Summarise bench/run_dolma_baseline.sh logs as markdown tables.

    python3 bench/summarize_runs.py [--corpus /work/bench-data/corpus200] LOGDIR [LOGDIR...]

Each LOGDIR holds <step>.time (GNU time -v), <step>.rss.json (treerss.py) and <step>.load for one run.
One LOGDIR: one row per step.  Several: one row per step aggregated over runs (best = minimum wall,
CPU range, maximum peak RSS), since other jobs on the 2-core machine inflate wall times.
Throughput uses the corpus' ground_truth.json totals (docs, uncompressed JSONL bytes).
"""
import argparse
import json
import re
from pathlib import Path


def parse_time(p: Path) -> dict:
    t = p.read_text()

    def g(label):
        m = re.search(re.escape(label) + r": (.+)", t)
        return m.group(1).strip() if m else None

    parts = [float(x) for x in g("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    secs = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) == 3 else 0)
    return {"wall": secs, "cpu": float(g("User time (seconds)")) + float(g("System time (seconds)")),
            "maxrss_mib": int(g("Maximum resident set size (kbytes)")) / 1024}


def load_run(d: Path) -> dict:
    out = {}
    for tf in sorted(d.glob("*.time")):
        step = tf.stem
        try:
            r = parse_time(tf)
        except Exception:
            continue
        rj = d / f"{step}.rss.json"
        r["tree_mib"] = json.loads(rj.read_text())["peak_tree_rss_mib"] if rj.exists() else None
        lf = d / f"{step}.load"
        r["load"] = ("→".join(l.split()[1] for l in lf.read_text().splitlines() if l.strip())
                     if lf.exists() else "")
        out[step] = r
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="/work/bench-data/corpus200")
    ap.add_argument("logdirs", nargs="+")
    a = ap.parse_args()
    tot = json.load(open(Path(a.corpus) / "ground_truth.json"))["totals"]
    docs, mb = tot["docs"], tot["jsonl_bytes"] / 1e6
    print(f"corpus {a.corpus}: {docs} docs, {mb:.1f} MB uncompressed JSONL, {tot['file_bytes'] / 1e6:.1f} MB gz\n")
    runs = [load_run(Path(d)) for d in a.logdirs]
    steps = sorted({s for r in runs for s in r})
    if len(runs) == 1:
        print("| step | wall s | docs/s | MB/s | CPU s | docs/CPU-s | peak RSS tree MiB | peak RSS 1 proc MiB | load 1-min before→after |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for s in steps:
            r = runs[0][s]
            print(f"| {s} | {r['wall']:.1f} | {docs / r['wall']:.0f} | {mb / r['wall']:.2f} | {r['cpu']:.1f} | "
                  f"{docs / r['cpu']:.0f} | {r['tree_mib'] or '-'} | {r['maxrss_mib']:.0f} | {r['load']} |")
        return
    print("| step | runs | best wall s | docs/s (best) | MB/s (best) | all walls s | CPU s (min–max) | docs/CPU-s (best) | peak RSS tree MiB (max) | peak RSS 1 proc MiB (max) |")
    print("| --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: |")
    for s in steps:
        rs = [r[s] for r in runs if s in r]
        best = min(x["wall"] for x in rs)
        cpus = [x["cpu"] for x in rs]
        trees = [x["tree_mib"] for x in rs if x["tree_mib"]]
        walls = ", ".join("%.0f" % x["wall"] for x in rs)
        print(f"| {s} | {len(rs)} | {best:.1f} | {docs / best:.0f} | {mb / best:.2f} | "
              f"{walls} | {min(cpus):.1f}–{max(cpus):.1f} | {docs / min(cpus):.0f} | "
              f"{max(trees) if trees else '-'} | {max(x['maxrss_mib'] for x in rs):.0f} |")


if __name__ == "__main__":
    main()
