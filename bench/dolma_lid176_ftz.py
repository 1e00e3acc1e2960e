"""Dolma tagger module: run dolma's fastText language-ID taggers offline with lid.176.ftz.

dolma 1.2.1's ``ft_lang_id_*`` taggers hard-code
``https://dl.fbaipublicfiles.com/fasttext/supervised-models/lid.176.bin`` (126 MB) and download it on
first use; that host is unreachable here.  The *quantized* model ``lid.176.ftz`` (938,013 bytes,
sha256 8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83, CC-BY-SA-3.0) ships
byte-identical inside the PyPI sdist ``whatthelang==1.0.1``; bench/setup_dolma.sh extracts it to
``$VENV/share/dolma-models/lid.176.ftz``.

Importing this module (``dolma tag --tagger_modules /abs/path/to/dolma_lid176_ftz.py ...``) repoints
every fastText language tagger at that local file.  Tagger names and attribute keys stay the same
(e.g. ``ft_lang_id_en_doc_v2__ft_lang_id_en_doc_v2__en``), but SCORES DIFFER from the .bin model:
outputs made this way are references for "dolma's ft_lang_id code path + lid.176.ftz", not for
dolma's default model.  Override the model path with DOLMA_LID176_PATH.
"""
import os
import sys

from dolma.taggers.language import FastTextAllLanguagesDocumentTagger

_DEFAULT = os.path.join(sys.prefix, "share", "dolma-models", "lid.176.ftz")
LID176_PATH = os.environ.get("DOLMA_LID176_PATH", _DEFAULT)

if not os.path.exists(LID176_PATH):
    raise FileNotFoundError(f"lid.176.ftz not found at {LID176_PATH}; run bench/setup_dolma.sh")

# all ft_lang_id_* taggers inherit MODEL_PATH from this class
FastTextAllLanguagesDocumentTagger.MODEL_PATH = LID176_PATH
