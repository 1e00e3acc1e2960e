"""Built-in taggers, registered with ``@add_tagger`` exactly like third-party plugins.

Importing this package imports every module below, which registers its taggers.
"""

from __future__ import annotations

import importlib
import pkgutil


def _import_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_import_all()
