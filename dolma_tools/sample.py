"""The bundled sample corpus: real English prose from Python's own documentation, in Dolma layout.

Every Python install carries the text: ``pydoc_data.topics`` (the language reference topics) and the
docstrings of the standard library (read with ``ast``, nothing is imported). On top of that the generator
plants what a curation pipeline is for: site boilerplate shared across pages, exact and near duplicates,
a few non-English documents (short paragraphs written for this sample), junk and contact details.
Generation is deterministic for a given Python version.
"""

from __future__ import annotations

import ast
import os
import random
import sysconfig
from dataclasses import dataclass
from typing import Iterator

from .io.jsonl import write_jsonl

SKIP_DIRS = {"test", "tests", "idlelib", "site-packages", "lib2to3", "__pycache__", "turtledemo", "tkinter",
             "ensurepip", "pydoc_data", "dist-packages"}

HEADER_TEMPLATES = [
    ["Python documentation", "Home | Library | Language | Index | Search"],
    ["Library reference", "Previous topic | Next topic | This page"],
    ["Docs mirror", "Menu: Tutorials, Guides, Reference, About"],
]
FOOTER_TEMPLATES = [
    ["This page is part of an unofficial mirror of the Python documentation, refreshed nightly from the "
     "interpreter's own docstrings. Report problems with the mirror to the site maintainers, not to the "
     "Python developers."],
    ["Found a bug? Let us know through the issue tracker. Content is licensed under the PSF License; "
     "code samples are in the public domain unless otherwise noted."],
]

# A few documents in other languages (written for this sample) so language taggers have work to do.
OTHER_LANGUAGES = {
    "fr": [
        "La bibliothèque standard de Python contient de nombreux modules utiles. Chaque module est documenté "
        "dans le code source, et cette documentation est accessible depuis l'interpréteur.",
        "Les listes sont des séquences modifiables. On peut ajouter des éléments à la fin d'une liste, en "
        "retirer, ou trier la liste entière sans créer de copie.",
        "Un dictionnaire associe des clés à des valeurs. Les clés doivent être hachables, et l'ordre "
        "d'insertion est conservé depuis la version 3.7 du langage.",
    ],
    "de": [
        "Die Standardbibliothek von Python enthält viele nützliche Module. Jedes Modul ist im Quelltext "
        "dokumentiert, und diese Dokumentation lässt sich im Interpreter abrufen.",
        "Listen sind veränderbare Folgen. Man kann Elemente anhängen, entfernen oder die ganze Liste sortieren, "
        "ohne eine Kopie anzulegen.",
        "Ein Wörterbuch ordnet Schlüsseln Werte zu. Die Schlüssel müssen hashbar sein, und die Reihenfolge des "
        "Einfügens bleibt seit Version 3.7 erhalten.",
    ],
    "es": [
        "La biblioteca estándar de Python contiene muchos módulos útiles. Cada módulo está documentado en el "
        "código fuente, y esa documentación se puede consultar desde el intérprete.",
        "Las listas son secuencias mutables. Se pueden añadir elementos al final, quitarlos u ordenar la lista "
        "completa sin crear una copia.",
        "Un diccionario asocia claves con valores. Las claves deben ser hashables y el orden de inserción se "
        "conserva desde la versión 3.7 del lenguaje.",
    ],
}

CONTACTS = ["Questions about this page: docs-team@example.org", "Call the help desk at (555) 201-3344 on weekdays.",
            "Mirror operated from 192.0.2.17; mail webmaster@mirror.example.net for access."]


@dataclass
class SampleStats:
    documents: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    boilerplate: int = 0
    other_language: int = 0
    junk: int = 0
    files: int = 0


def _paragraphs(text: str) -> list[str]:
    blocks = [" ".join(b.split()) for b in text.replace("\r\n", "\n").split("\n\n")]
    return [b for b in blocks if len(b) >= 40]


def _topic_docs() -> Iterator[tuple[str, str, list[str]]]:
    from pydoc_data.topics import topics

    for name in sorted(topics):
        paras = _paragraphs(topics[name])
        for i in range(0, len(paras), 4):
            chunk = paras[i : i + 4]
            if sum(len(p) for p in chunk) >= 250:
                yield "pydoc-topics", f"https://docs.python.org/3/reference/{name}.html#part-{i // 4}", chunk


