"""Fuzz targets (hypothesis): the JSONL reader, the Rust reader against it, and the filter-expression parsers.

The contract: bad input raises only the documented error types (``InputError`` for data, ``ConfigError`` for
expressions in configs, ``DolmaToolsError`` for an expression failing on a document), never anything else.
"""

from __future__ import annotations

import gzip
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import zstandard
from hypothesis import assume, example, given
from hypothesis import strategies as st

from dolma_tools.cli.main import main
from dolma_tools.errors import ConfigError, DolmaToolsError, InputError
from dolma_tools.io.jsonl import ReadStats, iter_documents, read_rows
from mixers.filters import DocFilter
from mixers.jq_expr import JqExpression
from mixers.jsonpath import JsonPath

from .strategies import json_values, suite_settings, unicode_text

# ------------------------------------------------------------------------------------------ JSONL lines


@st.composite
def mutated(draw: Any, line: bytes) -> bytes:
    """``line`` with a few bytes flipped, inserted or deleted."""
    data = bytearray(line)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        op = draw(st.sampled_from(["flip", "insert", "delete"]))
        if op == "insert" or not data:
            data[i:i] = bytes([draw(st.integers(0, 255))])
        elif op == "flip":
            data[i] = draw(st.integers(0, 255))
        else:
            del data[i]
    return bytes(data).replace(b"\n", b" ")


def _doc_line(i: int, text: str, meta: Any, ascii_only: bool) -> bytes:
    return json.dumps({"id": f"d{i}", "text": text, "metadata": meta}, ensure_ascii=ascii_only).encode()


@st.composite
def jsonl_lines(draw: Any) -> list[bytes]:
    """Good documents, mutated documents, JSON that is not a document, and arbitrary bytes."""
    lines = []
    for i in range(draw(st.integers(0, 8))):
        good = _doc_line(i, draw(unicode_text), draw(json_values), draw(st.booleans()))
        kind = draw(st.sampled_from(["good", "good", "mutated", "json", "bytes", "blank"]))
        if kind == "good":
            lines.append(good)
        elif kind == "mutated":
            lines.append(draw(mutated(good)))
        elif kind == "json":
            lines.append(json.dumps(draw(json_values)).encode())
        elif kind == "bytes":
            lines.append(draw(st.binary(max_size=40)).replace(b"\n", b""))
        else:
            lines.append(draw(st.sampled_from([b"", b"  ", b"\t", b"\r"])))
    return lines


def _write(path: Path, lines: list[bytes]) -> None:
    data = b"".join(line + b"\n" for line in lines)
    if path.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    elif path.name.endswith(".zst"):
        data = zstandard.ZstdCompressor().compress(data)
    path.write_bytes(data)


