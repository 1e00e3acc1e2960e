"""The tagging runtime and ``dolma-tools tag`` / ``list``."""

from __future__ import annotations

import gzip
import os
import shutil
import textwrap

import orjson
import pytest

from dolma_tools.io import read_rows


@pytest.fixture
def corpus(tmp_path, dolma_fixtures):
    docs = tmp_path / "documents"
    docs.mkdir()
    shutil.copy(dolma_fixtures / "data/provided/documents/000.json.gz", docs / "000.json.gz")
    for name in ("cc_en_head-0091.jsonl.gz", "cc_en_head-0174.jsonl.gz"):
        shutil.copy(dolma_fixtures / "data/multiple_files" / name, docs / name)
    return tmp_path


def _docs(path):
    return [orjson.loads(line) for line in gzip.open(path) if line.strip()]


def test_attribute_files_are_row_aligned_with_documents(corpus, cli):
    cli("tag", "--documents", f"{corpus}/documents/*.gz", "--taggers", "char_length_v1", "char_length_with_paragraphs_v1",
        "--processes", "2")
    for name in os.listdir(corpus / "documents"):
        docs = _docs(corpus / "documents" / name)
        attrs = read_rows(str(corpus / "attributes" / "char_length_v1" / name))
        assert [a["id"] for a in attrs] == [d["id"] for d in docs]
        for d, a in zip(docs, attrs):
            n = len(d["text"])
            assert a["attributes"] == {"char_length_v1__char_length_v1__length": [[0, n, float(n)]]}
            assert a["source"] == d["source"]
        paras = read_rows(str(corpus / "attributes" / "char_length_with_paragraphs_v1" / name))
        for d, a in zip(docs, paras):
            spans = a["attributes"]["char_length_with_paragraphs_v1__char_length_with_paragraphs_v1__paragraph"]
            # paragraphs are the non-blank lines, newline included, tiling the text in order
            lines = [ln for ln in d["text"].splitlines(keepends=True)]
            assert [d["text"][s:e] for s, e, _ in spans] == [ln for ln in lines if ln.strip()]
            assert all(score == e - s for s, e, score in spans)


def test_experiment_puts_all_taggers_in_one_file(corpus, cli):
    cli("tag", "--documents", f"{corpus}/documents/000.json.gz", "--taggers", "char_length_v1", "whitespace_tokenizer_v1",
        "--experiment", "exp")
    rows = read_rows(str(corpus / "attributes" / "exp" / "000.json.gz"))
    assert set(rows[0]["attributes"]) == {"exp__char_length_v1__length", "exp__whitespace_tokenizer_v1__length"}
    assert os.listdir(corpus / "attributes") == ["exp"]


def test_destination_root(corpus, cli, tmp_path):
    out = tmp_path / "elsewhere"
    cli("tag", "--documents", f"{corpus}/documents/*.gz", "--taggers", "char_length_v1", "--destination", str(out))
    assert sorted(os.listdir(out / "char_length_v1")) == sorted(os.listdir(corpus / "documents"))


def test_rerun_skips_committed_files_and_ignore_existing_redoes_them(corpus, cli):
    args = ["tag", "--documents", f"{corpus}/documents/*.gz", "--taggers", "char_length_v1"]
    cli(*args)
    target = corpus / "attributes" / "char_length_v1" / "000.json.gz"
    before = target.stat().st_mtime_ns
    proc = cli(*args)
    assert "0 files processed, 3 already done" in proc.stderr
    assert target.stat().st_mtime_ns == before
    proc = cli(*args, "--ignore-existing")
    assert "3 files processed, 0 already done" in proc.stderr
    assert target.stat().st_mtime_ns != before


def test_summary_reports_files_docs_and_rate(corpus, cli):
    proc = cli("tag", "--documents", f"{corpus}/documents/*.gz", "--taggers", "char_length_v1")
    total = sum(len(_docs(corpus / "documents" / n)) for n in os.listdir(corpus / "documents"))
    assert f"{total:,} documents" in proc.stderr
    assert "docs/s" in proc.stderr and "MB/s" in proc.stderr


