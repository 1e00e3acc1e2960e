"""A full disk: a clear error, nothing partial, and a rerun that completes once space is freed.

Outputs go to a small tmpfs mounted for the test and filled up to a few KB. Where the machine does not let
the tests mount one (no CAP_SYS_ADMIN), the ``enospc:<bytes>`` fault hook stands in: every write into an
output's temporary file (and every filter snapshot) past that budget raises ``OSError(ENOSPC)``.
``RELIABILITY_DISK=hook`` selects the hook on machines that could mount a tmpfs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dedupe.helpers import filter_bits
from dolma_tools.fault_hooks import ENV as FAULT_ENV
from support.runs import hidden_files, local_files, run_cli_env

from .catalogue import DISK_FULL, Case
from .corpus import compare_ids, copy_inputs, ids_in
from .scenarios import TAGGERS, dedupe_args, mix_args
from .test_kills import assert_nothing_lost, compare_attributes

TMPFS_BYTES = 8 << 20


@dataclass
class SmallDisk:
    """A folder on a small file system (``tmpfs``), or a plain folder plus the ENOSPC hook (``hook``)."""

    path: Path
    kind: str
    env: dict[str, str] = field(default_factory=dict)

    def fill(self, leave_tmpfs: int, leave_hook: int) -> None:
        """Leave about this many bytes free."""
        if self.kind == "hook":
            self.env = {FAULT_ENV: f"enospc:{leave_hook}"}
            return
        st = os.statvfs(self.path)
        fd = os.open(self.path / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.posix_fallocate(fd, 0, max(st.f_bavail * st.f_frsize - leave_tmpfs, 1))
        finally:
            os.close(fd)

    def free(self) -> None:
        self.env = {}
        (self.path / "filler").unlink(missing_ok=True)

    def wipe(self) -> None:
        self.free()
        for child in self.path.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmallDisk]:
    path = tmp_path_factory.mktemp("disk")
    mount = ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES},mode=0700", "tmpfs", str(path)]
    mounted = os.environ.get("RELIABILITY_DISK") != "hook" and \
        subprocess.run(mount, capture_output=True, check=False).returncode == 0
    try:
        yield SmallDisk(path, "tmpfs" if mounted else "hook")
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)


@dataclass
class Scenario:
    args: list[str]
    cwd: Path
    outputs: list[Path]  # folders whose files must end up identical to the clean run's
    leave_tmpfs: int  # bytes left free on the tmpfs
    leave_hook: int  # bytes the ENOSPC hook lets through

    def reset(self) -> None:
        for folder in self.outputs:
            shutil.rmtree(folder, ignore_errors=True)

    def snapshot(self) -> dict[str, bytes]:
        return {f"{folder}/{k}": v for folder in self.outputs for k, v in local_files(folder).items()}


def _scenario(case: Case, disk: Path, small: Path, mix_inputs: Path, tmp_path: Path) -> Scenario:
    if case.id == "tag":
        root = copy_inputs(small, tmp_path, ("documents",))
        args = ["tag", "--documents", f"{root}/documents/*.jsonl.gz", "--taggers", *TAGGERS, "--processes", "1",
                "--destination", str(disk / "attributes")]
        return Scenario(args, root, [disk / "attributes"], 12 << 10, 4000)
    if case.id == "dedupe-attributes":  # attributes go next to their documents: both on the small disk
        root = copy_inputs(small, disk / "corpus", ("documents",))
        args = dedupe_args("documents", f"{root}/documents/*.jsonl.gz", str(tmp_path / "filters"))
        return Scenario(args, tmp_path, [root / "attributes", tmp_path / "filters"], 10 << 10, 3000)
    if case.id == "dedupe-filter":
        root = copy_inputs(small, tmp_path, ("documents",))
        args = dedupe_args("documents", f"{root}/documents/*.jsonl.gz", str(disk / "filters"))
        return Scenario(args, root, [root / "attributes", disk / "filters"], 512 << 10, 200_000)
    root = copy_inputs(mix_inputs, tmp_path, ("documents", "attributes"))
    return Scenario(mix_args(root, str(disk / "mixed")), root, [disk / "mixed"], 40 << 10, 8000)


def _same(expected: dict[str, bytes], got: dict[str, bytes]) -> None:
    assert sorted(got) == sorted(expected)
    for name, data in expected.items():
        if name.endswith(".bin"):  # filter records hold absolute paths; compare the bits
            continue
        assert got[name] == data, f"{name} differs from the uninterrupted run's"


@pytest.mark.parametrize("case", DISK_FULL.params())
def test_full_disk(case: Case, small_disk: SmallDisk, small_corpus, mix_inputs: Path, tmp_path: Path) -> None:
    small_disk.wipe()
    sc = _scenario(case, small_disk.path, small_corpus[0], mix_inputs, tmp_path)
    clean = run_cli_env(sc.args, cwd=sc.cwd)
    assert clean.returncode == 0, clean.stderr[-3000:]
    expected = sc.snapshot()
    sc.reset()

    small_disk.fill(sc.leave_tmpfs, sc.leave_hook)
    failed = run_cli_env(sc.args, small_disk.env, cwd=sc.cwd)
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert "no space left on device while writing it" in failed.stderr, failed.stderr[-3000:]
    assert "Traceback" not in failed.stderr, failed.stderr[-3000:]
    for folder in sc.outputs:
        assert not folder.exists() or hidden_files(folder) == [], "a temporary was left on the full disk"
    for name, data in sc.snapshot().items():  # whatever is visible is complete
        if "/.dolma-tools/" not in name and not name.endswith(".bin"):
            assert data == expected[name], f"{name} is partial"

    small_disk.free()
    done = run_cli_env(sc.args, cwd=sc.cwd)
    assert done.returncode == 0, done.stderr[-3000:]
    got = sc.snapshot()
    assert sorted(got) == sorted(expected)
    for name, data in expected.items():  # filter records hold absolute paths: compare their bits
        same = filter_bits(got[name]) == filter_bits(data) if name.endswith(".bin") else got[name] == data
        assert same, f"{name} differs from the uninterrupted run's"
    if case.id == "mix":
        comparison = compare_ids(ids_in(expected), ids_in(got))
    else:
        names = [TAGGERS[0]] if case.id == "tag" else ["dup_docs"]
        comparison = compare_attributes(sc.outputs[0].parent, names, small_corpus[1])
    assert_nothing_lost(comparison, DISK_FULL.docs_of(case))
