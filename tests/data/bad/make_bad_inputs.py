"""Writes the bad-input corpus next to this script (committed; rerun only to change it).

Every bad document file has good documents around its one bad line (line 3 unless noted), so tests can
check both the error (file and line) and what ``--on-error skip`` keeps. ``RELIABILITY.md`` lists the
behaviour of each; the 100 MB line is generated at test time (``test_bad_inputs.py``), not committed.

    documents/good.jsonl          5 good documents d0..d4 (the attribute files below describe it)
    documents/malformed_json.jsonl  line 3: an unterminated string
    documents/invalid_utf8.jsonl  line 3: byte 0xff inside the text
    documents/lone_surrogate.jsonl  line 3: "\\ud800" without its low surrogate
    documents/truncated.jsonl.gz  300 documents, the gzip stream cut at 60%
    documents/truncated.jsonl.zst 300 documents in 1 KB zstd frames, cut at 60% (inside a frame)
    documents/zero_byte.jsonl     empty
    documents/blank_lines.jsonl   nothing but blank and whitespace-only lines
    documents/missing_id.jsonl    line 3: no "id"
    documents/missing_text.jsonl  line 3: no "text"
    documents/non_string_id.jsonl line 3: "id": 5
    documents/non_string_text.jsonl line 3: "text": ["a", "list"]
    documents/duplicate_ids.jsonl lines 2 and 3 share the id "d1" (different texts)
    documents/deep_nesting.jsonl  line 3: metadata nested 2,000 levels deep
    documents/nested_500.jsonl    line 3: metadata nested 500 levels deep
    attributes/short/good.jsonl   3 rows for 5 documents
    attributes/long/good.jsonl    6 rows for 5 documents
    attributes/out_of_order/good.jsonl  rows d0 d2 d1 d3 d4
    bloom/truncated.bin           a valid filter file cut short
    bloom/bad_checksum.bin        a valid filter file with one bit flipped in its bit array
    configs/*.yaml                unknown key, wrong type, JSONPath and jq syntax errors, unknown attribute
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import zstandard

HERE = Path(__file__).resolve().parent


def doc(i: int | str, text: str | None = None) -> dict:
    return {"id": f"d{i}", "text": text or f"document {i}\nwith a second paragraph number {i}", "source": "bad"}


def lines(*rows: object) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in rows)


def around(bad: bytes) -> bytes:
    """Two good documents, the bad line (line 3), two more good documents."""
    return lines(doc(0), doc(1), bad, doc(3), doc(4))


def nested(depth: int) -> bytes:
    return b'{"id": "d2", "text": "deep", "metadata": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}"


def documents() -> dict[str, bytes]:
    good = lines(*(doc(i) for i in range(5)))
    many = lines(*(doc(i, f"document {i} " * (i % 9 + 1)) for i in range(300)))
    gz = gzip.compress(many, mtime=0)
    # zstd: 1 KB frames, so the complete frames before the cut still decode
    zst = b"".join(zstandard.ZstdCompressor(level=3).compress(many[i:i + 1024]) for i in range(0, len(many), 1024))
    return {
        "good.jsonl": good,
        "malformed_json.jsonl": around(b'{"id": "d2", "text": "unterminated'),
        "invalid_utf8.jsonl": around(b'{"id": "d2", "text": "bad \xff byte"}'),
        "lone_surrogate.jsonl": around(b'{"id": "d2", "text": "lone \\ud800 surrogate"}'),
        "truncated.jsonl.gz": gz[: len(gz) * 6 // 10],
        "truncated.jsonl.zst": zst[: len(zst) * 6 // 10],
        "zero_byte.jsonl": b"",
        "blank_lines.jsonl": b"\n\n   \n\t\n\n",
        "missing_id.jsonl": around(json.dumps({"text": "no id"}).encode()),
        "missing_text.jsonl": around(json.dumps({"id": "d2"}).encode()),
        "non_string_id.jsonl": around(json.dumps({"id": 5, "text": "numeric id"}).encode()),
        "non_string_text.jsonl": around(json.dumps({"id": "d2", "text": ["a", "list"]}).encode()),
        "duplicate_ids.jsonl": lines(doc(0), doc(1), doc(1, "another text with the same id"), doc(3), doc(4)),
        "deep_nesting.jsonl": around(nested(2000)),
        "nested_500.jsonl": around(nested(500)),
    }


def attribute_row(i: int) -> dict:
    return {"id": f"d{i}", "attributes": {"x__len__score": [[0, 10, float(i)]]}}


def attributes() -> dict[str, bytes]:
    return {
        "short/good.jsonl": lines(*(attribute_row(i) for i in range(3))),
        "long/good.jsonl": lines(*(attribute_row(i) for i in range(6))),
        "out_of_order/good.jsonl": lines(*(attribute_row(i) for i in (0, 2, 1, 3, 4))),
    }


def blooms() -> dict[str, bytes]:
    from dolma_tools._rust import BloomFilter

    bloom = BloomFilter(size_in_bytes=8192, estimated_doc_count=100)
    for i in range(50):
        bloom.insert(f"key {i}")
    data = bloom.to_bytes()
    flipped = bytearray(data)
    flipped[4096 + 100] ^= 0x01
    return {"truncated.bin": data[: len(data) - 1000], "bad_checksum.bin": bytes(flipped)}


MIX = {"streams": [{"name": "s", "documents": ["documents/good.jsonl"], "attributes": ["long"],
                    "output": {"path": "out"}}]}


def configs() -> dict[str, object]:
    def mix_with(flt: dict) -> dict:
        return {"streams": [{**MIX["streams"][0], "attributes": ["out_of_order"], "filter": flt}]}

    return {
        "unknown_key.yaml": {"documents": ["documents/good.jsonl"], "taggerz": ["char_length_v1"]},
        "wrong_type.yaml": {"documents": ["documents/good.jsonl"], "taggers": ["char_length_v1"], "processes": "two"},
        "jsonpath_error.yaml": mix_with({"exclude": ["$.attributes[?(@.x__len__score[0][2] >> 1)]"]}),
        "jq_error.yaml": mix_with({"exclude": [".attributes.x__len__score[0][2] >"], "syntax": "jq"}),
        "unknown_attribute.yaml": mix_with({"exclude": ["$.attributes[?(@.x__len__scor[0][2] > 1)]"]}),
    }


def main() -> None:
    import yaml

    for folder, files in (("documents", documents()), ("attributes", attributes()), ("bloom", blooms())):
        for name, data in files.items():
            path = HERE / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for name, cfg in configs().items():
        path = HERE / "configs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(cfg, sort_keys=False))


if __name__ == "__main__":
    main()
