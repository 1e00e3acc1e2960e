"""Headless Chromium (Debian's ``chromium`` package) for checking that reports render."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-dev-shm-usage",
         "--no-first-run", "--mute-audio"]

# Counts the report's plots and how many of them the browser decoded; written into <body> attributes so
# that --dump-dom shows them.
PROBE = """<script>
window.addEventListener('load', () => {
  const imgs = [...document.querySelectorAll('figure.plot img')];
  const decoded = imgs.filter(i => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0);
  document.body.setAttribute('data-plots', String(imgs.length));
  document.body.setAttribute('data-decoded', String(decoded.length));
  document.body.setAttribute('data-svg', String(document.querySelectorAll('svg').length));
});
</script>"""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Debian's chromium is required for the report tests: apt-get install chromium"
    return path


def _run(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          timeout=120, env={"HOME": str(profile), "PATH": "/usr/bin:/bin"})


def screenshot(html: Path, out: Path, width: int = 1280, height: int = 2400) -> np.ndarray:
    """Render ``html`` and return the screenshot's pixels (height x width x 3)."""
    proc = _run([f"--screenshot={out}", f"--window-size={width},{height}", html.resolve().as_uri()],
                out.parent / "chromium-profile")
    assert out.exists(), proc.stderr.decode()[-2000:]
    return np.asarray(Image.open(out).convert("RGB"))


def probe(html: Path, work: Path) -> dict[str, int]:
    """Load a copy of ``html`` with the probe script; returns plots in the DOM and plots decoded."""
    copy = work / "probe.html"
    copy.write_text(html.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    proc = _run(["--virtual-time-budget=10000", "--dump-dom", copy.resolve().as_uri()], work / "chromium-profile")
    dom = proc.stdout.decode("utf-8", "replace")
    body = re.search(r"<body([^>]*)>", dom)
    assert body, f"no DOM dumped: {proc.stderr.decode()[-2000:]}"
    attrs = dict(re.findall(r'data-(plots|decoded|svg)="(\d+)"', body.group(1)))
    assert "plots" in attrs, f"probe did not run: {body.group(0)[:300]}"
    return {k: int(v) for k, v in attrs.items()}


def is_blank(pixels: np.ndarray) -> bool:
    """Blank = (almost) one colour: no text, no plots."""
    grey = pixels.mean(axis=2)
    background = np.median(grey)
    return grey.std() < 5 or np.mean(np.abs(grey - background) > 30) < 0.01


def embedded_plots(page: str) -> dict[str, np.ndarray]:
    """Every figure's name and decoded PNG pixels."""
    out = {}
    for name, data in re.findall(r'<figure class="plot" data-plot="([^"]+)"><img src="data:image/png;base64,([^"]+)"',
                                 page):
        out[name] = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))
    return out
