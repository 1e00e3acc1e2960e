"""Output shards: size cap, naming, order, independence from --processes, atomic resume after SIGKILL,
rerun skip, and --verify of a stream mix."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mixer_helpers import read_docs, run_mix, write_docs

from mixers.sharding import Part, assemble, pack


def _corpus(root: Path, files: int, docs: int, words: int = 30) -> list[dict]:
    rows_all = []
    for f in range(files):
        rows = [{"id": f"f{f:02d}-d{d:03d}", "text": " ".join(f"w{f}x{d}" for _ in range(words + d % 11)), "source": "t"}
                for d in range(docs)]
        write_docs(root / "documents" / f"part-{f:03d}.jsonl.gz", rows)
        rows_all += rows
    return rows_all


def _config(root: Path, out: Path, **extra) -> Path:
    stream = {"name": "cap", "documents": [str(root / "documents/*.jsonl.gz")],
              "output": {"path": str(out), "max_size_in_bytes": 6_000}}
    stream.update(extra)
    path = out.parent / f"{out.name}.json"
    path.write_text(json.dumps({"streams": [stream]}))
    return path


def test_shards_are_capped_contiguous_and_in_input_order(tmp_path: Path) -> None:
    rows = _corpus(tmp_path / "data", files=5, docs=40)
    out = tmp_path / "out"
    assert run_mix("-c", _config(tmp_path / "data", out), "--processes", "1") == 0
    shards = sorted(out.glob("*.jsonl.gz"))
    assert [p.name for p in shards] == [f"cap-{i:04d}.jsonl.gz" for i in range(len(shards))]
    sizes = [len(gzip.open(p).read()) for p in shards]
    assert len(shards) > 5 and max(sizes) <= 6_000
    # greedy packing: no two neighbouring shards would fit together
    assert all(a + b > 6_000 for a, b in zip(sizes, sizes[1:]))
    ids = [r["id"] for p in shards for r in read_docs(p)]
    assert ids == [r["id"] for r in rows]
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["streams"]["cap"]
    assert [o["path"] for o in entry["outputs"]] == [p.name for p in shards]
    assert [o["bytes"] for o in entry["outputs"]] == sizes
    assert entry["documents_in"] == entry["documents_out"] == 200
    assert [i["path"] for i in entry["inputs"]] == [str(p) for p in sorted((tmp_path / "data/documents").glob("*"))]
    assert not (out / ".dolma-tools" / "staging").exists() or not any((out / ".dolma-tools" / "staging").rglob("*.gz"))


def test_output_is_independent_of_process_count(tmp_path: Path) -> None:
    _corpus(tmp_path / "data", files=6, docs=30)
    outs = []
    for p in (1, 2):
        out = tmp_path / f"out{p}"
        cfg = _config(tmp_path / "data", out)
        assert run_mix("-c", cfg, "--processes", p) == 0
        outs.append({q.name: q.read_bytes() for q in out.glob("*.jsonl.gz")})
    assert outs[0] == outs[1] and len(outs[0]) > 1


def test_rerun_of_a_finished_mix_is_skipped(tmp_path: Path, capsys) -> None:
    _corpus(tmp_path / "data", files=2, docs=10)
    cfg = _config(tmp_path / "data", tmp_path / "out")
    assert run_mix("-c", cfg) == 0
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").glob("*")}
    capsys.readouterr()
    assert run_mix("-c", cfg) == 0
    assert "already complete" in capsys.readouterr().err
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "out").glob("*")} == before


def test_packing_is_idempotent_after_an_interrupted_finalisation(tmp_path: Path) -> None:
    parts = []
    for i, text in enumerate(["a" * 50, "b" * 60, "c" * 300, "d" * 10]):
        path = tmp_path / "stage" / f"{i:06d}-0000.jsonl.gz"
        write_docs(path, [{"id": str(i), "text": text}])
        parts.append(Part(str(path), 1, len(text) + 20))
    groups = pack(parts, 200)
    assert [[Path(p.path).name[:6] for p in g] for g in groups] == [["000000", "000001"], ["000002"], ["000003"]]
    shards = assemble(groups, str(tmp_path / "out"), "s", ".jsonl.gz")
    first = {Path(s.path).name: Path(s.path).read_bytes() for s in shards}
    # a rerun after the single-part shards were already renamed into place gives the same files
    shards = assemble(groups, str(tmp_path / "out"), "s", ".jsonl.gz")
    assert {Path(s.path).name: Path(s.path).read_bytes() for s in shards} == first
    assert [r["id"] for r in read_docs(tmp_path / "out" / "s-0000.jsonl.gz")] == ["0", "1"]  # two gzip members


SPIN = "([range(0; 8000)] | length) > 0"  # a few ms of jq work per document, to kill the run mid-way


def _spin_config(root: Path, out: Path) -> Path:
    return _config(root, out, filter={"include": [SPIN], "syntax": "jq"})


def _done_records(out: Path) -> int:
    return len(list((out / ".dolma-tools").rglob("*.done.json"))) if (out / ".dolma-tools").exists() else 0


def test_sigkill_then_rerun_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    rows = _corpus(tmp_path / "data", files=10, docs=25)
    env = {**os.environ, "DOLMA_TOOLS_PROGRESS": "0"}
    clean = tmp_path / "clean"  # the spin filter keeps everything: a plain run gives the same shards
    assert run_mix("-c", _config(tmp_path / "data", clean), "--processes", "2") == 0
    expected = {p.name: p.read_bytes() for p in clean.glob("*.jsonl.gz")}

    out = tmp_path / "crashed"
    args = [sys.executable, "-m", "dolma_tools", "mix", "-c", str(_spin_config(tmp_path / "data", out)),
            "--processes", "2"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _done_records(out) < 2:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 2 <= _done_records(out) < 10, "the kill must land mid-run"
    assert not list(out.glob("*.jsonl.gz")) and not (out / "manifest.json").exists()

    rerun = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    assert "already done" in rerun.stderr
    assert {p.name: p.read_bytes() for p in out.glob("*.jsonl.gz")} == expected
    ids = [r["id"] for p in sorted(out.glob("*.jsonl.gz")) for r in read_docs(p)]
    assert ids == [r["id"] for r in rows]
    assert not [p for p in out.rglob(".*") if p.is_file()], "no temporaries left"


def test_verify_detects_added_missing_and_changed_documents(tmp_path: Path, capsys) -> None:
    _corpus(tmp_path / "data", files=3, docs=20)
    out = tmp_path / "out"
    cfg = _config(tmp_path / "data", out, filter={"exclude": ["$[?(@.text ~= 'x1 ')]"]})
    assert run_mix("-c", cfg) == 0
    capsys.readouterr()
    assert run_mix("--verify", out / "manifest.json") == 0
    assert "OK: 57 documents" in capsys.readouterr().err  # 60 minus d001 of each file ('x1 ')
    shard = sorted(out.glob("*.jsonl.gz"))[0]
    rows = read_docs(shard)
    changed, missing = rows[0]["id"], rows[1]["id"]
    rows[0]["text"] += " edited"
    del rows[1]
    rows.append({"id": "intruder", "text": "not from the inputs"})
    write_docs(shard, rows)
    write_docs(out / "cap-0099.jsonl.gz", [{"id": rows[2]["id"], "text": rows[2]["text"]}])  # a duplicate file
    assert run_mix("--verify", out / "manifest.json") == 1
    err = capsys.readouterr().err
    assert "2 added, 1 missing, 1 changed" in err
    assert f"changed: cap: id={changed}" in err and f"missing: cap: id={missing}" in err
    assert "added: cap: id=intruder" in err


def test_min_text_length_discard_fields_and_zstd_output(tmp_path: Path) -> None:
    rows = [{"id": "a", "text": "  short  ", "extra": 1}, {"id": "b", "text": "ünï" * 4, "extra": 2},
            {"id": "c", "text": "long enough text", "extra": 3}]
    write_docs(tmp_path / "data" / "documents" / "x.jsonl.gz", rows)
    # min_text_length counts UTF-8 bytes of the stripped text: "short" 5, "ünï" x 4 = 20 bytes, 16 for c
    out = tmp_path / "out"
    cfg = _config(tmp_path / "data", out, compression={"output": "zst"})
    data = json.loads(cfg.read_text())
    data["streams"][0]["output"].update(min_text_length=16, discard_fields=["extra"])
    cfg.write_text(json.dumps(data))
    assert run_mix("-c", cfg) == 0
    (shard,) = [p for p in out.iterdir() if p.name.endswith(".jsonl.zst")]
    assert shard.name == "cap-0000.jsonl.zst"
    kept = read_docs(shard)
    assert [r["id"] for r in kept] == ["b", "c"]
    assert all("extra" not in r for r in kept)
    assert json.loads((out / "manifest.json").read_text())["streams"]["cap"]["too_short"] == 1