@given(jsonl_lines(), st.sampled_from([".jsonl", ".jsonl.gz", ".jsonl.zst"]))
@example([b'{"id": "a", "text": "x", "metadata": ' + b"[" * 1100 + b"]" * 1100 + b"}"], ".jsonl")
@suite_settings(400)
def test_the_jsonl_reader_raises_only_input_errors(lines: list[bytes], suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{suffix}"
        _write(path, lines)
        try:
            rows = list(iter_documents(str(path)))
        except InputError as err:
            assert err.path == str(path) and 1 <= err.line <= len(lines)
        else:
            assert all(isinstance(r["id"], str) and isinstance(r["text"], str) for _, r in rows)
        stats = ReadStats()
        kept = list(iter_documents(str(path), "skip", stats))
        assert stats.rows == len(kept)
        assert stats.rows + stats.skipped_total == sum(1 for line in lines if line.strip())


@given(st.binary(max_size=300), st.sampled_from([".jsonl.gz", ".jsonl.zst", ".json.gz"]))
@example(gzip.compress(b'{"id": "a", "text": "b"}\n' * 50, mtime=0)[:-9], ".jsonl.gz")
@suite_settings(300)
def test_corrupt_compressed_files_raise_only_input_errors(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{suffix}"
        path.write_bytes(data)
        try:
            list(iter_documents(str(path)))
        except InputError:
            pass
        list(iter_documents(str(path), "skip", ReadStats()))


_BIG_EXPONENT = re.compile(rb"[eE][+-]?\d{3}")


@given(jsonl_lines())
@suite_settings(40)
def test_python_and_rust_readers_skip_the_same_lines(lines: list[bytes]) -> None:
    """Under ``--on-error skip``, ``tag`` (Python reader) and ``dedupe`` (Rust reader) keep the same rows in
    the same order, so their attribute files can be joined. Documented exceptions are not generated:
    numbers beyond a double (e.g. 1e400) and nesting deeper than 1,024 levels, which only the Rust reader
    (reading id and text alone) accepts."""
    assume(not any(_BIG_EXPONENT.search(line) for line in lines))
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "documents" / "f.jsonl"
        doc.parent.mkdir()
        _write(doc, lines)
        assert main(["tag", "--documents", str(doc), "--taggers", "char_length_v1", "--processes", "1",
                     "--on_error", "skip"]) == 0
        assert main(["dedupe", "--documents", str(doc), "--dedupe.documents.key", "$.text",
                     "--dedupe.documents.attribute_name", "dup", "--bloom_filter.file", f"{tmp}/f.bin",
                     "--bloom_filter.size_in_bytes", "65536", "--processes", "1", "--on_error", "skip"]) == 0
        tagged = [r["id"] for r in read_rows(f"{tmp}/attributes/char_length_v1/f.jsonl")]
        deduped = [r["id"] for r in read_rows(f"{tmp}/attributes/dup/f.jsonl")]
    assert tagged == deduped


# ------------------------------------------------------------------------------------------ expressions

JSONPATH_TOKENS = ["$", "$.", "@", "@.", ".", "..", "*", "attributes", "x", "text", "[", "]", "[0]", "[2]", "[-1]",
                   "[1:3]", "[::2]", "[0,1]", "['x']", '["y"]', "[?(", ")]", "(", ")", "&&", "||", "!", ">", ">=",
                   "<", "==", "!=", "~=", " in ", " nin ", " size ", " anyOf ", "0.5", "1", "-2", "'a'", '"b"',
                   "true", "null", "[1,2]", "'^a+$'", "'('", ".length()", " "]
JQ_TOKENS = [".", ".attributes", ".x", ".text", "[0]", "[2]", "[]", "[1:]", "?", "|", ",", "//", " and ", " or ",
             " not", ">", ">=", "==", "!=", "<", "+", "-", "*", "/", "%", "(", ")", "[", "]", "0.5", "1", "0", '"a"',
             "null", "true", "length", "select(", "map(", "if ", " then ", " else ", " elif ", " end", "try ",
             "type", "keys", "add", "any", "all", "sort", "tostring", "tonumber", "test(", "\"b+\"", "empty", " "]


def _expressions(tokens: list[str], prefix: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(st.sampled_from(tokens), max_size=14).map(lambda ts: prefix + "".join(ts)),
        st.text(max_size=40),
    )


#: Numbers whose text has no exponent: libjq prints document numbers in exponent form its own way (`1E+16`,
#: where the native evaluator, like Python, says `1e+16`); a known difference, for `tostring` only.
_plain_numbers = st.one_of(st.integers(-10**15, 10**15), st.floats(-1e15, 1e15).filter(lambda f: f == 0 or abs(f) >= 1e-4))
_doc_values = st.recursive(
    st.one_of(st.none(), st.booleans(), _plain_numbers, unicode_text),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(unicode_text, children, max_size=4)),
    max_leaves=12,
)


def _docs() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "id": st.just("a"),
        "text": unicode_text,
        "attributes": st.dictionaries(st.sampled_from(["x", "y"]), _doc_values, max_size=2),
    })


@given(_expressions(JSONPATH_TOKENS, "$"), st.lists(_docs(), max_size=3))
@example("$[?(" + "(" * 3000 + "@.x" + ")" * 3000 + ")]", [])  # found: RecursionError in the parser
@example("$[?(" + "!" * 3000 + "@.x)]", [])
@example("$" + "[0]" * 5000, [{"id": "a", "text": "", "attributes": {}}])
@suite_settings(1500)
def test_jsonpath_fails_only_with_config_errors_and_never_on_documents(expr: str, docs: list[dict[str, Any]]) -> None:
    try:
        path = JsonPath(expr, "filter.include[0]")
        flt = DocFilter([expr], [], "jsonpath")
    except ConfigError:
        return
    for doc in docs:
        path.select(doc)
        flt.keep(doc)


def _libjq(expr: str, doc: Any) -> tuple[str, Any]:
    import jq

    try:
        return "ok", jq.compile(expr).input_value(doc).all()
    except ValueError:
        return "error", None


@given(_expressions(JQ_TOKENS, ""), st.lists(_docs(), max_size=3))
@example("(" * 3000 + "1" + ")" * 3000, [])  # found: RecursionError in the native compiler
@example("[" * 3000 + "]" * 3000, [{"id": "a", "text": "", "attributes": {}}])
@example("tostring", [{"id": "a", "text": "\x7f", "attributes": {}}])  # found: jq escapes DEL, the native evaluator did not
@example("9007199254740993", [{"id": "a", "text": "", "attributes": {}}])  # found: literals beyond 2**53 are doubles
@suite_settings(1500)
def test_jq_fails_only_with_documented_errors_and_native_agrees_with_libjq(expr: str,
                                                                          docs: list[dict[str, Any]]) -> None:
    try:
        program = JqExpression(expr, "filter.include[0]")
    except ConfigError:
        return
    native = program.native  # None when the expression is beyond the native subset (libjq evaluates it)
    for doc in docs:
        try:
            program.outputs(doc)
        except DolmaToolsError:
            pass
        if native is not None:
            expected = _libjq(expr, doc)
            try:
                got: tuple[str, Any] = ("ok", native(doc))
            except Exception as exc:  # noqa: BLE001 - anything but JqError is a bug, and fails below
                got = ("error", type(exc).__name__)
            assert got[0] == expected[0], (expr, doc, got, expected)
            if got[0] == "ok":
                assert got[1] == expected[1], (expr, doc)
            else:
                assert got[1] == "JqError", (expr, doc, got)
