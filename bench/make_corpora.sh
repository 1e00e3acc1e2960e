#!/usr/bin/env bash
# Idempotently install the Debian documentation packages read by /work/shared/bench/make_corpus.py and
# generate the benchmark corpora (outside the repo):
#   $BENCH_DATA/corpus200  200 MB text, 8 gzip shards, seed 1   (~87.5k docs, 77 MB on disk)
#   $BENCH_DATA/corpus20    20 MB text, 4 gzip shards, seed 2   (~8.8k docs)
#   $BENCH_DATA/tiny         5 MB text, 2 gzip shards, seed 7   (~2.2k docs)
# A corpus is skipped when its ground_truth.json already records the same generator version, seed,
# size, shards and compression; FORCE=1 regenerates everything.
#   BENCH_DATA       output root (default /work/bench-data)
#   MAKE_CORPUS      generator   (default /work/shared/bench/make_corpus.py; in CI: ../shared/bench/...)
#   ALLOW_REMOVALS=1 let apt remove conflicting packages (see below)
#   SKIP_APT=1       do not touch apt at all
set -euo pipefail
DATA="${BENCH_DATA:-/work/bench-data}"
GEN="${MAKE_CORPUS:-/work/shared/bench/make_corpus.py}"
PY="${PYTHON:-python3}"

PKGS=(linux-doc-6.1 python3.11-doc perl-doc python-django-doc nodejs-doc postgresql-doc-15 sqlite3-doc
      git-doc debian-reference-en debian-policy debian-handbook gnu-standards dict-gcide dict-foldoc
      dict-jargon dict-devil fortunes manpages manpages-dev octave-doc maxima-doc kicad-doc-en)

if [ "${SKIP_APT:-0}" != 1 ]; then
  missing=()
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    avail=(); for p in "${missing[@]}"; do
      if apt-cache show "$p" >/dev/null 2>&1; then avail+=("$p"); else echo "[apt] $p not available; skipped"; fi
    done
    # Packages whose installation would REMOVE something already installed (on the stock image:
    # nodejs-doc 18.x from Debian conflicts with the NodeSource nodejs 20 package and apt removes node!)
    # are not installed through dpkg unless ALLOW_REMOVALS=1; their files are unpacked with dpkg-deb
    # into any paths that do not exist yet, so the corpus still gets the same text.
    clean=(); unpack=()
    for p in "${avail[@]}"; do
      if [ "${ALLOW_REMOVALS:-0}" != 1 ] && \
         apt-get install -s -y --no-install-recommends "$p" 2>/dev/null | grep -q '^Remv '; then
        unpack+=("$p")
      else
        clean+=("$p")
      fi
    done
    [ ${#clean[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${clean[@]}"
    for p in "${unpack[@]}"; do
      echo "[apt] $p would remove installed packages; unpacking its files instead of installing"
      tmp="$(mktemp -d)"
      (cd "$tmp" && apt-get download -qq "$p" && dpkg-deb -x ./*.deb root)
      (cd "$tmp/root" && find . -type f -o -type l) | while read -r f; do
        dst="${UNPACK_ROOT:-}/${f#./}"; [ -e "$dst" ] || { mkdir -p "$(dirname "$dst")"; cp -a "$tmp/root/$f" "$dst"; }
      done
      rm -rf "$tmp"
    done
  fi
fi

gen() {  # gen <name> <size_mb> <shards> <seed>
  local name="$1" size="$2" shards="$3" seed="$4" out="$DATA/$1"
  if [ "${FORCE:-0}" != 1 ] && [ -f "$out/ground_truth.json" ] && "$PY" - "$out/ground_truth.json" "$size" "$shards" "$seed" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["generator"]
ok = (g["size_mb"] == float(sys.argv[2]) and g["shards"] == int(sys.argv[3]) and g["seed"] == int(sys.argv[4])
      and g["compression"] == "gz" and g["version"] == "1")
sys.exit(0 if ok else 1)
PY
  then
    echo "[corpus] $out up to date"; return
  fi
  rm -rf "$out"
  mkdir -p "$DATA/logs"
  echo "[corpus] generating $out ($size MB, $shards shards, seed $seed)"
  /usr/bin/env time -v -o "$DATA/logs/gen-$name.time" \
    "$PY" "$GEN" --out "$out" --size-mb "$size" --shards "$shards" --seed "$seed" --compression gz \
    >"$DATA/logs/gen-$name.log" 2>&1
  grep -E "Elapsed" "$DATA/logs/gen-$name.time"
}

[ -x /usr/bin/time ] || apt-get install -y -qq --no-install-recommends time
gen corpus200 200 8 1
gen corpus20 20 4 2
gen tiny 5 2 7
