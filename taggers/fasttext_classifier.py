"""A generic fastText classifier tagger for any model file (DCLM- or FineWeb-Edu-style quality models,
Jigsaw-style toxicity models, your own from ``dolma-tools train-fasttext``), plus Dolma's Jigsaw names.

Options (``tagger_options: {ft_classifier_v1: {...}}`` or a subclass's class attributes):

- ``model_path``: the ``.bin``/``.ftz`` file (required);
- ``level``: ``document`` (one span per label over the text) or ``paragraph`` (one per non-blank line);
- ``labels``: labels to write, with or without ``__label__`` (default: every label of the model);
- ``lowercase``: lowercase the text before predicting (for models trained on lowercased text).

Fields are the labels without the ``__label__`` prefix; scores are probabilities. Predictions are batched:
one fastText call per batch of documents (or of all their paragraphs).
"""

from __future__ import annotations

from typing import ClassVar

from dolma_tools import Document, add_tagger
from dolma_tools.errors import ConfigError

from ._rust_backed import BatchFirstTagger
from ._text import split_paragraphs
from dolma_tools.fasttext_models import check_model_file, clean_line, load_model, predict_all_labels, strip_label

LEVELS = ("document", "paragraph")


class FastTextClassifier(BatchFirstTagger):
    """Scores of a fastText model's labels, per document or per paragraph (options: model_path, level, labels)."""

    MODEL_PATH: ClassVar[str | None] = None
    LEVEL: ClassVar[str] = "document"
    LABELS: ClassVar[list[str] | None] = None
    LOWERCASE: ClassVar[bool] = False
    #: Keep the ``__label__`` prefix in field names (Dolma's Jigsaw taggers do).
    KEEP_PREFIX: ClassVar[bool] = False

    @classmethod
    def check_options(cls, model_path: str | None = None, level: str | None = None, **_: object) -> None:
        check_model_file(model_path or cls.MODEL_PATH)
        if (level or cls.LEVEL) not in LEVELS:
            raise ConfigError(f"level must be one of {', '.join(LEVELS)}, got {level!r}", "tagger_options")

    def __init__(self, model_path: str | None = None, level: str | None = None, labels: list[str] | None = None,
                 lowercase: bool | None = None) -> None:
        self.check_options(model_path=model_path, level=level)
        self.model = load_model(model_path or self.MODEL_PATH or "")
        self.level = level or self.LEVEL
        wanted = labels if labels is not None else self.LABELS
        self.labels = None if wanted is None else [f"__label__{strip_label(label)}" for label in wanted]
        if self.labels is not None:
            unknown = sorted(set(self.labels) - set(self.model.get_labels()))
            if unknown:
                raise ConfigError(f"labels {unknown} are not in the model (it has {self.model.get_labels()})", "tagger_options")
        self.lowercase = self.LOWERCASE if lowercase is None else lowercase

    def _fields(self, predictions: list[tuple[str, float]]) -> list[tuple[str, float]]:
        if self.labels is not None:
            scores = dict(predictions)
            predictions = [(label, scores.get(label, 0.0)) for label in self.labels]
        return [(label if self.KEEP_PREFIX else strip_label(label), p) for label, p in predictions]

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        units: list[tuple[int, int, int, str]] = []  # (doc index, start, end, text)
        for i, doc in enumerate(docs):
            if self.level == "document":
                units.append((i, 0, len(doc.text), doc.text))
            else:
                units.extend((i, p.start, p.end, p.text) for p in split_paragraphs(doc.text))
        predictions = predict_all_labels(self.model, [clean_line(u[3], self.lowercase) for u in units])
        out: list[dict[str, list[list]]] = [{} for _ in docs]
        for (i, start, end, _), preds in zip(units, predictions):
            for field, score in self._fields(preds):
                out[i].setdefault(field, []).append([start, end, round(score, 5)])
        return out


@add_tagger("ft_classifier_v1")
class FastTextClassifierV1(FastTextClassifier):
    """Any fastText model's label probabilities (tagger_options: model_path, level, labels, lowercase)."""


@add_tagger("jigsaw_hatespeech_document_v2")
class JigsawHatespeechDocumentV2(FastTextClassifier):
    """Dolma's Jigsaw hate-speech tagger (fields keep `__label__`); needs tagger_options model_path."""

    KEEP_PREFIX = True


@add_tagger("jigsaw_nsfw_document_v1")
class JigsawNsfwDocumentV1(JigsawHatespeechDocumentV2):
    """Dolma's Jigsaw NSFW tagger (fields keep `__label__`); needs tagger_options model_path."""


@add_tagger("dclm-oh-eli5")
class DclmOhEli5(FastTextClassifier):
    """Dolma's DCLM quality tagger (`score` = P(hq)); needs tagger_options model_path (the DCLM fastText file)."""

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        # Dolma joins the stripped text's lines with spaces and keeps the top label only
        lines = [" ".join(d.text.strip().splitlines()) for d in docs]
        labels, probs = self.model.predict(lines, k=1) if lines else ([], [])
        out = []
        for doc, (label,), (prob,) in zip(docs, labels, probs):
            score = 1.0 - float(prob) if label == "__label__cc" else float(prob)
            field = strip_label(label).replace("cc", "score").replace("hq", "score")
            out.append({field: [[0, len(doc.text), round(score, 5)]]})
        return out


@add_tagger("dolma17-quality")
class Dolma17Quality(FastTextClassifier):
    """Dolma 1.7's quality classifier (one field per label); needs tagger_options model_path."""

    def __init__(self, model_path: str | None = None) -> None:
        from tokenizers import normalizers, pre_tokenizers

        super().__init__(model_path=model_path)
        # Dolma's preprocessing, with the same (Rust) whitespace rules: strip, split on whitespace, join
        self._strip = normalizers.Strip()
        self._split = pre_tokenizers.WhitespaceSplit()

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        lines = [" ".join(t for t, _ in self._split.pre_tokenize_str(self._strip.normalize_str(d.text))) for d in docs]
        out: list[dict[str, list[list]] | None] = []
        for doc, preds in zip(docs, predict_all_labels(self.model, lines)):
            out.append({strip_label(label): [[0, len(doc.text), round(p, 5)]] for label, p in preds})
        return out