def test_random_number_is_seeded_by_doc_id_not_process(corpus, cli, tmp_path):
    def run(dest, processes, seed):
        cli("tag", "--documents", f"{corpus}/documents/*.gz", "--taggers", "random_number_v1", "--destination",
            str(dest), "--processes", str(processes), "--seed", str(seed))
        return {r["id"]: r["attributes"]["random_number_v1__random_number_v1__random"][0][2]
                for n in sorted(os.listdir(corpus / "documents"))
                for r in read_rows(str(dest / "random_number_v1" / n))}

    a = run(tmp_path / "a", 1, 7)
    b = run(tmp_path / "b", 2, 7)
    c = run(tmp_path / "c", 1, 8)
    assert a == b
    assert a != c
    assert all(0 <= v < 1 for v in a.values()) and len(set(a.values())) == len(a)


PLUGIN = textwrap.dedent(
    '''
    import os
    from dolma_tools import BaseTagger, DocResult, Span, add_tagger

    if os.environ.get("PLUGIN_IMPORT_LOG"):
        with open(os.environ["PLUGIN_IMPORT_LOG"], "a") as log:
            log.write(f"{os.getpid()}\\n")

    @add_tagger("pid_tagger_test")
    class PidTagger(BaseTagger):
        """Records the worker process id (test plugin)."""

        def predict(self, doc):
            return DocResult(doc=doc, spans=[Span(0, len(doc.text), "pid", os.getpid())])

    @add_tagger("exploding_tagger_test")
    class Exploding(BaseTagger):
        def predict(self, doc):
            if "cholesterol" in doc.id:
                raise ValueError("cannot handle cholesterol")
            return DocResult(doc=doc, spans=[])
    '''
)


def test_plugin_from_file_path_loads_in_every_worker(corpus, cli, tmp_path):
    plugin = tmp_path / "my_plugin.py"
    plugin.write_text(PLUGIN)
    proc = cli("list", "--tagger-modules", str(plugin))
    assert "pid_tagger_test" in proc.stdout and "Records the worker process id" in proc.stdout
    log = tmp_path / "imports.log"
    proc = cli("tag", "--documents", f"{corpus}/documents/*.gz", "--taggers", "pid_tagger_test", "--processes", "2",
               "--tagger_modules", str(plugin), env={"PLUGIN_IMPORT_LOG": str(log)})
    importers = [int(x) for x in log.read_text().split()]
    # the main process imports it to validate the tagger name; each of the 2 workers imports it at start-up
    assert len(importers) == len(set(importers)) == 3, importers
    tagged_by = {int(r["attributes"]["pid_tagger_test__pid_tagger_test__pid"][0][2])
                 for n in os.listdir(corpus / "documents")
                 for r in read_rows(str(corpus / "attributes" / "pid_tagger_test" / n))}
    assert tagged_by <= set(importers[1:]), "documents were tagged in worker processes that loaded the plugin"
    assert "3 files processed" in proc.stderr


def test_tagger_exception_names_tagger_and_document(corpus, cli, tmp_path):
    plugin = tmp_path / "boom.py"
    plugin.write_text(PLUGIN)
    proc = cli("tag", "--documents", f"{corpus}/documents/000.json.gz", "--taggers", "exploding_tagger_test",
               "--tagger-modules", str(plugin), check=False)
    assert proc.returncode == 1
    assert "tagger 'exploding_tagger_test' failed on document id='http://advocatesaz.org/tag/good-cholesterol/'" in proc.stderr
    assert "000.json.gz:2" in proc.stderr and "cannot handle cholesterol" in proc.stderr


def test_list_shows_builtin_taggers_with_descriptions(cli):
    out = cli("list").stdout
    for name in ["char_length_v1", "char_length_with_paragraphs_v1", "whitespace_tokenizer_v1", "random_number_v1"]:
        line = next(ln for ln in out.splitlines() if ln.startswith(name + " "))
        assert len(line.split(None, 1)[1]) > 10


def test_whitespace_tokenizer_counts_like_dolma():
    from dolma_tools import Document
    from taggers.length import WhitespaceTokenizerV1

    # Dolma: len(regex.split(r"\\w+|[^\\w\\s]+", text)) = number of word/punctuation runs + 1
    res = WhitespaceTokenizerV1().predict(Document(id="1", text="Hello, world! It's 3pm."))
    # runs: Hello , world ! It ' s 3pm . -> 9 runs -> 10 pieces
    assert res.spans[0].score == 10
