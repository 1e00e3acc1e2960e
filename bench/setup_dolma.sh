#!/usr/bin/env bash
# Idempotently create the reference venv with AllenAI's dolma 1.2.1 (PyPI), usable fully offline
# (only PyPI reachable).  See bench/DOLMA_SETUP.md for the why.
#   DOLMA_VENV   venv location            (default /work/dolma-venv)
#   PYTHON       interpreter, 3.10-3.12   (default python3)
#   NO_CONSTRAINTS=1  install dolma==1.2.1 with whatever deps pip resolves today instead of the pinned set
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${DOLMA_VENV:-/work/dolma-venv}"
PYTHON="${PYTHON:-python3}"
LID_SHA256=8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83

"$PYTHON" -c 'import sys; assert (3,10) <= sys.version_info[:2] <= (3,12), "dolma 1.2.1 needs Python 3.10-3.12"'

# 1. venv + dolma (pinned dependency set in dolma-constraints.txt)
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
if ! "$VENV/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("dolma") != "1.2.1")' 2>/dev/null; then
  "$VENV/bin/pip" install -q --upgrade pip
  if [ "${NO_CONSTRAINTS:-0}" = 1 ]; then
    "$VENV/bin/pip" install "dolma==1.2.1"
  else
    "$VENV/bin/pip" install -c "$HERE/dolma-constraints.txt" "dolma==1.2.1"
  fi
fi

# 2. nltk punkt: dolma/core/utils.py runs nltk.data.find("tokenizers/punkt") at import time and calls
#    nltk.download("punkt") (GitHub, unreachable) when it is missing -- in every worker process.
#    The data is never used: dolma builds PunktSentenceTokenizer() *untrained*, so an (empty) punkt
#    directory on nltk's search path ($VENV/nltk_data is one) is enough to skip the download.
mkdir -p "$VENV/nltk_data/tokenizers/punkt"
cat > "$VENV/nltk_data/tokenizers/punkt/README" <<'TXT'
Placeholder so that dolma's import-time nltk.data.find("tokenizers/punkt") succeeds offline.
dolma 1.2.1 only uses an untrained PunktSentenceTokenizer(); no punkt model data is read.
TXT

# 3. fastText lid.176.ftz for ft_lang_id_* taggers (dolma wants lid.176.bin from a non-PyPI host).
#    The quantized model ships byte-identical inside the whatthelang==1.0.1 sdist on PyPI.
MODEL_DIR="$VENV/share/dolma-models"
if ! echo "$LID_SHA256  $MODEL_DIR/lid.176.ftz" | sha256sum -c --quiet >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  "$VENV/bin/pip" download -q --no-deps --no-binary :all: -d "$tmp" "whatthelang==1.0.1"
  tar -xzf "$tmp"/whatthelang-1.0.1.tar.gz -C "$tmp" whatthelang-1.0.1/whatthelang/model/lid.176.ftz
  mkdir -p "$MODEL_DIR"
  cp "$tmp"/whatthelang-1.0.1/whatthelang/model/lid.176.ftz "$MODEL_DIR/lid.176.ftz"
  rm -rf "$tmp"
  echo "$LID_SHA256  $MODEL_DIR/lid.176.ftz" | sha256sum -c --quiet
fi

# 4. GNU time for the benchmarks
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq --no-install-recommends time; }

# 5. smoke check (no network use expected)
"$VENV/bin/dolma" --help >/dev/null 2>&1
"$VENV/bin/python" - <<'PY'
import importlib.metadata as m
import dolma.core.utils  # triggers the nltk punkt check
from dolma.core.registry import TaggerRegistry
names = [n for n, _ in TaggerRegistry.items()]
for t in ["gopher_v1", "c4_v2", "pii_regex_v2", "pii_regex_with_counts_fast_v2", "char_length_v1",
          "char_length_with_paragraphs_v1", "whitespace_tokenizer_v1",
          "whitespace_tokenizer_with_paragraphs_v1", "ft_lang_id_en_doc_v2"]:
    assert t in names, t
print("dolma", m.version("dolma"), "OK:", len(names), "taggers registered")
PY
echo "dolma venv ready: $VENV"
