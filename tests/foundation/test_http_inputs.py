"""Documents published at an http(s) URL are streamed through smart-open (read-only inputs)."""

from __future__ import annotations

import functools
import gzip
import http.server
import threading

import orjson
import pytest

from dolma_tools.errors import StorageError
from dolma_tools.io import atomic_write, exists, glob_paths, iter_documents


@pytest.fixture
def http_root(tmp_path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_http_documents_are_read_and_validated(http_root):
    root, url = http_root
    rows = [{"id": str(i), "text": f"doc {i} é"} for i in range(100)] + [{"id": "bad"}]
    (root / "docs.jsonl.gz").write_bytes(gzip.compress(b"".join(orjson.dumps(r) + b"\n" for r in rows)))
    got = []
    with pytest.raises(Exception) as info:
        for line, row in iter_documents(f"{url}/docs.jsonl.gz"):
            got.append(row["id"])
    assert got == [str(i) for i in range(100)]
    assert f"{url}/docs.jsonl.gz:101: missing required field 'text'" in str(info.value)
    assert exists(f"{url}/docs.jsonl.gz") and not exists(f"{url}/nope.jsonl.gz")
    assert glob_paths(f"{url}/docs.jsonl.gz") == [f"{url}/docs.jsonl.gz"]


def test_http_outputs_are_refused(http_root):
    _, url = http_root
    with pytest.raises(StorageError, match="read-only inputs"):
        with atomic_write(f"{url}/out.jsonl"):
            pass
