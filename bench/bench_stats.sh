#!/usr/bin/env bash
# dolma-tools stats vs dolma 1.2.1 `stat` on the same attribute files, alternating runs.
#   CORPUS   benchmark corpus with documents/*.jsonl.gz (default /work/bench-data/corpus200)
#   DOLMA    dolma executable (default /work/dolma-venv/bin/dolma)
#   RUNS     pairs of runs (default 3); PROCS worker processes for both (default 2)
# The documents are copied to bench/work/stats/ and tagged there once (char/whitespace lengths with
# paragraphs, random numbers); then both tools read the same attribute files. Prints wall/user/sys per run.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${CORPUS:-/work/bench-data/corpus200}"
DOLMA="${DOLMA:-/work/dolma-venv/bin/dolma}"
RUNS="${RUNS:-3}"
PROCS="${PROCS:-2}"
WORK="bench/work/stats/$(basename "$CORPUS")"
export DOLMA_TOOLS_PROGRESS=0

if [ ! -d "$WORK/attributes" ]; then
  mkdir -p "$WORK"
  cp -r "$CORPUS/documents" "$WORK/"
  dolma-tools tag --documents "$WORK/documents/*.gz" --processes "$PROCS" \
    --taggers char_length_with_paragraphs_v1 whitespace_tokenizer_with_paragraphs_v1 random_number_v1
fi
GLOB="$WORK/attributes/*/*.gz"
TIMES="$WORK/times.txt"; : > "$TIMES"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$RUNS"); do
  /usr/bin/time -a -o "$TIMES" -f "dolma-tools stats  wall %e s  user %U s  sys %S s" \
    dolma-tools stats --attributes "$GLOB" --processes "$PROCS" >/dev/null 2>&1
  /usr/bin/time -a -o "$TIMES" -f "dolma stat         wall %e s  user %U s  sys %S s" \
    "$DOLMA" stat --attributes "$GLOB" --processes "$PROCS" >/dev/null 2>&1
done
cat "$TIMES"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
