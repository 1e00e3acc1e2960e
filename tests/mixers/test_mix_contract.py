"""The contract scripts outside the project rely on (issue: "Contract"): `dolma-tools -c FILE mix` with a
`sources:` config, manifest fields and types, output ids."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from mixer_helpers import make_source, read_docs

CONFIG = """
sources:
  - source_name: dclm
    documents: ["{root}/dclm/documents/*.jsonl.gz"]
    target_ratio: 0.4723
    max_repetition_ratio: 1.0
  - source_name: math
    documents: ["{root}/math/documents/*.jsonl.gz"]
    target_ratio: 0.5277
    max_repetition_ratio: 4.0
requested_tokens: 40000
seed: 42
output: {{path: {out}}}
"""


def test_contract(tmp_path: Path) -> None:
    rng = random.Random(0)
    make_source(tmp_path / "dclm" / "documents", "dclm", 60_000, 2, rng)
    make_source(tmp_path / "math" / "documents", "math", 8_000, 1, rng)
    inputs = {r["id"] for f in tmp_path.rglob("part-*.jsonl.gz") for r in read_docs(f)}
    out = tmp_path / "mix"
    (tmp_path / "mix.yaml").write_text(CONFIG.format(root=tmp_path, out=out))
    proc = subprocess.run([sys.executable, "-m", "dolma_tools", "-c", str(tmp_path / "mix.yaml"), "mix"],
                          capture_output=True, text=True, env={**os.environ, "DOLMA_TOOLS_PROGRESS": "0"})
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 42
    assert isinstance(manifest["config_sha256"], str) and len(manifest["config_sha256"]) == 64
    for name in ("dclm", "math"):
        entry = manifest["sources"][name]
        for key in ("selected_docs", "selected_tokens", "available_tokens"):
            assert type(entry[key]) is int, key
        assert type(entry["repetition"]) is float
    assert 2.0 < manifest["sources"]["math"]["repetition"] <= 4.0  # 21.1k tokens from an ~8k pool
    files = sorted(out.glob("*.jsonl.gz"))
    assert files and {f.name.rsplit("-", 1)[0] for f in files} == {"dclm", "math"}
    for f in files:
        for row in read_docs(f):
            base, _, copy = row["id"].partition("#")
            assert base in inputs and (copy == "" or int(copy) >= 2)
