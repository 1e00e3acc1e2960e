#!/usr/bin/env bash
# Time dolma 1.2.1 (tag, dedupe docs, dedupe paragraphs, mix) on /work/bench-data/corpus200.
# Prereqs: bench/setup_dolma.sh and bench/make_corpora.sh have been run.
# Usage: bench/run_dolma_baseline.sh [STEP...]  (default: all, in this order)
#   tag dedupe_docs dedupe_paragraphs dedupe_docs_p1 dedupe_paragraphs_p1 mix mix_sharded
# The machine has 2 cores; other jobs running at the same time distort wall times: the load average
# before/after each step is logged to <step>.load so runs can be judged.
# Outputs: /work/bench-data/dolma-out/corpus200/{attributes,mixed,bloom}; logs + /usr/bin/time -v reports in
#          /work/bench-data/dolma-out/logs/<step>.{log,time}
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${DOLMA_VENV:-/work/dolma-venv}"
DATA="${BENCH_DATA:-/work/bench-data}"
OUT="$DATA/dolma-out/corpus200"
LOGS="$DATA/dolma-out/logs"
CFG="$HERE/dolma_configs"
DOLMA="$VENV/bin/dolma"

[ -x /usr/bin/time ] || apt-get install -y --no-install-recommends time
mkdir -p "$OUT/documents" "$OUT/bloom" "$LOGS"
# dolma writes attributes next to the inputs (documents/ -> attributes/<name>/), so give it a
# documents/ folder of symlinks inside dolma-out instead of writing into the corpus folder.
for f in "$DATA"/corpus200/documents/*.jsonl.gz; do ln -sf "$f" "$OUT/documents/"; done

run() {  # run <step> <dolma args...>
  local step="$1"; shift
  echo "== $step: $DOLMA $*"
  echo "before: $(cat /proc/loadavg)" >"$LOGS/$step.load"
  # GNU time: wall + max RSS of the largest single process; treerss.py: summed RSS of the process tree
  /usr/bin/time -v -o "$LOGS/$step.time" python3 "$HERE/treerss.py" --out "$LOGS/$step.rss.json" -- \
    "$DOLMA" "$@" >"$LOGS/$step.log" 2>&1
  echo "after:  $(cat /proc/loadavg)" >>"$LOGS/$step.load"
  grep -E "Elapsed|Maximum resident|User time|System time" "$LOGS/$step.time"; cat "$LOGS/$step.rss.json" "$LOGS/$step.load"
}

steps=("$@"); [ ${#steps[@]} -gt 0 ] || steps=(tag dedupe_docs dedupe_paragraphs dedupe_docs_p1 dedupe_paragraphs_p1 mix mix_sharded)
for s in "${steps[@]}"; do
  case "$s" in
    tag)
      rm -rf "$OUT"/attributes/{gopher_v1,c4_v2,pii_regex_with_counts_fast_v2,char_length_with_paragraphs_v1,whitespace_tokenizer_with_paragraphs_v1}
      run tag -c "$CFG/corpus200_tag.yaml" tag ;;
    dedupe_docs)
      rm -rf "$OUT/attributes/dedupe_docs_text" "$OUT/bloom/docs_text.bin"
      run dedupe_docs -c "$CFG/corpus200_dedupe_docs.yaml" dedupe ;;
    dedupe_paragraphs)
      rm -rf "$OUT/attributes/dedupe_paragraphs" "$OUT/bloom/paragraphs.bin"
      run dedupe_paragraphs -c "$CFG/corpus200_dedupe_paragraphs.yaml" dedupe ;;
    dedupe_docs_p1|dedupe_paragraphs_p1)   # single-process, deterministic reference outputs
      k="${s#dedupe_}"; k="${k%_p1}"
      if [ "$k" = docs ]; then a=dedupe_docs_text_p1; b=docs_text_p1; else a=dedupe_paragraphs_p1; b=paragraphs_p1; fi
      rm -rf "$OUT/attributes/$a" "$OUT/bloom/$b.bin"
      run "$s" -c "$CFG/corpus200_dedupe_${k}_p1.yaml" dedupe ;;
    mix)
      rm -rf "$OUT/mixed"
      run mix -c "$CFG/corpus200_mix.yaml" mix ;;
    mix_sharded)
      rm -rf "$OUT/mixed_sharded"
      run mix_sharded -c "$CFG/corpus200_mix_sharded.yaml" mix ;;
    *) echo "unknown step $s" >&2; exit 2 ;;
  esac
done
