"""The quickstart pipeline, run once for the report and what-if tests that read its outputs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli


@pytest.fixture(scope="session")
def quickstart(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A fresh folder with ``configs/`` in which ``dolma-tools pipeline -c configs/quickstart.yaml`` ran; the
    folder and the pipeline's process (its stderr holds the log)."""
    root = tmp_path_factory.mktemp("quickstart")
    shutil.copytree(REPO / "configs", root / "configs")
    proc = run_cli("pipeline", "-c", "configs/quickstart.yaml", cwd=root)
    return root, proc
