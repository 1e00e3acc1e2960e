"""Training a fastText classifier from labelled documents, with a held-out evaluation.

Documents come either from one glob per label (``positive``/``negative`` or ``labels: {name: [globs]}``) or
from globs plus a ``label_field`` (a top-level field or a dotted path such as ``metadata.quality``).
The held-out split is chosen per document from (seed, id), so it does not depend on file order.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from dataclasses import dataclass, field
from typing import Any, Iterator

from .errors import ConfigError
from .fasttext_models import clean_line, predict_all_labels, require_training
from .io.jsonl import iter_documents
from .io.paths import glob_paths

LABEL_PREFIX = "__label__"
QUANTIZE_CUTOFF = 100_000


@dataclass
class LabelMetrics:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class TrainingReport:
    model_path: str
    train_docs: int
    test_docs: int
    labels: dict[str, int] = field(default_factory=dict)
    accuracy: float = 0.0
    per_label: dict[str, LabelMetrics] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "model_path": self.model_path,
            "train_docs": self.train_docs,
            "test_docs": self.test_docs,
            "labels": self.labels,
            "accuracy": self.accuracy,
            "per_label": {k: vars(v) for k, v in self.per_label.items()},
        }

    def format(self) -> str:
        lines = [f"model: {self.model_path}", f"train: {self.train_docs} documents, held out: {self.test_docs}",
                 f"accuracy: {self.accuracy:.4f}", f"{'label':24s} {'precision':>9s} {'recall':>9s} {'f1':>9s} {'support':>8s}"]
        for label, m in self.per_label.items():
            lines.append(f"{label:24s} {m.precision:9.4f} {m.recall:9.4f} {m.f1:9.4f} {m.support:8d}")
        return "\n".join(lines)


def _field(row: dict[str, Any], path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def labelled_documents(label_globs: dict[str, list[str]], documents: list[str], label_field: str | None) -> Iterator[tuple[str, str, str]]:
    """``(label, id, text)`` for every labelled document."""
    for label, patterns in label_globs.items():
        for path in _expand(patterns, f"labels.{label}"):
            for _, row in iter_documents(path):
                yield label, row["id"], row["text"]
    if documents:
        if not label_field:
            raise ConfigError("documents need a label_field to read each document's label from", "label_field")
        for path in _expand(documents, "documents"):
            for line, row in iter_documents(path):
                value = _field(row, label_field)
                if value is None or value == "":
                    continue  # unlabelled documents are not used
                yield str(value), row["id"], row["text"]


def _expand(patterns: list[str], key: str) -> list[str]:
    files = [f for p in patterns for f in glob_paths(p)]
    if not files:
        raise ConfigError(f"no files match {patterns}", key)
    return files


def _is_test(seed: int, doc_id: str, fraction: float) -> bool:
    from taggers.sampling import uniform_from

    return uniform_from(seed, doc_id) < fraction


def train_classifier(
    model_path: str,
    label_globs: dict[str, list[str]],
    documents: list[str] | None = None,
    label_field: str | None = None,
    test_fraction: float = 0.1,
    seed: int = 1,
    lowercase: bool = False,
    epoch: int = 5,
    lr: float = 0.1,
    word_ngrams: int = 2,
    dim: int = 100,
    min_count: int = 1,
    threads: int = 2,
    bucket: int = 2_000_000,
) -> TrainingReport:
    fasttext = require_training()
    if not 0.0 <= test_fraction < 1.0:
        raise ConfigError("test_fraction must be in [0, 1)", "test_fraction")
    train: list[str] = []
    test: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    for label, doc_id, text in labelled_documents(label_globs, documents or [], label_field):
        label = label.replace(" ", "_")
        line = clean_line(text, lowercase)
        if not line:
            continue
        counts[label] = counts.get(label, 0) + 1
        if _is_test(seed, doc_id, test_fraction):
            test.append((label, line))
        else:
            train.append(f"{LABEL_PREFIX}{label} {line}")
    if len(counts) < 2:
        raise ConfigError(f"need documents of at least two labels, found {sorted(counts) or 'none'}", "labels")
    if not train:
        raise ConfigError("no training documents left after the held-out split", "test_fraction")
    random.Random(seed).shuffle(train)
    with tempfile.TemporaryDirectory() as tmp:
        train_file = os.path.join(tmp, "train.txt")
        with open(train_file, "w", encoding="utf-8") as fh:
            fh.write("\n".join(train) + "\n")
        model = fasttext.train_supervised(input=train_file, epoch=epoch, lr=lr, wordNgrams=word_ngrams, dim=dim,
                                          minCount=min_count, thread=max(1, threads), seed=seed, bucket=bucket,
                                          verbose=0)
    os.makedirs(os.path.dirname(os.path.abspath(model_path)), exist_ok=True)
    if model_path.endswith(".ftz"):
        # keep the 100k most useful rows of the n-gram table: quantised models stay small
        model.quantize(input=None, qnorm=True, retrain=False, cutoff=QUANTIZE_CUTOFF)
    model.save_model(model_path)
    report = TrainingReport(model_path=model_path, train_docs=len(train), test_docs=len(test), labels=counts)
    evaluate(model, test, report)
    with open(model_path + ".metrics.json", "w", encoding="utf-8") as fh:
        json.dump(report.to_json(), fh, indent=2)
    return report


def evaluate(model: Any, test: list[tuple[str, str]], report: TrainingReport) -> None:
    """Top-1 accuracy and per-label precision/recall/F1 on the held-out documents."""
    predicted = [max(row, key=lambda lp: lp[1])[0][len(LABEL_PREFIX):] if row else ""
                 for row in predict_all_labels(model, [line for _, line in test])]
    truth = [label for label, _ in test]
    report.accuracy = sum(p == t for p, t in zip(predicted, truth)) / len(test) if test else 0.0
    for label in sorted(report.labels):
        tp = sum(p == label and t == label for p, t in zip(predicted, truth))
        n_pred = sum(p == label for p in predicted)
        n_true = sum(t == label for t in truth)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_true if n_true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report.per_label[label] = LabelMetrics(round(precision, 5), round(recall, 5), round(f1, 5), n_true)
