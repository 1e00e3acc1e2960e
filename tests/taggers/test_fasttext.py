"""fastText: training with `dolma-tools train-fasttext` on real labelled files, the generic classifier
tagger at document and paragraph level, and the `import fasttext` clash check."""

from __future__ import annotations

import gzip
import json
import random
import sys
import types
from pathlib import Path

import pytest

from dolma_tools.cli.main import main as cli_main
from dolma_tools.errors import ConfigError, DolmaToolsError
from dolma_tools.fasttext_models import FIX_IMPORT_CLASH, require_training

COOKING = "flour sugar butter oven bake whisk dough recipe salt pepper simmer garlic onion sauce".split()
CODING = "compiler function variable python rust loop debug module import class compile syntax".split()


def _write(path: Path, docs: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d) + "\n")


def _docs(words: list[str], prefix: str, n: int, rng: random.Random, **extra) -> list[dict]:
    return [{"id": f"{prefix}-{i}", "text": " ".join(rng.choice(words) for _ in range(12)), **extra} for i in range(n)]


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ft")
    rng = random.Random(3)
    _write(root / "pos" / "documents" / "a.jsonl.gz", _docs(COOKING, "pos", 150, rng))
    _write(root / "neg" / "documents" / "a.jsonl.gz", _docs(CODING, "neg", 150, rng))
    model = root / "model.bin"
    code = cli_main(["train-fasttext", "--positive", str(root / "pos" / "documents" / "*.gz"), "--negative",
                     str(root / "neg" / "documents" / "*.gz"), "--model_path", str(model), "--epoch", "20",
                     "--test_fraction", "0.2", "--threads", "1", "--bucket", "20000"])
    assert code in (0, None)
    return model


def test_train_fasttext_reports_held_out_metrics(trained_model: Path) -> None:
    metrics = json.loads(Path(str(trained_model) + ".metrics.json").read_text())
    assert metrics["labels"] == {"positive": 150, "negative": 150}
    assert metrics["train_docs"] + metrics["test_docs"] == 300
    assert 30 <= metrics["test_docs"] <= 90  # 20% +- noise of the per-id split
    for label in ("positive", "negative"):
        assert metrics["per_label"][label]["precision"] >= 0.9
        assert metrics["per_label"][label]["recall"] >= 0.9


def test_train_fasttext_from_label_field(tmp_path: Path) -> None:
    rng = random.Random(5)
    docs = _docs(COOKING, "c", 60, rng, metadata={"topic": "food"}) + _docs(CODING, "p", 60, rng, metadata={"topic": "code"})
    _write(tmp_path / "documents" / "mixed.jsonl.gz", docs + [{"id": "unlabelled", "text": "no label here"}])
    model = tmp_path / "topic.bin"
    assert cli_main(["train-fasttext", "--documents", str(tmp_path / "documents" / "*.gz"), "--label_field",
                     "metadata.topic", "--model_path", str(model), "--epoch", "20", "--threads", "1",
                     "--bucket", "20000"]) in (0, None)
    metrics = json.loads(Path(str(model) + ".metrics.json").read_text())
    assert metrics["labels"] == {"food": 60, "code": 60}  # the unlabelled document is not used


def test_quantised_model_is_small_and_works(tmp_path: Path, tag) -> None:
    rng = random.Random(9)
    _write(tmp_path / "a" / "x.jsonl.gz", _docs(COOKING, "a", 80, rng))
    _write(tmp_path / "b" / "x.jsonl.gz", _docs(CODING, "b", 80, rng))
    model = tmp_path / "small.ftz"
    assert cli_main(["train-fasttext", "--labels", json.dumps({"food": [str(tmp_path / "a" / "*.gz")], "code": [str(tmp_path / "b" / "*.gz")]}),
                     "--model_path", str(model), "--epoch", "20", "--threads", "1", "--bucket", "20000",
                     "--dim", "16"]) in (0, None)
    assert model.stat().st_size < 400_000  # unquantised: at least 20,000 buckets x 16 dims x 4 bytes = 1.28 MB
    g = tag("ft_classifier_v1", "bake the dough", {"model_path": str(model), "labels": ["food"]})
    assert g["food"][0][2] > 0.5


def test_train_needs_two_labels(tmp_path: Path, capsys) -> None:
    _write(tmp_path / "documents" / "a.jsonl.gz", _docs(COOKING, "c", 5, random.Random(1)))
    code = cli_main(["train-fasttext", "--positive", str(tmp_path / "documents" / "*.gz"), "--model_path",
                     str(tmp_path / "m.bin")])
    assert code == 2 and "at least two labels" in capsys.readouterr().err


