"""``dolma-tools tokens``: OLMo-style .npy token files and .csv.gz document tables that round-trip."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from dolma_tools.cli.main import main
from dolma_tools.errors import ConfigError
from mixer_helpers import TOKENIZER, write_docs
from mixers.token_files import choose_dtype

EOS = 50279  # "<|endoftext|>" of the GPT-NeoX test tokenizer


def _docs() -> list[dict]:
    long = " ".join(f"token{i}" for i in range(700))  # ~1,400 tokens: longer than one capped file
    texts = ["Hello world.", "Ünïcödé ☃ text, with punctuation!", long, "The end.\nTwo lines."]
    return [{"id": f"doc-{i}", "text": t} for i, t in enumerate(texts)]


def _tables(dest: Path) -> list[tuple[Path, list[list[str]]]]:
    out = []
    for npy in sorted(dest.rglob("*.npy")):
        with gzip.open(Path(str(npy)[:-4] + ".csv.gz"), "rt") as f:
            out.append((npy, list(csv.reader(f))))
    return out


def test_round_trip_with_a_tokenizer_json(tmp_path: Path) -> None:
    docs = _docs()
    write_docs(tmp_path / "mix" / "s-0000.jsonl.gz", docs)
    assert main(["tokens", "--documents", str(tmp_path / "mix/*.jsonl.gz"), "--destination", str(tmp_path / "tok"),
                 "--tokenizer.name_or_path", str(TOKENIZER), "--tokenizer.eos_token_id", str(EOS),
                 "--processes", "1"]) == 0
    tok = Tokenizer.from_file(str(TOKENIZER))
    (npy, rows), = _tables(tmp_path / "tok")
    assert npy.name == "s-0000-00000.npy"
    ids = np.memmap(npy, dtype=np.uint16, mode="r")  # 50,280-token vocabulary: uint16
    assert npy.stat().st_size == 2 * len(ids)
    assert [r[2] for r in rows] == [d["id"] for d in docs]
    assert [int(r[4]) for r in rows] == [1, 2, 3, 4]  # line numbers
    assert int(rows[0][0]) == 0 and all(int(a[1]) == int(b[0]) for a, b in zip(rows, rows[1:]))
    assert int(rows[-1][1]) == len(ids)
    for (start, end, doc_id, src, _), doc in zip(rows, docs):
        piece = ids[int(start):int(end)].tolist()
        assert piece[-1] == EOS
        assert tok.decode(piece[:-1]) == doc["text"]
        assert src.endswith("s-0000.jsonl.gz")


def test_capped_files_split_long_documents_without_wrapping(tmp_path: Path) -> None:
    docs = _docs()
    write_docs(tmp_path / "mix" / "s-0000.jsonl.gz", docs)
    cap_tokens = 500
    assert main(["tokens", "--documents", str(tmp_path / "mix/*.jsonl.gz"), "--destination", str(tmp_path / "tok"),
                 "--tokenizer.name_or_path", str(TOKENIZER), "--tokenizer.eos_token_id", str(EOS),
                 "--max_size", str(cap_tokens * 2)]) == 0
    tok = Tokenizer.from_file(str(TOKENIZER))
    expected = [tok.encode(d["text"], add_special_tokens=False).ids + [EOS] for d in docs]
    tables = _tables(tmp_path / "tok")
    assert len(tables) == -(-sum(map(len, expected)) // cap_tokens)  # files filled up to the cap, in order
    stream, pieces = [], {}
    for npy, rows in tables:
        ids = np.memmap(npy, dtype=np.uint16, mode="r").tolist()
        assert len(ids) <= cap_tokens
        stream += ids
        for start, end, doc_id, _, _ in rows:
            pieces.setdefault(doc_id, []).extend(ids[int(start):int(end)])
    assert stream == [t for e in expected for t in e]  # every token once, in order: no wrapping
    assert [pieces[d["id"]] for d in docs] == expected
    long_id = docs[2]["id"]
    assert sum(1 for _, rows in tables for r in rows if r[2] == long_id) >= 3  # the long document is split


def test_dtype_follows_the_vocabulary(tmp_path: Path) -> None:
    assert choose_dtype(50_280) == np.uint16 and choose_dtype(65_536) == np.uint16
    assert choose_dtype(100_278) == np.uint32
    assert choose_dtype(100_278, "uint32") == np.uint32
    with pytest.raises(ConfigError, match="uint16 cannot hold"):
        choose_dtype(100_278, "uint16")
    # a real tokenizer.json with a 70,000-word vocabulary writes uint32
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    vocab = {"[UNK]": 0, **{f"w{i}": i + 1 for i in range(70_000)}}
    big = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    big.pre_tokenizer = Whitespace()
    big.save(str(tmp_path / "big.json"))
    write_docs(tmp_path / "mix" / "a.jsonl.gz", [{"id": "x", "text": "w5 w69999 nope"}])
    assert main(["tokens", "--documents", str(tmp_path / "mix/*.gz"), "--destination", str(tmp_path / "tok"),
                 "--tokenizer.name_or_path", str(tmp_path / "big.json")]) == 0
    (npy, rows), = _tables(tmp_path / "tok")
    assert np.memmap(npy, dtype=np.uint32, mode="r").tolist() == [6, 70000, 0]
    assert rows == [["0", "3", "x", str(tmp_path / "mix" / "a.jsonl.gz"), "1"]]