def _docstring_docs() -> Iterator[tuple[str, str, list[str]]]:
    root = sysconfig.get_paths()["stdlib"]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for fname in sorted(filenames):
            if not fname.endswith(".py"):
                continue
            path = os.path.join(dirpath, fname)
            module = os.path.relpath(path, root)[:-3].replace(os.sep, ".").removesuffix(".__init__")
            try:
                with open(path, encoding="utf-8") as f:
                    tree = ast.parse(f.read())
            except (SyntaxError, UnicodeDecodeError, OSError):
                continue
            paras: list[str] = []
            for node in [tree, *ast.walk(tree)]:
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    doc = ast.get_docstring(node)
                    if doc:
                        paras.extend(_paragraphs(doc))
            seen: set[str] = set()
            paras = [p for p in paras if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]
            for i in range(0, len(paras), 5):
                chunk = paras[i : i + 5]
                if sum(len(p) for p in chunk) >= 200:
                    yield "stdlib-docstrings", f"https://docs.python.org/3/library/{module}.html#part-{i // 5}", chunk


def _junk(rng: random.Random, words: list[str]) -> list[str]:
    kind = rng.choice(["symbols", "repeated", "short", "wordlist"])
    if kind == "symbols":
        return ["".join(rng.choice("#*=-_~|+<>[]{}/\\@$%^&!;:") for _ in range(rng.randint(20, 80))) for _ in range(6)]
    if kind == "repeated":
        line = rng.choice(words) + " " + rng.choice(words) + " click here"
        return [line] * rng.randint(15, 40)
    if kind == "short":
        return [rng.choice(words).capitalize()]
    return [", ".join(rng.choice(words) for _ in range(25)) for _ in range(4)]


def build_sample(out_dir: str, shards: int = 4, seed: int = 2024, limit: int = 3000) -> SampleStats:
    """Write ``<out_dir>/documents/part-NNNN.jsonl.gz``; returns what was planted."""
    rng = random.Random(seed)
    pool = list(_topic_docs()) + list(_docstring_docs())
    rng.shuffle(pool)
    pool = pool[:limit]
    words = sorted({w.strip(".,:;()").lower() for _, _, ps in pool[:200] for p in ps for w in p.split() if w.isalpha()})
    stats = SampleStats()
    rows: list[dict] = []
    originals: list[dict] = []

    def add(source: str, url: str, paras: list[str], lang: str = "en") -> dict:
        n = len(rows)
        row = {
            "id": f"sample-{n:06d}",
            "text": "\n".join(paras),
            "source": source,
            "added": "2026-11-01T00:00:00.000Z",
            "created": f"2026-{1 + n % 10:02d}-{1 + n % 27:02d}T12:00:00.000Z",
            "metadata": {"url": url, "language": lang},
        }
        rows.append(row)
        return row

    for source, url, paras in pool:
        r = rng.random()
        if originals and r < 0.05:
            orig = rng.choice(originals)
            dup = add(orig["source"], orig["metadata"]["url"].replace("docs.python.org", "mirror.example.net"), [])
            dup["text"] = orig["text"]
            stats.exact_duplicates += 1
        elif originals and r < 0.08:
            orig = rng.choice(originals)
            lines = orig["text"].split("\n")
            i = rng.randrange(len(lines))
            tokens = lines[i].split(" ")
            if len(tokens) > 4:
                del tokens[rng.randrange(len(tokens))]
            lines[i] = " ".join(tokens)
            add(orig["source"], orig["metadata"]["url"] + "?near", lines)
            stats.near_duplicates += 1
        elif r < 0.095:
            add("web-junk", f"https://junk.example.com/{len(rows)}", _junk(rng, words))
            stats.junk += 1
        body = list(paras)
        if rng.random() < 0.3:
            body = HEADER_TEMPLATES[rng.randrange(len(HEADER_TEMPLATES))] + body + FOOTER_TEMPLATES[rng.randrange(len(FOOTER_TEMPLATES))]
            stats.boilerplate += 1
        if rng.random() < 0.04:
            body.insert(rng.randrange(len(body) + 1), rng.choice(CONTACTS))
        originals.append(add(source, url, body))
    for lang, paras in OTHER_LANGUAGES.items():
        for k in range(4):
            picked = rng.sample(paras, k=min(len(paras), 2 + k % 2))
            add("translations", f"https://docs.example.org/{lang}/{k}", picked, lang)
            stats.other_language += 1
    stats.documents = len(rows)
    per = (len(rows) + shards - 1) // shards
    for s in range(shards):
        write_jsonl(os.path.join(out_dir, "documents", f"part-{s:04d}.jsonl.gz"), rows[s * per : (s + 1) * per])
    stats.files = shards
    return stats