def test_classifier_document_and_paragraph_level(tag, trained_model: Path) -> None:
    cooking = "bake the dough in the oven with butter and sugar"
    coding = "compile the python module and debug the function"
    g = tag("ft_classifier_v1", f"{cooking}\n{coding}", {"model_path": str(trained_model), "level": "paragraph"})
    # paragraphs: the 48 characters of `cooking` and its newline, then the 48 of `coding`
    assert [s[:2] for s in g["positive"]] == [[0, 49], [49, 97]]
    assert g["positive"][0][2] > 0.8 and g["positive"][1][2] < 0.2
    assert g["negative"][0][2] == pytest.approx(1 - g["positive"][0][2], abs=2e-5)
    g = tag("ft_classifier_v1", cooking, {"model_path": str(trained_model), "labels": ["positive"]})
    assert list(g) == ["positive"] and g["positive"][0][:2] == [0, 48]


def test_classifier_options_are_checked(trained_model: Path, tmp_path: Path) -> None:
    from taggers.fasttext_classifier import FastTextClassifierV1

    with pytest.raises(ConfigError, match="does not exist"):
        FastTextClassifierV1(model_path=str(tmp_path / "missing.bin"))
    with pytest.raises(ConfigError, match="not in the model"):
        FastTextClassifierV1(model_path=str(trained_model), labels=["nope"])
    with pytest.raises(ConfigError, match="level"):
        FastTextClassifierV1(model_path=str(trained_model), level="sentence")


def test_classifier_through_cli_tagger_options(trained_model: Path, tmp_path: Path, capsys) -> None:
    _write(tmp_path / "documents" / "x.jsonl.gz", [{"id": "a", "text": "whisk flour and sugar"}])
    opts = json.dumps({"ft_classifier_v1": {"model_path": str(trained_model)}})
    assert cli_main(["tag", "--documents", str(tmp_path / "documents" / "*.gz"), "--taggers", "ft_classifier_v1",
                     "--tagger_options", opts, "--processes", "1"]) in (0, None)
    with gzip.open(tmp_path / "attributes" / "ft_classifier_v1" / "x.jsonl.gz", "rt") as fh:
        row = json.loads(fh.readline())
    assert row["attributes"]["ft_classifier_v1__ft_classifier_v1__positive"][0][2] > 0.8
    capsys.readouterr()
    assert cli_main(["tag", "--documents", str(tmp_path / "documents" / "*.gz"), "--taggers", "ft_classifier_v1",
                     "--tagger_options", json.dumps({"ft_classifier_v1": {"modelpath": "x"}})]) == 2
    assert "does not take these options" in capsys.readouterr().err
    assert cli_main(["tag", "--documents", str(tmp_path / "documents" / "*.gz"), "--taggers", "char_length_v1",
                     "--tagger_options", opts]) == 2
    assert "not run" in capsys.readouterr().err


def test_prediction_only_fasttext_module_gives_a_clear_error(monkeypatch) -> None:
    # what `import fasttext` returns when fasttext-predict owns the module: no train_supervised
    stub = types.ModuleType("fasttext")
    stub.load_model = lambda path: None
    monkeypatch.setitem(sys.modules, "fasttext", stub)
    with pytest.raises(DolmaToolsError) as err:
        require_training()
    assert str(err.value) == FIX_IMPORT_CLASH and "fasttext-community" in str(err.value)


def test_jigsaw_taggers_keep_label_prefix(tag, trained_model: Path) -> None:
    for name in ("jigsaw_hatespeech_document_v2", "jigsaw_nsfw_document_v1"):
        g = tag(name, "bake the bread 😀", {"model_path": str(trained_model)})
        assert set(g) == {"__label__positive", "__label__negative"}
        assert g["__label__positive"][0][:2] == [0, 16]


def test_missing_required_options_fail_before_any_work(tmp_path: Path, capsys) -> None:
    _write(tmp_path / "documents" / "x.jsonl.gz", [{"id": "a", "text": "t"}])
    for tagger, message in (("ft_classifier_v1", "model path is required"), ("url_blocklist_v1", "needs a blocklist"),
                            ("tokenizer_count_v1", "tokenizer JSON")):
        capsys.readouterr()
        assert cli_main(["tag", "--documents", str(tmp_path / "documents" / "*.gz"), "--taggers", tagger]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "attributes").exists()  # nothing was started


def test_dolma_quality_taggers_with_a_local_model(tag, trained_model: Path) -> None:
    # dclm-oh-eli5 keeps the top label; with our labels (not hq/cc) the field is the label itself
    g = tag("dclm-oh-eli5", "  bake the\ndough  ", {"model_path": str(trained_model)})
    assert list(g) == ["positive"] and g["positive"][0][:2] == [0, 18] and g["positive"][0][2] > 0.5
    g = tag("dolma17-quality", "compile\tthe python module", {"model_path": str(trained_model)})
    assert set(g) == {"positive", "negative"} and g["negative"][0][2] > 0.5
