"""Security: configs are data (never executed), outputs stay inside their folders, plugins load only when
named, credentials appear nowhere, temporaries are private while written."""

from __future__ import annotations

import ast
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dolma_tools.fault_hooks import ENV as FAULT_ENV
from dolma_tools.io.jsonl import read_rows, write_jsonl
from support.runs import run_cli_env

from .corpus import copy_inputs, write_yaml
from .scenarios import dedupe_args, pipeline_args
from .test_kills import KILLED, _kill_while_snapshot_is_written

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("dolma_tools", "mixers", "taggers")

# ------------------------------------------------------------------------------------------ configs are data

#: Calls that would run text as code or unpickle objects; none may appear in the package sources.
_FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "execfile"}
_FORBIDDEN_ATTRS = {("pickle", "load"), ("pickle", "loads"), ("marshal", "load"), ("marshal", "loads"),
                    ("yaml", "load"), ("yaml", "unsafe_load"), ("yaml", "full_load"), ("os", "system"),
                    ("os", "popen"), ("dill", "loads"), ("shelve", "open")}
#: Modules that import code by name, and why that is allowed there.
_IMPORTERS = {
    "dolma_tools/registry.py": "plugins the user names (--tagger-modules) and the entry-point group",
    "dolma_tools/cli/catalog.py": "the optional command modules, by fixed names",
    "taggers/__init__.py": "the modules of the built-in taggers package",
}


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def test_the_package_never_executes_or_unpickles_text() -> None:
    problems = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            rel = str(path.relative_to(REPO))
            tree = ast.parse(path.read_text(), rel)
            for call in _calls(tree):
                f = call.func
                if isinstance(f, ast.Name) and f.id in _FORBIDDEN_CALLS:
                    problems.append(f"{rel}:{call.lineno}: {f.id}()")
                if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                    if (f.value.id, f.attr) in _FORBIDDEN_ATTRS:
                        problems.append(f"{rel}:{call.lineno}: {f.value.id}.{f.attr}()")
                    if f.value.id == "subprocess" and any(k.arg == "shell" for k in call.keywords):
                        problems.append(f"{rel}:{call.lineno}: subprocess with shell=")
                    importing = f.attr in ("import_module", "exec_module", "spec_from_file_location")
                    if importing and rel not in _IMPORTERS:
                        problems.append(f"{rel}:{call.lineno}: imports code ({f.attr})")
    assert problems == []


def _marker_config(tmp: Path, marker: Path) -> dict[str, str]:
    """Config texts that would create ``marker`` if any part of a config were executed."""
    py = f"__import__('os').system('touch {marker}')"
    stream = {"name": "s", "documents": [str(tmp / "documents" / "*.jsonl")], "output": {"path": str(tmp / "out")}}
    return {
        "yaml-python-tag": f"documents: !!python/object/apply:os.system ['touch {marker}']\ntaggers: [char_length_v1]\n",
        "jsonpath-code": json.dumps({"streams": [{**stream, "filter": {"include": [py]}}]}),
        "jsonpath-filter-code": json.dumps({"streams": [{**stream, "filter": {"include": [f"$[?({py})]"]}}]}),
        "jq-code": json.dumps({"streams": [{**stream, "filter": {"include": [py], "syntax": "jq"}}]}),
        "interpolation-code": f"documents: ['${{python:{py}}}']\ntaggers: [char_length_v1]\n",
        "jq-import": json.dumps({"streams": [{**stream, "filter": {"include": ['include "x"; .'], "syntax": "jq"}}]}),
    }


@pytest.mark.parametrize("kind", ["yaml-python-tag", "jsonpath-code", "jsonpath-filter-code", "jq-code",
                                  "interpolation-code", "jq-import"])
