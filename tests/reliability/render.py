"""Render ``RELIABILITY.md`` from the catalogue the suite is parametrized from.

    python tests/reliability/render.py          # rewrite RELIABILITY.md
    python tests/reliability/render.py --check  # exit 1 if it is out of date (test_reliability_md.py does this)
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `reliability` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from reliability.catalogue import ALL_GROUPS, FIXES, Group, figures  # type: ignore[no-redef]
else:
    from .catalogue import ALL_GROUPS, FIXES, Group, figures

REPO = Path(__file__).resolve().parents[2]
TARGET = REPO / "RELIABILITY.md"

INTRO = """\
# Reliability

What dolma-tools does when a run is killed, when storage fails, when the disk fills up, when inputs are broken
and when a config is hostile: every case below is a test in `tests/reliability/` (run by CI with the rest of
the suite: `python -m pytest tests/reliability`, about four minutes on two cores). This file is generated from
the suite's catalogue (`tests/reliability/catalogue.py`) by `python tests/reliability/render.py`;
`test_reliability_md.py` fails when it is out of date, and every fault test asserts that it compared exactly
the number of documents listed here.

Kill points are exact: `DOLMA_TOOLS_FAULT=<point>:<n>` (`dolma_tools/fault_hooks.py`, inert unless set) makes
the process SIGKILL itself the n-th time it reaches a point: after n documents (`docs`), after n bytes of an
output (`write`), before the n-th atomic rename (`commit`), right after it (`committed`), before the n-th
dedupe filter snapshot (`checkpoint`); `enospc:<bytes>` makes writes fail as on a full disk. A killed run is
then rerun with the same command and compared, file by file and document by document, with a run that was
never interrupted.
"""

DECISIONS = """\
## Decisions

- **Documents nested deeper than 1,024 levels** are bad input for every command that parses whole documents
  (tag, mix, stats): the JSON reader's limit. `dedupe` reads only `id`, `text` and its key, so it accepts them;
  under `--on-error skip` its attribute file then has a row that the tag attributes lack, and the mixer stops
  with an alignment error that names the attribute file and line (never a silent misalignment). Numbers beyond
  a double (`1e400`) behave the same way. Documents nested 255 to 1,024 levels deep are read and written.
- **Duplicate ids are allowed.** Attribute rows are matched to documents by position and checked against the
  id of that row, never looked up by id, so two documents with one id keep their own attributes. Flagging
  them would need a set of every id of a file; `dedupe` with `key: $.id` finds them when wanted.
- **Misaligned attribute files are never skipped**, even under `--on-error skip`: skipping lines cannot
  realign them, so the file fails with the attribute file, line and ids.
- **Lone surrogates** (`\\ud800` escapes) are malformed JSON for every reader, as for Dolma's Rust readers;
  the documents cannot be written as UTF-8.
- **jq expressions see only their document**: `$ENV` and `env` are `{}`, `debug`/`stderr` print nothing,
  `input`/`inputs` are empty, and `import`/`include` are refused. No Dolma config in the wild uses them.
- **Configs cannot interpolate credentials** (`${oc.env:...}` of `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
  `AWS_ACCESS_KEY_ID` or anything named like a secret): the S3 client reads them from the environment itself.
- **Known difference left as is**: the native jq evaluator prints numbers in exponent form as Python does
  (`1e+16 | tostring` is `"1e+16"`), libjq as `"1E+16"` (and `0.00001` for `1e-05`); only `tostring` on such
  numbers differs, and no mixer filter in the wild depends on it. Everything else the fuzzer generated agrees.
- **Full disk without a tmpfs**: where the tests cannot mount a small tmpfs, `enospc:<bytes>` stands in
  (`RELIABILITY_DISK=hook` forces it); both paths are exercised on machines that can mount one.
"""


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _test_of(group: Group, case_id: str) -> str:
    if group.test.endswith("/"):
        return f"`{group.test}{case_id}`"
    if group.test.endswith("::"):
        return f"`{group.test}{case_id}`"
    return f"`{group.test}[{case_id}]`"


def _group(group: Group) -> str:
    parts = [f"### {group.title}", ""]
    if group.setup:
        parts += [f"Setup: {group.setup}.", ""]
    if group.behaviour and group.kind != "property":
        parts += [f"Expected: {group.behaviour}.", ""]
    header = ["case", "fault or input", "behaviour", "test"]
    rows = [[f"`{c.id.split('::')[-1]}`" if "::" in c.id else f"`{c.id}`", c.what,
             c.behaviour or ("as above" if group.behaviour else ""), _test_of(group, c.id)] for c in group.cases]
    if group.docs:
        header.insert(3, "documents compared")
        for row, case in zip(rows, group.cases):
            row.insert(3, f"{group.docs_of(case):,}")
    parts.append(_table(header, rows))
    return "\n".join(parts)


def render() -> str:
    fig = figures()
    out = [INTRO, "## Figures", "", _table(["figure", "value"], [[k, f"{v:,}"] for k, v in fig.items()]), ""]
    sections = {"kill": "## Kills", "fault": "## Storage faults", "input": "## Bad inputs",
                "property": "## Properties and fuzzing", "security": "## Security"}
    seen: set[str] = set()
    for group in ALL_GROUPS:
        if group.kind not in seen:
            seen.add(group.kind)
            out += [sections[group.kind], ""]
        out += [_group(group), ""]
    out += ["## Bugs found by this suite (fixed)", "",
            _table(["bug", "test"], [[bug, f"`tests/reliability/{test}`"] for bug, test in FIXES]), "", DECISIONS]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = TARGET.read_text() if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run python tests/reliability/render.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
