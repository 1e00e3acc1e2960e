"""``dolma-tools train-fasttext``: train a fastText classifier on labelled documents and report held-out
precision/recall; the model works with the ``ft_classifier_v1`` tagger."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from ..config.schema import option
from ..errors import ConfigError
from .registry import Command, register
from .tag import parse_mapping_option


@dataclass(kw_only=True)
class TrainFastTextConfig:
    model_path: str = option(help="Where to write the model (.bin; .ftz for a quantised model)")
    positive: list[str] = option([], "Document globs of the positive class (label `positive`)")
    negative: list[str] = option([], "Document globs of the negative class (label `negative`)")
    labels: dict[str, list[str]] | str = option({}, "More classes: {label: [document globs]} (JSON on the command line)")
    documents: list[str] = option([], "Document globs whose label is read from label_field")
    label_field: str | None = option(None, "Field holding each document's label, e.g. metadata.quality")
    test_fraction: float = option(0.1, "Share of documents held out for evaluation (chosen from seed and id)")
    seed: int = option(1, "Seed of the held-out split, the shuffle and fastText")
    lowercase: bool = option(False, "Lowercase texts (then also set lowercase: true on the tagger)")
    epoch: int = option(5, "fastText epochs")
    lr: float = option(0.1, "fastText learning rate")
    word_ngrams: int = option(2, "fastText word n-grams")
    dim: int = option(100, "fastText vector size")
    min_count: int = option(1, "fastText minimum word count")
    threads: int = option(2, "fastText training threads")
    bucket: int = option(2_000_000, "fastText hash buckets for word n-grams (model size ~ bucket x dim x 4 bytes)")


def run(cfg: TrainFastTextConfig) -> int:
    from ..fasttext_training import train_classifier

    label_globs = {str(k): [v] if isinstance(v, str) else list(v)
                   for k, v in parse_mapping_option(cfg.labels, "labels").items()}
    for name, globs in (("positive", cfg.positive), ("negative", cfg.negative)):
        if globs:
            label_globs[name] = list(globs)
    if not label_globs and not cfg.documents:
        raise ConfigError("give positive/negative globs, labels, or documents with a label_field", "positive")
    report = train_classifier(
        cfg.model_path, label_globs, documents=cfg.documents, label_field=cfg.label_field,
        test_fraction=cfg.test_fraction, seed=cfg.seed, lowercase=cfg.lowercase, epoch=cfg.epoch, lr=cfg.lr,
        word_ngrams=cfg.word_ngrams, dim=cfg.dim, min_count=cfg.min_count, threads=cfg.threads, bucket=cfg.bucket,
    )
    print(report.format(), file=sys.stderr)
    print(f"[train-fasttext] metrics written to {cfg.model_path}.metrics.json", file=sys.stderr)
    return 0


COMMAND = register(
    Command(
        name="train-fasttext",
        help="Train a fastText classifier from labelled documents",
        schema=TrainFastTextConfig,
        run=run,
        description="Train a fastText classifier from labelled document globs (positive/negative, {label: globs}, or "
        "a label field) and report precision/recall on a held-out split.",
        epilog="example:\n  dolma-tools train-fasttext --positive 'good/documents/*.gz' --negative 'bad/documents/*.gz' "
        "--model_path quality.bin\n  dolma-tools tag --documents ... --taggers ft_classifier_v1 "
        "--tagger_options '{\"ft_classifier_v1\": {\"model_path\": \"quality.bin\"}}'",
    )
)
