#!/usr/bin/env python3
"""Scaling benchmark: the local executor vs Ray with 1 and 2 workers, on a tag job and a dedupe job.

Measures, in alternating rounds (so drift of a shared machine hits every configuration alike):

- wall time of ``dolma-tools tag`` over a main corpus (default: 24 MB of text in 24 gzip shards made by
  make_corpus.py) with ``--executor local --processes 1|2`` and ``--executor ray`` against a running Ray
  instance with 1 or 2 CPUs (``ray start --head --num-cpus K``, restarted every round), plus one run where
  the command starts its own Ray instance;
- the fixed and per-shard costs of each executor, from the slope of wall time over two corpora of tiny
  shards (20 and 120 shards of 5 documents): T(N) = fixed + N * per_shard;
- the executors' own cost per job, by running a job function that does nothing over many jobs in this
  process (Ray: against the running 1-CPU instance; local: a 2-process pool);
- the CPU seconds of a one-process local run (``--processes 1`` runs inline), which gives throughput per
  CPU-second independent of how busy the shared machine is;
- ``dolma-tools dedupe`` (paragraph n-grams, Bloom filter) over the main corpus: local with 1 and 2 threads,
  Ray with 1 and 2 CPUs and as many filter partitions (actors), and the distributed engine's parts measured
  alone in this process: keys per second of one filter partition, bytes shipped per key.

Prints a Markdown report (and writes it with ``--write-results bench/RESULTS.md``, replacing only the
"## Scaling" section). Run from the repository root with the project's venv active:

    python bench/scaling.py --rounds 3 --write-results bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MAKE_CORPUS = REPO / ".." / "shared" / "bench" / "make_corpus.py"
TAGGERS = ["char_length_with_paragraphs_v1", "whitespace_tokenizer_with_paragraphs_v1", "random_number_v1"]
RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0", "DOLMA_TOOLS_PROGRESS": "0"}
RAY_PORT = 6399
TINY_SHARDS = (20, 120)


@dataclass
class Timings:
    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    load: list[float] = field(default_factory=list)

    def add(self, name: str, seconds: float, cpu: float | None = None) -> None:
        self.wall.setdefault(name, []).append(seconds)
        if cpu is not None:
            self.cpu.setdefault(name, []).append(cpu)

    def median(self, name: str) -> float:
        return statistics.median(self.wall[name])

    def spread(self, name: str) -> str:
        v = self.wall[name]
        return f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})"


def _ray_binary() -> str:
    candidate = Path(sys.executable).parent / "ray"
    return str(candidate) if candidate.exists() else "ray"


def ray_start(cpus: int) -> str:
    env = {**os.environ, **RAY_ENV}
    subprocess.run([_ray_binary(), "start", "--head", "--num-cpus", str(cpus), "--node-ip-address", "127.0.0.1",
                    "--port", str(RAY_PORT), "--include-dashboard", "false", "--object-store-memory",
                    str(128 << 20), "--disable-usage-stats"], env=env, check=True, capture_output=True)
    return f"127.0.0.1:{RAY_PORT}"


def ray_stop() -> None:
    subprocess.run([_ray_binary(), "stop", "--force"], env={**os.environ, **RAY_ENV}, capture_output=True)


def make_main_corpus(work: Path, make_corpus: Path, size_mb: int, shards: int) -> Path:
    out = work / f"main-{size_mb}mb-{shards}"
    if not (out / "documents").is_dir():
        subprocess.run([sys.executable, str(make_corpus), "--out", str(out), "--size-mb", str(size_mb),
                        "--shards", str(shards), "--seed", "5", "--quiet"], check=True, capture_output=True)
    return out


def make_tiny_corpus(work: Path, shards: int) -> Path:
    out = work / f"tiny-{shards}"
    if not (out / "documents").is_dir():
        from dolma_tools.io import write_jsonl

        for s in range(shards):
            rows = [{"id": f"{s}-{d}", "text": f"tiny document {d} of shard {s}.\nSecond paragraph.", "source": "b"}
                    for d in range(5)]
            write_jsonl(str(out / "documents" / f"part-{s:04d}.jsonl.gz"), rows)
    return out


def corpus_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in (root / "documents").iterdir())


def run_tag(corpus: Path, work: Path, *flags: str) -> tuple[float, float]:
    """Wall and CPU seconds (of the process and its children, not of Ray's workers) of one whole
    `dolma-tools tag` process, with a fresh destination every time."""
    dest = work / "out"
    shutil.rmtree(dest, ignore_errors=True)
    args = [sys.executable, "-m", "dolma_tools", "tag", "--documents", f"{corpus}/documents/*.jsonl.gz",
            "--taggers", *TAGGERS, "--destination", str(dest), *flags]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(args, env={**os.environ, **RAY_ENV}, capture_output=True, text=True)
    seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{proc.stderr}")
    if not re.search(r"0 failed", proc.stderr):
        raise SystemExit(f"unexpected summary:\n{proc.stderr}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


DEDUPE = ["--dedupe.paragraphs.attribute_name", "para", "--dedupe.paragraphs.by_ngram.ngram_length", "13",
          "--dedupe.paragraphs.by_ngram.stride", "0", "--dedupe.paragraphs.by_ngram.overlap_threshold", "0.5",
          "--bloom_filter.estimated_doc_count", "20000000", "--bloom_filter.desired_false_positive_rate", "0.001"]


def run_dedupe(corpus: Path, work: Path, *flags: str) -> tuple[float, float, int]:
    """Wall and CPU seconds (as ``run_tag``) and the number of keys of one `dolma-tools dedupe` over a copy of
    the corpus's documents (attributes are written next to them) with a fresh filter."""
    root = work / "dedupe"
    shutil.rmtree(root, ignore_errors=True)
    (root / "documents").mkdir(parents=True)
    for f in (corpus / "documents").iterdir():
        os.link(f, root / "documents" / f.name)
    args = [sys.executable, "-m", "dolma_tools", "dedupe", "--documents", f"{root}/documents/*.jsonl.gz", *DEDUPE,
            "--bloom_filter.file", str(root / "filter.bin"), *flags]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(args, env={**os.environ, **RAY_ENV}, capture_output=True, text=True)
    seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0 or not re.search(r"0 failed", proc.stderr):
        raise SystemExit(f"failed: {' '.join(args)}\n{proc.stderr}")
    keys = int(re.search(r"keys: ([\d,]+)", proc.stderr).group(1).replace(",", ""))  # type: ignore[union-attr]
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), keys


