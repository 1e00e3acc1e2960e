"""Before any output: every attribute a filter or span rule names must exist in some attribute file.

Dolma silently treats a misspelled attribute as "no match", so a dead rule filters nothing. We look for
each referenced name in the stream's attribute files (the first rows usually suffice: taggers write
every key on every row; the full files are read only when a name is not found early) and fail with
the names that do exist, closest first.
"""

from __future__ import annotations

import difflib
import sys
from typing import Iterable

from dolma_tools.errors import ConfigError
from dolma_tools.io.jsonl import iter_json_rows

from .attributes import attribute_files, attribute_names_in

#: Document rows scanned for attributes carried inline by the documents themselves.
INLINE_ROWS = 1000


def closest_first(name: str, candidates: Iterable[str]) -> list[str]:
    return sorted(candidates, key=lambda c: (-difflib.SequenceMatcher(None, name, c).ratio(), c))


def existing_attribute_names(document_files: list[str], sets: list[str], wanted: set[str]) -> set[str]:
    """Attribute names present in the attribute files of ``sets`` (and inline in the first documents)."""
    per_file = [attribute_files(doc, sets) for doc in document_files]
    # first the first file of every set, then everything (only reached when a name is still missing)
    first = per_file[0] if per_file else []
    found = attribute_names_in(first, wanted)
    if document_files:
        found |= _inline_names(document_files[0])
    if wanted <= found:
        return found
    rest = [p for paths in per_file[1:] for p in paths]
    return found | attribute_names_in(rest, wanted - found)


def _inline_names(document_file: str) -> set[str]:
    found: set[str] = set()
    for i, (_, row) in enumerate(iter_json_rows(document_file)):
        attrs = row.get("attributes")
        if isinstance(attrs, dict):
            found.update(attrs)
        if i + 1 >= INLINE_ROWS:
            break
    return found


def check_attribute_references(
    label: str,
    references: list[tuple[str, str]],
    document_files: list[str],
    sets: list[str],
    allow_missing: bool = False,
) -> list[str]:
    """``references`` = (attribute name, config key using it). Raises ConfigError for unknown names
    (or warns when ``allow_missing``); returns the missing names."""
    wanted = {name for name, _ in references}
    if not wanted:
        return []
    found = existing_attribute_names(document_files, sets, wanted)
    missing = [name for name in dict.fromkeys(n for n, _ in references) if name not in found]
    if not missing:
        return []
    lines = []
    for name in missing:
        used_in = ", ".join(key for n, key in references if n == name)
        suggestions = closest_first(name, found)[:15]
        shown = ", ".join(suggestions) if suggestions else "(none: the attribute files carry no attributes)"
        lines.append(f"attribute '{name}' (used in {used_in}) is not in any attribute file of {label} "
                     f"(attribute sets: {', '.join(sets) or 'none'}); attribute names that exist, closest first: {shown}")
    message = "\n".join(lines)
    if allow_missing:
        print(f"warning: {message}\n(allow_missing_attributes is set: these rules match nothing)", file=sys.stderr)
        return missing
    raise ConfigError(message + "\n(set allow_missing_attributes: true to run anyway, as Dolma would)")
