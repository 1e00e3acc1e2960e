#!/usr/bin/env python3
"""Run a command and sample the summed RSS of its whole process tree (stdlib only, Linux /proc).

GNU `time -v` reports "Maximum resident set size" of the single largest process only (getrusage of
children), which under-reports multi-process tools.  This samples every --interval seconds and prints
one JSON line to --out (or stderr): wall seconds, peak summed tree RSS (MiB), peak single-process RSS,
max number of processes seen, and the exit code.

    treerss.py --out run.rss.json -- dolma -c cfg.yaml tag
"""
import argparse
import json
import os
import subprocess
import sys
import time


def _children_map():
    kids = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(pid))
    return kids


def _rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out")
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd)
    peak_sum = peak_one = max_procs = 0
    while proc.poll() is None:
        kids = _children_map()
        tree, stack = [], [proc.pid]
        while stack:
            p = stack.pop()
            tree.append(p)
            stack.extend(kids.get(p, []))
        rss = [_rss_kib(p) for p in tree]
        peak_sum = max(peak_sum, sum(rss))
        peak_one = max(peak_one, max(rss, default=0))
        max_procs = max(max_procs, len(tree))
        time.sleep(a.interval)
    res = {
        "cmd": cmd,
        "wall_s": round(time.monotonic() - t0, 2),
        "peak_tree_rss_mib": round(peak_sum / 1024, 1),
        "peak_single_rss_mib": round(peak_one / 1024, 1),
        "max_procs": max_procs,
        "returncode": proc.returncode,
    }
    line = json.dumps(res)
    if a.out:
        with open(a.out, "w") as f:
            f.write(line + "\n")
    print(line, file=sys.stderr)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