def dedupe_parts(corpus: Path) -> dict[str, float]:
    """The distributed engine's pieces alone, in this process: scan one shard into partition key lists (s per MB
    of gzip), check keys in one filter partition vs the whole local filter (keys/s), bytes shipped per key."""
    from dolma_tools._rust import BloomFilter, FilterSlice, scan_split

    from dolma_tools.dedupe.sources import rust_codec

    settings = json.dumps({"mode": "paragraphs", "paragraph_separator": "\n", "attribute_name": "para",
                           "by_ngram": {"ngram_length": 13, "stride": 0, "overlap_threshold": 0.5,
                                        "skip_short_paragraphs": False}})
    whole = BloomFilter(estimated_doc_count=20_000_000, desired_false_positive_rate=0.001)
    shard = min((corpus / "documents").iterdir())
    start = time.process_time()
    meta, layout, _ = scan_split(str(shard), rust_codec(str(shard)), settings, 2, whole.num_bits, whole.num_hashes)
    scan_cpu = time.process_time() - start
    keys = meta["keys"]
    import numpy as np

    many = np.random.default_rng(0).integers(0, 2**64, size=4_000_000, dtype=np.uint64).tobytes()  # all new keys
    slice_ = FilterSlice(whole.num_bits, whole.num_hashes, 0, 1)
    start = time.perf_counter()
    slice_.check_and_insert_many(many)
    partition_rate = (len(many) // 8) / (time.perf_counter() - start)
    start = time.perf_counter()
    whole.check_and_insert_hashes(many)
    whole_rate = (len(many) // 8) / (time.perf_counter() - start)
    return {"scan_s_per_mb": scan_cpu / (shard.stat().st_size / 1e6), "keys_per_mb": keys / (shard.stat().st_size / 1e6),
            "partition_keys_per_s": partition_rate, "whole_keys_per_s": whole_rate,
            "layout_bytes_per_key": len(layout) / max(keys, 1)}


def noop_job(job, reporter):  # type: ignore[no-untyped-def]
    """A job that does nothing: what is left of its time is the executor's own cost."""
    from dolma_tools.runner import JobResult

    return JobResult(key=job.key)


def dispatch_seconds(executor, jobs: int = 300) -> float:  # type: ignore[no-untyped-def]
    """Seconds per job of ``executor`` running ``noop_job`` (after a warm-up that starts the workers)."""
    from dolma_tools.runner import Job
    from dolma_tools.runner.progress import ProgressBoard

    def batch(n: int, tag: str) -> list[Job]:
        return [Job(key=f"{tag}{i}", inputs=[], outputs=[f"/nonexistent/{tag}{i}"]) for i in range(n)]

    executor.run(noop_job, batch(8, "warm"), ProgressBoard("warm", 0, 8))
    start = time.monotonic()
    results = executor.run(noop_job, batch(jobs, "job"), ProgressBoard("noop", 0, jobs))
    assert len(results) == jobs and all(r.ok for r in results)
    return (time.monotonic() - start) / jobs


def make_corpora(args: argparse.Namespace) -> dict[str, Path]:
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    corpora = {"main": make_main_corpus(work, Path(args.make_corpus), args.size_mb, args.shards),
               "dedupe": make_main_corpus(work, Path(args.make_corpus), args.dedupe_size_mb, args.shards)}
    for n in TINY_SHARDS:
        corpora[f"tiny{n}"] = make_tiny_corpus(work, n)
    return corpora


def measure_tag(args: argparse.Namespace, t: Timings, corpora: dict[str, Path]) -> None:
    work = Path(args.work).resolve()
    ray_stop()
    for r in range(args.rounds):
        print(f"tag round {r + 1}/{args.rounds}, load {os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)
        t.load.append(os.getloadavg()[0])
        for workers in (1, 2):
            for name in ("main", *(f"tiny{n}" for n in TINY_SHARDS)):
                if name != "main" and workers == 2:
                    continue  # per-shard costs are measured with one worker
                t.add(f"local{workers}:{name}", *run_tag(corpora[name], work, "--processes", str(workers)))
            address = ray_start(workers)
            try:
                for name in ("main", *(f"tiny{n}" for n in TINY_SHARDS)):
                    if name != "main" and workers == 2:
                        continue
                    t.add(f"ray{workers}:{name}", run_tag(corpora[name], work, "--executor", "ray",
                                                          "--ray-address", address)[0])
                if workers == 1:
                    t.add("dispatch:ray1", ray_dispatch(address))
            finally:
                ray_stop()
        from dolma_tools.runner.local import LocalExecutor

        t.add("dispatch:local2", dispatch_seconds(LocalExecutor(2)))
        t.add("ray-own-instance2:main", run_tag(corpora["main"], work, "--executor", "ray", "--processes", "2")[0])
        t.load.append(os.getloadavg()[0])


def measure_dedupe(args: argparse.Namespace, t: Timings, corpora: dict[str, Path]) -> None:
    work = Path(args.work).resolve()
    corpus = corpora["dedupe"]
    ray_stop()
    for r in range(args.rounds):
        print(f"dedupe round {r + 1}/{args.rounds}, load {os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)
        t.load.append(os.getloadavg()[0])
        for workers in (1, 2):
            wall, cpu, keys = run_dedupe(corpus, work, "--processes", str(workers))
            t.add(f"local{workers}:dedupe", wall, cpu)
            t.add("dedupe:keys", keys)
            address = ray_start(workers)
            try:
                t.add(f"ray{workers}:dedupe", run_dedupe(corpus, work, "--executor", "ray", "--ray-address", address,
                                                         "--ray-partitions", str(workers))[0])
            finally:
                ray_stop()
        for name, value in dedupe_parts(corpus).items():
            t.add(f"part:{name}", value)
        t.load.append(os.getloadavg()[0])


def ray_dispatch(address: str) -> float:
    import ray

    from dolma_tools.runner.ray_executor import RayExecutor

    ray.init(address=address, logging_level="warning")
    try:
        return dispatch_seconds(RayExecutor(1, address=address))
    finally:
        ray.shutdown()


def fit(values: dict[str, list[float]], prefix: str) -> tuple[float, float]:
    """(fixed, per shard) from the medians over the two tiny corpora: T(N) = fixed + N * per_shard."""
    (n1, n2) = TINY_SHARDS
    y1 = statistics.median(values[f"{prefix}:tiny{n1}"])
    y2 = statistics.median(values[f"{prefix}:tiny{n2}"])
    per_shard = (y2 - y1) / (n2 - n1)
    return y1 - per_shard * n1, per_shard


def report(t: Timings, corpora: dict[str, Path], args: argparse.Namespace) -> str:
    main_mb = corpus_bytes(corpora["main"]) / 1e6
    fixed_l, shard_l = fit(t.wall, "local1")
    fixed_r, shard_r = fit(t.wall, "ray1")
    cpu_fixed, _ = fit(t.cpu, "local1")
    rate_cpu = main_mb / (statistics.median(t.cpu["local1:main"]) - cpu_fixed)  # MB per CPU-second
    speed_r = (t.median("ray1:main") - fixed_r) / (t.median("ray2:main") - fixed_r)
    speed_l = (t.median("local1:main") - fixed_l) / (t.median("local2:main") - fixed_l)
    dispatch_r, dispatch_l = t.median("dispatch:ray1"), t.median("dispatch:local2")
    nodes, cores = 64, args.cores_per_node
    workers = nodes * cores
    shards = int(1e6 / args.shard_mb)
    compute = 1e6 / (workers * rate_cpu)
    overhead = shards * dispatch_r / workers
    total = compute + overhead + fixed_r
    rows = "\n".join(f"| {name} | {t.spread(name)} |" for name in sorted(t.wall)
                     if not name.startswith(("dispatch", "part:", "dedupe:")))
    load = f"{min(t.load):.1f}-{max(t.load):.1f} (mean {statistics.mean(t.load):.1f})"
    cpu1, cpu2 = statistics.median(t.cpu["local1:main"]), statistics.median(t.cpu["local2:main"])
    autogroup = Path("/proc/sys/kernel/sched_autogroup_enabled")
    shared = autogroup.exists() and autogroup.read_text().strip() == "1"
    fairness = (" The kernel shares CPU time between login sessions (`sched_autogroup_enabled=1`): while other "
                "sessions are busy, all of this benchmark's processes together get about one session's share, "
                "so a second worker adds little or no CPU and the wall-time speedup below says more about the "
                "machine than about the executors." if shared else "")
    return f"""## Scaling

`python bench/scaling.py --rounds {args.rounds}` on this machine (2 cores, at times shared with other jobs); 1-minute
load average during the runs {load}.{fairness} The CPU-second figures do not depend on the load.

Job: `dolma-tools tag --taggers {" ".join(TAGGERS)}` over {main_mb:.1f} MB of gzip input in {args.shards}
shards (`make_corpus.py --size-mb {args.size_mb} --shards {args.shards} --seed 5`) and over {TINY_SHARDS[0]} and
{TINY_SHARDS[1]} tiny shards (5 documents each). Wall seconds of the whole command, median (min-max) of
{args.rounds} alternating rounds. `rayK` = `--executor ray --ray-address` of a running `ray start --head
--num-cpus K`; `ray-own-instance2` = `--executor ray --processes 2` (starts and stops its own Ray);
`localK` = `--processes K` (1 runs inline in the command's process).

| configuration:corpus | wall s |
|---|---|
{rows}

| measure | local | Ray (running cluster) |
|---|---|---|
| executor cost per job (a job that does nothing, 300 jobs) | {dispatch_l * 1000:.1f} ms (2-process pool) | {dispatch_r * 1000:.1f} ms (1 CPU) |
| fixed cost per command, from T(N) = fixed + N x per-shard over the tiny corpora | {fixed_l:.2f} s | {fixed_r:.2f} s |
| cost per tiny shard (executor + reading and writing it), same fit | {shard_l * 1000:.0f} ms | {shard_r * 1000:.0f} ms |
| speedup 1 -> 2 workers on the main corpus, fixed cost removed (wall time) | {speed_l:.2f}x | {speed_r:.2f}x |
| CPU seconds of the main-corpus command, 1 vs 2 processes | {cpu1:.1f} vs {cpu2:.1f} | (workers outside the command) |

- **Ray's overhead per shard**: {dispatch_r * 1000:.1f} ms per job for Ray's own scheduling and result passing
  (the local pool: {dispatch_l * 1000:.1f} ms), negligible next to a real shard (a {args.shard_mb} MB shard is
  {args.shard_mb / rate_cpu:.0f} CPU-seconds of tagging here). Joining a running cluster costs {fixed_r - fixed_l:+.1f} s per command over the local executor
  (connecting, starting worker processes that import dolma-tools and the taggers); a private Ray instance
  started by the command costs {t.median("ray-own-instance2:main") - t.median("ray2:main"):.0f} s more, which
  is why `--executor local` stays the default on one machine.
- **Speedup from 1 to 2 workers**: Ray {speed_r:.2f}x, local {speed_l:.2f}x in wall time on this
  machine (ideal 2x). In CPU time a second local process costs {cpu2 - cpu1:+.1f} s (starting it and importing
  dolma-tools again), i.e. the work itself parallelises without extra CPU: with free cores the speedup is
  bounded only by that start-up cost and the last shard.
- **CPU cost**: {rate_cpu:.2f} MB of gzip input per CPU-second (one-process local run: CPU time of the
  process, fixed cost removed); the job function is the same under Ray.

**What a 64-node cluster would do with 1 TB** of gzip input with the same taggers, assuming {cores} worker CPUs
per node each as fast as one core here, {args.shard_mb} MB shards, and shards that scale linearly (each task
reads and writes only its own objects; the only shared part is the driver, which handles
{1 / dispatch_r:,.0f} results/s against the {shards / (total or 1):.0f}/s needed):

- workers = 64 x {cores} = {workers:,}; shards = 1,000,000 MB / {args.shard_mb} MB = {shards:,}
  ({shards / workers:.1f} per worker);
- compute = 1,000,000 MB / ({workers:,} x {rate_cpu:.2f} MB/s) = {compute:,.0f} s ({compute / 60:.1f} min);
- Ray overhead = {shards:,} x {dispatch_r * 1000:.1f} ms / {workers:,} = {overhead:.2f} s, plus {fixed_r:.1f} s to join;
- total ~ {total:,.0f} s ({total / 60:.1f} min); the last wave adds up to one shard's time
  ({args.shard_mb / rate_cpu:.0f} s) when shards do not divide evenly over the workers. Reading 1 TB in that
  time takes {1e6 / total / nodes:.0f} MB/s per node from S3, far below a node's network bandwidth, so the run
  stays CPU-bound. Heavier taggers (fastText models) lower the MB per CPU-second and raise the time in
  proportion; the Ray overhead stays the same.

{dedupe_report(t, corpus_bytes(corpora["dedupe"]) / 1e6, args, dispatch_r)}"""


def dedupe_report(t: Timings, main_mb: float, args: argparse.Namespace, dispatch: float) -> str:
    """The dedupe part of the section: executors compared, the engine's parts, and the 1 TB arithmetic."""
    part = {name[5:]: statistics.median(v) for name, v in t.wall.items() if name.startswith("part:")}
    keys = statistics.median(t.wall["dedupe:keys"])
    cpu1 = statistics.median(t.cpu["local1:dedupe"])
    rate_cpu = main_mb / cpu1  # MB of gzip per CPU-second, everything included (the scan dominates)
    speed_l = t.median("local1:dedupe") / t.median("local2:dedupe")
    speed_r = t.median("ray1:dedupe") / t.median("ray2:dedupe")
    nodes, cores = 64, args.cores_per_node
    workers, partitions = nodes * cores, nodes
    shards = int(1e6 / args.shard_mb)
    keys_tb = part["keys_per_mb"] * 1e6
    scan = 1e6 / (workers * rate_cpu)
    check = keys_tb / (partitions * part["partition_keys_per_s"])
    single = keys_tb / part["whole_keys_per_s"]
    calls = shards * (partitions + 2)
    driver = calls * dispatch
    shipped = keys_tb * (8 + 1 + part["layout_bytes_per_key"]) / 1e12
    total = max(scan, check, driver)
    return f"""### Dedupe (`dolma-tools dedupe`, paragraph 13-grams, Bloom filter)

{main_mb:.1f} MB of gzip input in {args.shards} shards (`make_corpus.py --size-mb {args.dedupe_size_mb} --shards
{args.shards} --seed 5`), {args.rounds} alternating rounds; `localK` = `--processes K` (scan threads; one committer),
`rayK` = a running Ray with K CPUs and `--ray-partitions K` filter actors. Every configuration writes the same attribute bytes (tested in
`tests/cluster/test_ray_dedupe_mix.py`); {keys:,.0f} keys.

| configuration | wall s |
|---|---|
| local1 | {t.spread("local1:dedupe")} |
| local2 | {t.spread("local2:dedupe")} |
| ray1 | {t.spread("ray1:dedupe")} |
| ray2 | {t.spread("ray2:dedupe")} |

- speedup 1 -> 2 workers (wall): local {speed_l:.2f}x, Ray {speed_r:.2f}x; Ray over local with one worker:
  {t.median("ray1:dedupe") - t.median("local1:dedupe"):+.1f} s (joining the cluster, starting workers, shipping
  keys and layouts through the object store).
- CPU: {rate_cpu:.2f} MB of gzip per CPU-second for the whole local command (one thread); the scan alone
  {1 / part["scan_s_per_mb"]:.2f} MB/CPU-s; {part["keys_per_mb"]:,.0f} keys per MB of gzip.
- the sequential part: one filter partition checks {part["partition_keys_per_s"] / 1e6:.1f} M keys/s, the whole
  local filter {part["whole_keys_per_s"] / 1e6:.1f} M keys/s (same Rust loop; a partition only adds the range
  check), so P partitions check P times as fast; bytes shipped per key: 8 to its partition, 1 back, and
  {part["layout_bytes_per_key"]:.1f} in the file's layout to the assembling task.

**1 TB on 64 nodes** ({cores} CPUs each, {partitions} filter partitions, one per node, {args.shard_mb} MB shards):

- keys = 1,000,000 MB x {part["keys_per_mb"]:,.0f} = {keys_tb:.2e}; filter at 0.1% ~ 1.9 bytes/key =
  {keys_tb * 1.9 / 1e9:,.0f} GB, i.e. {keys_tb * 1.9 / 1e9 / partitions:,.1f} GB per node;
- scan + assemble = 1,000,000 MB / ({workers:,} x {rate_cpu:.2f} MB/s) = {scan:,.0f} s;
- checks = {keys_tb:.2e} / ({partitions} x {part["partition_keys_per_s"] / 1e6:.1f} M/s) = {check:,.0f} s, overlapped
  with the scans (one machine would need {single / 3600:,.1f} h of sequential checks and the whole filter in memory);
- driver: {shards:,} shards x ({partitions} check calls + scan + assemble) = {calls:,} Ray calls x {dispatch * 1000:.1f}
  ms (a task's round trip through the executor, measured above; an actor call is cheaper) = {driver:,.0f} s: with
  {args.shard_mb} MB shards the driver's submission rate, not the cluster, is the bound; 1 GB shards cut it
  tenfold ({driver / 10:,.0f} s), as would fewer partitions;
- network: {shipped:.1f} TB of keys, answers and layouts through Ray's object store, spread over the nodes;
- total ~ max of the three = {total:,.0f} s ({total / 60:.0f} min), against {1e6 / rate_cpu / 3600:,.0f} CPU-hours
  of work on one core here.
"""


def _part_of(name: str) -> str:
    return "dedupe" if name.endswith(":dedupe") or name.startswith(("part:", "dedupe:")) else "tag"


def write_results(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## Scaling\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(section.rstrip() + "\n\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default=str(REPO / "bench" / "work" / "scaling"), help="corpora and outputs")
    parser.add_argument("--make-corpus", default=str(DEFAULT_MAKE_CORPUS))
    parser.add_argument("--size-mb", type=int, default=24)
    parser.add_argument("--shards", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cores-per-node", type=int, default=32)
    parser.add_argument("--shard-mb", type=int, default=100, help="shard size assumed for the 1 TB estimate")
    parser.add_argument("--write-results", default=None, help="replace the '## Scaling' section of this file")
    parser.add_argument("--dedupe-size-mb", type=int, default=96, help="text of the dedupe corpus")
    parser.add_argument("--report-only", action="store_true", help="re-render the report from the last timings.json")
    parser.add_argument("--only", choices=("tag", "dedupe"), help="measure one part again, keep the other's timings")
    args = parser.parse_args()
    raw = Path(args.work).resolve() / "timings.json"
    corpora = make_corpora(args)
    timings = Timings()
    if args.report_only or args.only:
        data = json.loads(raw.read_text())
        timings = Timings(wall=data["wall"], cpu=data["cpu"], load=data["load"])
    if not args.report_only:
        for part, measure in (("tag", measure_tag), ("dedupe", measure_dedupe)):
            if args.only in (None, part):
                for d in (timings.wall, timings.cpu):  # a part measured again replaces its old numbers
                    for name in [n for n in d if _part_of(n) == part]:
                        del d[name]
                measure(args, timings, corpora)
        raw.write_text(json.dumps({"wall": timings.wall, "cpu": timings.cpu, "load": timings.load}, indent=1))
    section = report(timings, corpora, args)
    print(section)
    if args.write_results:
        write_results(Path(args.write_results), section)


if __name__ == "__main__":
    main()
