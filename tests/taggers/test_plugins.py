"""The plugin API end to end: plugins load in every worker of `tag --processes 2` whether named by module,
by file path or by entry point, and a failing tagger's error names the document and the tagger."""

from __future__ import annotations

import gzip
import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]
EXAMPLE_PLUGIN = REPO / "examples" / "dolma-tools-example-plugin"

PLUGIN_SOURCE = textwrap.dedent(
    '''
    import os
    import time

    from dolma_tools import BaseTagger, DocResult, Document, Span, add_tagger


    @add_tagger("{name}")
    class PidTagger(BaseTagger):
        """Records the worker's process id, and is slow enough that both workers get files."""

        def predict(self, doc: Document) -> DocResult:
            time.sleep(0.05)
            return DocResult(doc=doc, spans=[Span(0, len(doc.text), "pid", os.getpid()),
                                             Span(0, len(doc.text), "length", len(doc.text))])


    @add_tagger("{name}_broken")
    class BrokenTagger(BaseTagger):
        def predict(self, doc: Document) -> DocResult:
            if doc.id == "doc-2-3":
                raise ValueError("cannot tag this one")
            return DocResult(doc=doc, spans=[])
    '''
)

TEXTS = ["Hello world.", "Ça va? 😀", "中文文本", "Plain text\nwith two lines"]


def _write_documents(root: Path, files: int = 4) -> list[Path]:
    docs = root / "documents"
    docs.mkdir(parents=True)
    paths = []
    for f in range(files):
        path = docs / f"part-{f}.jsonl.gz"
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            for i, text in enumerate(TEXTS):
                fh.write(json.dumps({"id": f"doc-{f}-{i}", "text": text, "source": "test"}) + "\n")
        paths.append(path)
    return paths


def _run_tag(root: Path, taggers: list[str], *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "dolma_tools", "tag", "--documents", str(root / "documents" / "*.jsonl.gz"),
           "--taggers", *taggers, "--processes", "2", *extra]
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=root, timeout=300)


def _read_attributes(root: Path, tagger: str) -> dict[str, dict]:
    rows = {}
    for path in sorted((root / "attributes" / tagger).glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                rows[row["id"]] = row["attributes"]
    return rows


def _assert_tagged_by_workers(root: Path, tagger: str) -> None:
    rows = _read_attributes(root, tagger)
    assert len(rows) == 16, "every document of every file is tagged"
    for doc_id, attrs in rows.items():
        text = TEXTS[int(doc_id.rsplit("-", 1)[1])]
        assert attrs[f"{tagger}__{tagger}__length"] == [[0, len(text), float(len(text))]]
    pids = {int(attrs[f"{tagger}__{tagger}__pid"][0][2]) for attrs in rows.values()}
    assert os.getpid() not in pids  # tagged in worker processes, not here
    assert 1 <= len(pids) <= 2


def test_plugin_by_module_name_loads_in_every_worker(tmp_path: Path) -> None:
    plugin_dir = tmp_path / "plugins"
    plugin_dir.mkdir()
    (plugin_dir / "my_module_plugin.py").write_text(PLUGIN_SOURCE.format(name="module_pid"))
    _write_documents(tmp_path)
    env = {"PYTHONPATH": os.pathsep.join([str(plugin_dir), os.environ.get("PYTHONPATH", "")])}
    proc = _run_tag(tmp_path, ["module_pid"], "--tagger-modules", "my_module_plugin", env=env)
    assert proc.returncode == 0, proc.stderr
    _assert_tagged_by_workers(tmp_path, "module_pid")


def test_plugin_by_file_path_loads_in_every_worker(tmp_path: Path) -> None:
    plugin = tmp_path / "elsewhere" / "file_plugin.py"
    plugin.parent.mkdir()
    plugin.write_text(PLUGIN_SOURCE.format(name="file_pid"))
    _write_documents(tmp_path)
    proc = _run_tag(tmp_path, ["file_pid"], "--tagger-modules", str(plugin))
    assert proc.returncode == 0, proc.stderr
    _assert_tagged_by_workers(tmp_path, "file_pid")


def test_failing_tagger_error_names_document_and_tagger(tmp_path: Path) -> None:
    plugin = tmp_path / "broken_plugin.py"
    plugin.write_text(PLUGIN_SOURCE.format(name="err"))
    _write_documents(tmp_path)
    proc = _run_tag(tmp_path, ["err_broken"], "--tagger-modules", str(plugin))
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "err_broken" in out and "doc-2-3" in out and "cannot tag this one" in out


def test_failing_tagger_is_skipped_and_counted_with_on_error_skip(tmp_path: Path) -> None:
    plugin = tmp_path / "broken_plugin.py"
    plugin.write_text(PLUGIN_SOURCE.format(name="skip"))
    _write_documents(tmp_path)
    proc = _run_tag(tmp_path, ["skip_broken"], "--tagger-modules", str(plugin), "--on-error", "skip")
    assert proc.returncode == 0, proc.stderr
    rows = _read_attributes(tmp_path, "skip_broken")
    assert len(rows) == 16 and rows["doc-2-3"] == {}
    assert "doc-2-3" in proc.stdout + proc.stderr


def _ensure_example_plugin_installed() -> None:
    """CI may have installed it already (pip install ./examples/dolma-tools-example-plugin)."""
    try:
        importlib.metadata.distribution("dolma-tools-example-plugin")
        return
    except importlib.metadata.PackageNotFoundError:
        pass
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    str(EXAMPLE_PLUGIN)], check=True, timeout=300)


def test_example_plugin_by_entry_point_loads_in_every_worker(tmp_path: Path) -> None:
    _ensure_example_plugin_installed()
    _write_documents(tmp_path)
    proc = _run_tag(tmp_path, ["example_shouting_v1", "example_keyword_v1"])
    assert proc.returncode == 0, proc.stderr
    shouting = _read_attributes(tmp_path, "example_shouting_v1")
    keyword = _read_attributes(tmp_path, "example_keyword_v1")
    assert len(shouting) == len(keyword) == 16
    # "Hello world.": letters Helloworld, one upper case out of 10
    assert shouting["doc-0-0"]["example_shouting_v1__example_shouting_v1__document"] == [[0, 12, 0.1]]
    # "Plain text\nwith two lines": paragraph "Plain text" 1/9 upper; "with two lines" 0/12
    assert shouting["doc-1-3"]["example_shouting_v1__example_shouting_v1__paragraph"] == [
        [0, 10, round(1 / 9, 5)], [11, 25, 0.0]]
    # no keyword anywhere, but the default field is written
    assert keyword["doc-3-1"] == {"example_keyword_v1__example_keyword_v1__keyword": []}
    listing = subprocess.run([sys.executable, "-m", "dolma_tools", "list"], capture_output=True, text=True)
    assert "example_shouting_v1" in listing.stdout
