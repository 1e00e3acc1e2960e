"""Atomic commits: no partial output, no temporary left behind."""

from __future__ import annotations

import os
import stat

import pytest

from dolma_tools.io import atomic_write, remove_stale_temporaries


def test_exception_mid_write_leaves_no_output_and_no_temporary(tmp_path):
    target = tmp_path / "out" / "file.jsonl.gz"
    with pytest.raises(ValueError):
        with atomic_write(str(target)) as f:
            f.write(b'{"id":"1"}\n' * 1000)
            raise ValueError("disk on fire")
    assert not target.exists()
    assert os.listdir(target.parent) == []


def test_output_appears_only_on_success(tmp_path):
    target = tmp_path / "file.jsonl"
    with atomic_write(str(target)) as f:
        f.write(b"a\n")
        assert not target.exists(), "the final name must not exist while writing"
        temps = [p for p in os.listdir(tmp_path) if p.startswith(".file.jsonl.")]
        assert len(temps) == 1
        mode = stat.S_IMODE(os.stat(tmp_path / temps[0]).st_mode)
        assert mode == 0o600, "temporary files are private while being written"
    assert target.read_bytes() == b"a\n"
    assert os.listdir(tmp_path) == ["file.jsonl"]


def test_stale_temporaries_of_a_killed_run_are_removed(tmp_path):
    target = tmp_path / "file.jsonl.gz"
    (tmp_path / ".file.jsonl.gz.1234-deadbeef.dtmp").write_bytes(b"partial")
    (tmp_path / ".other.jsonl.gz.1-aa.dtmp").write_bytes(b"someone else's")
    assert remove_stale_temporaries(str(target)) == 1
    assert sorted(os.listdir(tmp_path)) == [".other.jsonl.gz.1-aa.dtmp"]


def test_overwrite_is_atomic_replace(tmp_path):
    target = tmp_path / "f.jsonl"
    target.write_bytes(b"old\n")
    with pytest.raises(KeyError):
        with atomic_write(str(target)) as f:
            f.write(b"new\n")
            raise KeyError("x")
    assert target.read_bytes() == b"old\n"
    with atomic_write(str(target)) as f:
        f.write(b"new\n")
    assert target.read_bytes() == b"new\n"