def test_config_values_are_never_executed(kind: str, tmp_path: Path) -> None:
    write_jsonl(str(tmp_path / "documents" / "a.jsonl"), [{"id": "a", "text": "x"}])
    marker = tmp_path / "PWNED"
    text = _marker_config(tmp_path, marker)[kind]
    config = tmp_path / ("c.yaml" if kind.startswith(("yaml", "interpolation")) else "c.json")
    config.write_text(text)
    command = "tag" if config.suffix == ".yaml" else "mix"
    done = run_cli_env([command, "-c", config], cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "error:" in done.stderr and "Traceback" not in done.stderr
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------ expressions see only the document

SECRET = "FAKE-SECRET-3c9d1e"


def test_jq_expressions_cannot_read_or_print_the_environment(tmp_path: Path) -> None:
    """``$ENV``, ``env``, ``debug``, ``stderr``, ``input``: a shared mix config must not copy a credential
    into the output (through a filter or a ``$``-replacement) or print it."""
    write_jsonl(str(tmp_path / "documents" / "a.jsonl"), [{"id": f"d{i}", "text": f"text {i}"} for i in range(3)])
    write_jsonl(str(tmp_path / "attributes" / "x" / "a.jsonl"),
                [{"id": f"d{i}", "attributes": {"x": [[0, 4, 1.0]]}} for i in range(3)])
    stream = {"name": "s", "documents": ["documents/*.jsonl"], "attributes": ["x"], "output": {"path": "out"},
              "filter": {"include": ['($ENV.AWS_SECRET_ACCESS_KEY | debug | stderr | length) == 0 or true',
                                     '(env.AWS_SECRET_ACCESS_KEY // "") | startswith("FAKE") | not'],
                         "syntax": "jq"},
              "span_replacement": [{"span": ".attributes.x", "syntax": "jq", "min_score": 0.5,
                                    "replacement": '$"[" + ($ENV.AWS_SECRET_ACCESS_KEY // "none") + "]"'}]}
    (tmp_path / "mix.json").write_text(json.dumps({"streams": [stream]}))
    done = run_cli_env(["mix", "-c", "mix.json", "--processes", "1"], {"AWS_SECRET_ACCESS_KEY": SECRET}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    texts = [r["text"] for p in sorted((tmp_path / "out").glob("*.gz")) for r in read_rows(str(p))]
    assert texts == ["[none] 0", "[none] 1", "[none] 2"]  # every document kept: $ENV is {} and env too
    assert SECRET not in done.stderr + done.stdout
    assert all(SECRET.encode() not in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())


def test_configs_cannot_interpolate_credentials(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("documents: ['${oc.env:AWS_SECRET_ACCESS_KEY}']\ntaggers: [char_length_v1]\n")
    done = run_cli_env(["tag", "-c", "c.yaml"], {"AWS_SECRET_ACCESS_KEY": SECRET}, cwd=tmp_path)
    assert done.returncode == 2 and "reads a credential" in done.stderr
    assert SECRET not in done.stderr


# ------------------------------------------------------------------------------------------ outputs stay inside

BAD_NAMES = ["../escape", "/tmp/absolute", "a/b", "..", ".hidden", "tab\there"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_names_that_become_paths_cannot_leave_the_output_folder(name: str, tmp_path: Path) -> None:
    """``dedupe.name`` (and the attribute name it defaults to), stream names and source names become file
    and folder names in the output folder: anything but a plain name is a config error."""
    write_jsonl(str(tmp_path / "documents" / "a.jsonl"), [{"id": "a", "text": "x"}])
    before = set(tmp_path.parent.iterdir())
    runs = [
        ["dedupe", "--documents", "documents/*.jsonl", "--dedupe.name", name, "--dedupe.documents.key", "$.text",
         "--dedupe.documents.attribute_name", "dup", "--bloom_filter.file", "f.bin", "--bloom_filter.size_in_bytes",
         "65536"],
        ["dedupe", "--documents", "documents/*.jsonl", "--dedupe.documents.key", "$.text",
         "--dedupe.documents.attribute_name", name, "--bloom_filter.file", "f.bin", "--bloom_filter.size_in_bytes",
         "65536"],
    ]
    (tmp_path / "stream.json").write_text(json.dumps({"streams": [
        {"name": name, "documents": ["documents/*.jsonl"], "output": {"path": "out"}}]}))
    (tmp_path / "mixture.json").write_text(json.dumps({"sources": [
        {"source_name": name, "documents": ["documents/*.jsonl"]}], "output": {"path": "out"}}))
    runs += [["mix", "-c", "stream.json"], ["mix", "-c", "mixture.json"]]
    for args in runs:
        done = run_cli_env(args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert "names files in the output folder" in done.stderr
    assert set(tmp_path.parent.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents", "mixture.json", "stream.json"]


def test_experiment_and_tagger_names_are_sanitised(tmp_path: Path) -> None:
    write_jsonl(str(tmp_path / "documents" / "a.jsonl"), [{"id": "a", "text": "x"}])
    done = run_cli_env(["tag", "--documents", "documents/*.jsonl", "--taggers", "char_length_v1",
                        "--experiment", "../../escape", "--processes", "1"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    files = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()]
    assert sorted(files) == ["attributes/______escape/a.jsonl", "documents/a.jsonl"]


def test_unshuffled_mix_outputs_stay_below_the_output_folder(tmp_path: Path) -> None:
    """``shuffle: false`` writes each input at its path below ``documents/`` in the output folder; an input
    named through ``documents/../..`` would otherwise be written outside it (here: over the input itself)."""
    write_jsonl(str(tmp_path / "data" / "a.jsonl"), [{"id": "a", "text": "x"}])
    (tmp_path / "data" / "documents").mkdir()
    before = (tmp_path / "data" / "a.jsonl").read_bytes()
    (tmp_path / "m.json").write_text(json.dumps({"shuffle": False, "streams": [
        {"name": "s", "documents": ["data/documents/../../data/a.jsonl"], "output": {"path": "out"}}]}))
    done = run_cli_env(["mix", "-c", "m.json"], cwd=tmp_path)
    assert done.returncode == 2 and "must not contain '..'" in done.stderr, done.stderr
    assert not (tmp_path / "out").exists() and (tmp_path / "data" / "a.jsonl").read_bytes() == before


HOSTILE_IDS = ["../../../escape", "/etc/passwd", "..\\..\\windows", "a/b/c", "..", ".", "", "\x00nul", "~/home",
               "s3://bucket/key", "C:\\temp", "%2e%2e%2f"]


def test_hostile_ids_and_sources_only_ever_become_data(small_corpus, tmp_path: Path) -> None:
    """Document ids, sources and metadata are never part of a path: a whole pipeline over hostile values
    writes only its usual files inside its folder."""
    root = tmp_path / "run"
    rows = [{"id": i, "text": f"text {n}\nsecond paragraph", "source": i, "metadata": {"path": i}}
            for n, i in enumerate(HOSTILE_IDS)]
    for k in range(2):
        write_jsonl(str(root / "documents" / f"part-{k:03d}.jsonl.gz"), rows)
    outside = sorted(p.name for p in tmp_path.parent.iterdir())
    done = run_cli_env(pipeline_args(root), cwd=root)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == outside
    top = sorted(p.name for p in root.iterdir())
    assert top == ["attributes", "documents", "filters", "mixed", "pipeline.yaml"]
    assert sorted(p.name for p in (root / "attributes").iterdir()) == \
        ["char_length_with_paragraphs_v1", "dup_docs", "whitespace_tokenizer_v1"]
    ids = [r["id"] for p in sorted((root / "attributes" / "dup_docs").iterdir()) for r in read_rows(str(p))]
    assert ids == HOSTILE_IDS * 2


# ------------------------------------------------------------------------------------------ plugins

EVIL = "import pathlib\npathlib.Path({marker!r}).write_text('imported')\n"


def test_plugins_load_only_when_named(tmp_path: Path) -> None:
    """Modules lying around (in the working directory, or on the path under a plugin-like name) are never
    imported; a module named with --tagger-modules is."""
    marker_cwd, marker_path = tmp_path / "cwd-imported", tmp_path / "path-imported"
    (tmp_path / "evil.py").write_text(EVIL.format(marker=str(marker_cwd)))
    (tmp_path / "taggers_extra.py").write_text(EVIL.format(marker=str(marker_cwd)))
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "dolma_tools_plugin_evil.py").write_text(EVIL.format(marker=str(marker_path)))
    write_jsonl(str(tmp_path / "documents" / "a.jsonl"), [{"id": "a", "text": "x"}])
    script = Path(sys.executable).with_name("dolma-tools")
    assert script.exists(), "the console script is installed with the package"
    args = ["tag", "--documents", "documents/*.jsonl", "--taggers", "char_length_v1", "--processes", "1"]
    env = {**os.environ, "PYTHONPATH": str(lib), "DOLMA_TOOLS_PROGRESS": "0"}
    for command in ([str(script), *args], [sys.executable, "-m", "dolma_tools", *args]):
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    assert not marker_cwd.exists() and not marker_path.exists()
    named = subprocess.run([str(script), *args, "--tagger-modules", "evil.py"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=False)
    assert named.returncode == 0 and marker_cwd.exists()  # the control: a named module is imported


# ------------------------------------------------------------------------------------------ credentials

URL_SECRET = "URLSECRET-77f1"
ENV_SECRETS = {"AWS_ACCESS_KEY_ID": "AKIAFAKEKEYID0001", "AWS_SECRET_ACCESS_KEY": SECRET,
               "AWS_SESSION_TOKEN": "FAKE-SESSION-TOKEN-5a5a", "AWS_DEFAULT_REGION": "us-east-1",
               "DOLMA_TOOLS_S3_MAX_ATTEMPTS": "1", "DOLMA_TOOLS_S3_BACKOFF_BASE": "0.01"}


def test_credentials_appear_in_no_log_error_plan_manifest_or_report(tmp_path: Path) -> None:
    endpoint = f"http://AKIAFAKEKEYID0001:{URL_SECRET}@127.0.0.1:9/"
    write_jsonl(str(tmp_path / "documents" / "a.jsonl"), [{"id": f"d{i}", "text": f"text {i}"} for i in range(3)])
    write_yaml(tmp_path / "pipeline.yaml", {"processes": 1, "s3_endpoint_url": endpoint, "output": "report", "stages": [
        {"tag": {"documents": ["documents/*.jsonl"], "taggers": ["char_length_v1"]}},
        {"mix": {"streams": [{"name": "s", "documents": ["documents/*.jsonl"], "output": {"path": "mixed"}}]}},
    ]})
    runs = [
        ["tag", "--documents", "s3://bucket/documents/*.jsonl", "--taggers", "char_length_v1",
         "--s3-endpoint-url", endpoint],  # unreachable endpoint: the error names it
        ["tag", "--documents", "documents/*.jsonl", "--taggers", "char_length_v1", "--s3-endpoint-url", endpoint,
         "--dryrun"],  # the printed plan holds the config
        ["pipeline", "-c", "pipeline.yaml", "--dryrun"],
        ["pipeline", "-c", "pipeline.yaml"],  # manifest and report.html (with the config) written
        ["mix", "--verify", "mixed/manifest.json", "--s3-endpoint-url", endpoint],
    ]
    outputs = []
    for args in runs:
        done = run_cli_env(args, ENV_SECRETS, cwd=tmp_path)
        outputs.append(done.stdout + done.stderr)
    assert "cannot reach the S3 endpoint http://***@127.0.0.1:9/" in outputs[0]
    assert (tmp_path / "report" / "report.html").exists() and (tmp_path / "mixed" / "manifest.json").exists()
    secrets = [URL_SECRET, SECRET, ENV_SECRETS["AWS_SESSION_TOKEN"]]
    for text in outputs:
        assert not [s for s in secrets if s in text], text[-2000:]
    for path in (p for p in tmp_path.rglob("*") if p.is_file() and p.name != "pipeline.yaml"):
        data = path.read_bytes()
        assert not [s for s in secrets if s.encode() in data], path


# ------------------------------------------------------------------------------------------ temporaries

def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_temporaries_are_private_and_outputs_get_the_usual_mode(tmp_path: Path) -> None:
    write_jsonl(str(tmp_path / "documents" / "a.jsonl"), [{"id": "a", "text": "x"}])
    args = ["tag", "--documents", "documents/*.jsonl", "--taggers", "char_length_v1", "--processes", "1"]
    old = os.umask(0o022)  # the CLI inherits it
    try:
        assert run_cli_env(args, {FAULT_ENV: "write:10"}, cwd=tmp_path).returncode == KILLED
        (tmp,) = (tmp_path / "attributes" / "char_length_v1").iterdir()
        assert tmp.name.startswith(".a.jsonl.") and _mode(tmp) == 0o600  # killed while being written
        assert run_cli_env(args, cwd=tmp_path).returncode == 0
    finally:
        os.umask(old)
    (out,) = (tmp_path / "attributes" / "char_length_v1").iterdir()
    assert out.name == "a.jsonl" and _mode(out) == 0o644


def test_filter_snapshots_are_private_while_written(big_corpus, tmp_path: Path) -> None:
    root = copy_inputs(big_corpus[0], tmp_path, ("documents",))
    _kill_while_snapshot_is_written(root, dedupe_args("snapshot-write"))
    (tmp,) = [p for p in (root / "filters").iterdir() if p.name.startswith(".docs.bin.")]
    assert _mode(tmp) == 0o600
    shutil.rmtree(root / "filters")
