#!/usr/bin/env bash
# Produce dolma 1.2.1 reference outputs on Dolma's own test fixtures (read-only, from shared/):
#  1. taggers on data/provided/documents/000.json.gz, data/multiple_files/*.jsonl.gz and on edge-case
#     docs from bench/make_edge_docs.py -> $REF/{provided,multiple_files,edge}/attributes/<tagger>/<file>
#  2. Dolma's own test configs for mix/dedupe (fixture_tests/*.yaml, paths rewritten)
#     -> $REF/dolma-tests/{data/provided/**/attributes/<name>/, work/output/<name>/}
# Wipes and regenerates $REF each time (outputs are deterministic). Needs bench/setup_dolma.sh first.
#   FIXTURES  (default /work/shared/fixtures/dolma)    REF (default /work/bench-data/fixtures-ref)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${DOLMA_VENV:-/work/dolma-venv}"
FIX="${FIXTURES:-/work/shared/fixtures/dolma}"
REF="${REF:-/work/bench-data/fixtures-ref}"
CFG="$HERE/dolma_configs"
DOLMA="$VENV/bin/dolma"
[ "$REF" = /work/bench-data/fixtures-ref ] || { echo "configs hard-code /work/bench-data/fixtures-ref" >&2; exit 2; }

rm -rf "$REF"; mkdir -p "$REF/logs"
# writable copies in the documents/ layout dolma expects (attributes are written next to documents/)
mkdir -p "$REF/provided/documents" "$REF/multiple_files/documents" "$REF/dolma-tests"
cp "$FIX/data/provided/documents/000.json.gz" "$REF/provided/documents/"
cp "$FIX"/data/multiple_files/*.jsonl.gz "$REF/multiple_files/documents/"
cp -r "$FIX/data" "$REF/dolma-tests/data"
mkdir -p "$REF/edge/documents"
python3 "$HERE/make_edge_docs.py" "$REF/edge/documents/edge.jsonl.gz"   # our own edge cases
chmod -R u+w "$REF"

for set in provided multiple_files edge; do
  "$DOLMA" -c "$CFG/fixtures_${set}_tag.yaml" tag >"$REF/logs/$set.tag.log" 2>&1
  # ft_lang_id_en_doc_v2 with lid.176.ftz (lid.176.bin is not downloadable here), see dolma_lid176_ftz.py
  "$DOLMA" -c "$CFG/fixtures_${set}_ft_lang_id.yaml" tag >"$REF/logs/$set.ft_lang_id.log" 2>&1
done

for c in "$CFG"/fixture_tests/*.yaml; do
  name="$(basename "$c" .yaml)"
  cmd=mix; grep -q '^dedupe:' "$c" && cmd=dedupe
  "$DOLMA" -c "$c" "$cmd" >"$REF/logs/dolma-tests.$name.log" 2>&1 || { echo "FAILED: $name (see $REF/logs)"; exit 1; }
done
rm -rf "$REF/dolma-tests/work/temp"   # dolma's per-run work dirs (skip-if-done metadata)
( cd "$REF" && find . -type f ! -path './logs/*' ! -name MANIFEST.sha256 | sort | xargs sha256sum ) >"$REF/MANIFEST.sha256"
echo "fixture references in $REF"
