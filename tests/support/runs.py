"""Running the CLI in a subprocess, killing it at the right moment, and snapshotting what it committed.

Shared by the resume tests of every area (foundation, s3, cluster, reliability).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

#: A tagger plugin that sleeps $SLOW_TAGGER_SECONDS per document, so a run can be killed mid-way.
SLOW_PLUGIN = '''
import os, time
from dolma_tools import BaseTagger, DocResult, Span, add_tagger

@add_tagger("slow_length_test")
class SlowLength(BaseTagger):
    """Character length, slowed down by $SLOW_TAGGER_SECONDS per document (to kill runs mid-way)."""

    def predict(self, doc):
        time.sleep(float(os.environ.get("SLOW_TAGGER_SECONDS", "0")))
        return DocResult(doc=doc, spans=[Span(0, len(doc.text), "length", len(doc.text))])
'''


def popen_cli(args: list[str], stderr: int | None = subprocess.DEVNULL, cwd: Path | None = None,
              **env: str) -> subprocess.Popen:
    """Start the CLI in its own process group (so a kill takes its workers too)."""
    return subprocess.Popen([sys.executable, "-m", "dolma_tools", *args],
                            env={**os.environ, "DOLMA_TOOLS_PROGRESS": "0", **env}, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)


def run_cli_env(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the CLI to completion (extra environment variables, working directory); never raises on a
    non-zero exit: the caller checks ``returncode`` (-9 when it SIGKILLed itself)."""
    return subprocess.run([sys.executable, "-m", "dolma_tools", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "DOLMA_TOOLS_PROGRESS": "0", **(env or {})}, cwd=cwd,
                          timeout=timeout, check=False)


def settled(count: Callable[[], int], quiet: float = 2.0, timeout: float = 60) -> int:
    """Wait until ``count()`` stops changing for ``quiet`` seconds (work of a killed run winding down)."""
    last, since, deadline = count(), time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.2)
        now = count()
        if now != last:
            last, since = now, time.monotonic()
    return last


def kill_when(proc: subprocess.Popen, ready: Callable[[], bool], timeout: float = 120, poll: float = 0.05,
              each: Callable[[], None] | None = None) -> None:
    """SIGKILL the process group of ``proc`` once ``ready()``; ``each()`` runs at every poll (checks)."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if each is not None:
                each()
            if ready():
                return
            if proc.poll() is not None:
                raise AssertionError(f"the run ended (exit {proc.returncode}) before the kill point")
            time.sleep(poll)
        raise AssertionError("the kill point was not reached in time")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # main process and every worker die at once
        proc.wait()


def local_files(root: Path) -> dict[str, bytes]:
    """Committed files under ``root`` (hidden names are temporaries of a killed run, not outputs)."""
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            if not name.startswith("."):
                p = Path(dirpath) / name
                out[str(p.relative_to(root))] = p.read_bytes()
    return out


def hidden_files(root: Path) -> list[str]:
    """Temporaries (hidden names) anywhere under ``root``."""
    return sorted(str(Path(d, n).relative_to(root)) for d, _, names in os.walk(root) for n in names
                  if n.startswith("."))
