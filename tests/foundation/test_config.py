"""Dolma-style configuration: files, dotted overrides, validation messages, interpolation, --dry-run."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from dolma_tools.cli.dedupe import DedupeConfig
from dolma_tools.cli.main import main
from dolma_tools.cli.tag import TagConfig
from dolma_tools.config import build, load_config_file, merge_overrides, resolve_interpolations
from dolma_tools.errors import ConfigError


def test_unknown_key_is_rejected_with_suggestion():
    with pytest.raises(ConfigError) as info:
        build(TagConfig, {"documents": ["x"], "taggers": ["t"], "procesess": 2})
    msg = str(info.value)
    assert "config key 'procesess'" in msg and "did you mean 'processes'" in msg


def test_nested_unknown_key_names_the_full_path():
    data = {"documents": ["x"], "dedupe": {"name": "d", "paragraphs": {"attribute_nam": "p"}},
            "bloom_filter": {"file": "f"}}
    with pytest.raises(ConfigError, match=r"config key 'dedupe\.paragraphs\.attribute_nam'.*attribute_name"):
        build(DedupeConfig, data)


@pytest.mark.parametrize(
    "key,value,expected",
    [
        ("processes", "two", "config key 'processes': expected an integer, got 'two' (str)"),
        ("processes", 2.5, "config key 'processes': expected an integer, got 2.5 (float)"),
        ("taggers", 5, "config key 'taggers': expected a list of strings, got 5 (int)"),
        ("ignore_existing", "maybe", "config key 'ignore_existing': expected a boolean (true/false), got 'maybe' (str)"),
        ("on_error", "ignore", "config key 'on_error': expected one of 'raise', 'skip', got 'ignore'"),
    ],
)
def test_bad_values_name_key_and_expected_type(key, value, expected):
    data = {"documents": ["x"], "taggers": ["t"], key: value}
    with pytest.raises(ConfigError) as info:
        build(TagConfig, data)
    assert str(info.value) == expected


def test_missing_required_key():
    with pytest.raises(ConfigError, match="config key 'bloom_filter.file': required"):
        build(DedupeConfig, {"documents": ["x"], "dedupe": {"name": "d"}, "bloom_filter": {}})


def test_cli_strings_are_converted_losslessly():
    cfg = build(TagConfig, {"documents": "one/path.jsonl", "taggers": ["a"], "processes": "3", "ignore_existing": "true"})
    assert cfg.documents == ["one/path.jsonl"] and cfg.processes == 3 and cfg.ignore_existing is True


def test_dotted_overrides_merge_into_nested_config():
    base = {"bloom_filter": {"file": "a", "read_only": False}, "processes": 1}
    merged = merge_overrides(base, {"bloom_filter.file": "b", "processes": 2, "dedupe.name": "n"})
    assert merged == {"bloom_filter": {"file": "b", "read_only": False}, "processes": 2, "dedupe": {"name": "n"}}
    assert base["bloom_filter"]["file"] == "a"


def test_interpolations(monkeypatch):
    monkeypatch.setenv("DT_ROOT", "/data/root")
    cfg = {"root": "${oc.env:DT_ROOT}", "docs": ["${root}/documents/*.gz"], "procs": "${d.procs:}",
           "missing": "${oc.env:DT_NOT_SET,fallback}"}
    out = resolve_interpolations(cfg)
    assert out["docs"] == ["/data/root/documents/*.gz"] and out["missing"] == "fallback"
    assert isinstance(out["procs"], int) and out["procs"] >= 1
    with pytest.raises(ConfigError, match="DT_NOT_SET_EITHER"):
        resolve_interpolations({"x": "${oc.env:DT_NOT_SET_EITHER}"})


def test_config_file_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config_file(str(bad))
    with pytest.raises(ConfigError, match="does not exist"):
        load_config_file(str(tmp_path / "nope.yaml"))
    top = tmp_path / "list.json"
    top.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="mapping at the top level"):
        load_config_file(str(top))


def _dedupe_fixture_config(dolma_fixtures, tmp_path, name):
    """A Dolma test config with its repo-relative paths pointed at scratch copies."""
    cfg = json.loads((dolma_fixtures / "config" / name).read_text())
    docs = tmp_path / "documents"
    docs.mkdir(exist_ok=True)
    shutil.copy(dolma_fixtures / "data/provided/deduper/documents/000.json.gz", docs / "000.json.gz")
    cfg["documents"] = [str(docs / "*.json.gz")]
    cfg["bloom_filter"]["file"] = str(tmp_path / "filter.bin")
    return cfg


@pytest.mark.parametrize("name", ["dedupe-by-url.json", "dedupe-paragraphs.json", "dedupe-paragraph-ngrams.json"])
def test_dolma_dedupe_configs_validate_unchanged(dolma_fixtures, tmp_path, name):
    cfg = _dedupe_fixture_config(dolma_fixtures, tmp_path, name)
    built = build(DedupeConfig, cfg)
    assert built.dedupe.name == cfg["dedupe"]["name"]


def test_config_flag_before_and_after_subcommand_and_dry_run(tmp_path, capsys):
    cfg = tmp_path / "tag.yaml"
    cfg.write_text(yaml.safe_dump({"documents": [str(tmp_path / "documents/*.jsonl")], "taggers": ["char_length_v1"],
                                   "processes": 1}))
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "a.jsonl").write_text('{"id": "1", "text": "abc"}\n')
    for argv in (["-c", str(cfg), "tag", "--dry-run"], ["tag", "-c", str(cfg), "--dryrun", "--processes", "3"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        plan = json.loads(out[: out.rindex("}") + 1])
        assert plan["command"] == "tag"
        assert plan["config"]["taggers"] == ["char_length_v1"]
        assert "todo" in out and str(tmp_path / "attributes/char_length_v1/a.jsonl") in out
    assert plan["config"]["processes"] == 3  # the dotted flag overrides the file
    assert not (tmp_path / "attributes").exists()


def test_cli_config_error_exit_code_and_message(tmp_path, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("documents: [x]\ntaggers: [char_length_v1]\nbloom: 3\n")
    assert main(["tag", "-c", str(cfg)]) == 2
    assert "config key 'bloom': unknown key" in capsys.readouterr().err


def test_unknown_tagger_is_a_config_error(tmp_path, capsys):
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "a.jsonl").write_text('{"id": "1", "text": "abc"}\n')
    assert main(["tag", "--documents", str(tmp_path / "documents/*.jsonl"), "--taggers", "char_lenght_v1"]) == 2
    assert "unknown tagger 'char_lenght_v1'; did you mean char_length_v1" in capsys.readouterr().err


def test_every_command_prints_help(cli):
    for command in ["tag", "dedupe", "mix", "stats", "list", "pipeline", "sample"]:
        proc = cli(command, "--help")
        assert "usage: dolma-tools " + command in proc.stdout
        assert len(proc.stdout.splitlines()) > 5


def _dry_run_argv(name: str, tmp_path) -> list[str]:
    docs = str(tmp_path / "documents" / "*.jsonl")
    if name == "dedupe":
        return ["dedupe", "--documents", docs, "--dedupe.name", "d", "--dedupe.documents.attribute_name", "dup",
                "--dedupe.documents.key", "$.text", "--bloom_filter.file", str(tmp_path / "f.bin"),
                "--bloom_filter.estimated_doc_count", "100", "--bloom_filter.desired_false_positive_rate", "0.01"]
    if name == "mix":
        cfg = tmp_path / "mix.yaml"
        cfg.write_text(yaml.safe_dump({"streams": [{"name": "s", "documents": [docs],
                                                    "output": {"path": str(tmp_path / "mixed")}}]}))
        return ["-c", str(cfg), "mix"]
    return ["stats", "--documents", docs]


@pytest.mark.parametrize("name", ["dedupe", "mix", "stats"])
def test_every_dry_run_prints_the_resolved_config_first_and_writes_nothing(name, tmp_path, capsys):
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "a.jsonl").write_text('{"id": "1", "text": "abc"}\n')
    argv = _dry_run_argv(name, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main([*argv, "--dry-run"]) == 0
    out = capsys.readouterr().out
    header = json.JSONDecoder().raw_decode(out)[0]  # the first JSON value printed
    assert header["command"] == name and "a.jsonl" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == before
