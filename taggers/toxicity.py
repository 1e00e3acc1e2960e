"""Toxicity/profanity taggers that work offline out of the box, from alt-profanity-check's shipped model
(a linear SVM over a bag of words, 0.9 MB). For Jigsaw-style fastText models you download, use
``jigsaw_hatespeech_document_v2`` or ``ft_classifier_v1`` with ``tagger_options`` (taggers/fasttext_classifier.py).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

from dolma_tools import Document, add_tagger

from ._rust_backed import BatchFirstTagger
from ._text import split_sentences


@lru_cache(maxsize=1)
def profanity_model() -> Callable[[list[str]], list[float]]:
    """alt-profanity-check's ``predict_prob``: probability that each text is offensive."""
    from profanity_check import predict_prob

    return lambda texts: [float(p) for p in predict_prob(texts)] if texts else []


@add_tagger("profanity_doc_v1")
class ProfanityDocV1(BatchFirstTagger):
    """Probability that the document is offensive (alt-profanity-check; `profanity`)."""

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        probs = profanity_model()([d.text for d in docs])
        return [{"profanity": [[0, len(d.text), round(p, 5)]]} for d, p in zip(docs, probs)]


@add_tagger("profanity_sentence_v1")
class ProfanitySentenceV1(BatchFirstTagger):
    """Offensive probability of every sentence (`sentence`) and the document's maximum (`document_max`)."""

    @property
    def defaults(self) -> list[str]:
        return ["sentence"]

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        sentences = [(i, s) for i, d in enumerate(docs) for s in split_sentences(d.text)]
        probs = profanity_model()([s.text for _, s in sentences])
        out: list[dict[str, list[list]]] = [{"sentence": []} for _ in docs]
        for (i, s), p in zip(sentences, probs):
            out[i]["sentence"].append([s.start, s.end, round(p, 5)])
        for d, grouped in zip(docs, out):
            grouped["document_max"] = [[0, len(d.text), max((v[2] for v in grouped["sentence"]), default=0.0)]]
        return out
