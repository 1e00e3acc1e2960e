"""What a report covers, read from a pipeline's validated stages (or given by hand).

From each stage the plan takes what the report needs: the documents read (the funnel's input and the corpus
summary), the attribute files written by ``tag`` and ``dedupe`` (histograms, duplicates, languages), the
filter thresholds of ``mix`` (drawn on the histograms), the mix outputs (the funnel's last steps) and the
mix manifests (shares against targets). Stage configs are read by attribute name, so a stage whose schema
grows new keys keeps working, and missing pieces are skipped with a note instead of failing the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError
from ..io.paths import attribute_path, exists, glob_paths, is_s3, join
from .thresholds import Threshold, thresholds_of_filter

#: Funnel step kinds.
INPUT, SAME, DEDUPE, OUTPUT = "input", "same", "dedupe", "output"


@dataclass
class Step:
    """One funnel step: ``kind`` says how its documents/tokens are obtained (see ``report.funnel``)."""

    label: str
    kind: str
    files: list[str] = field(default_factory=list)
    note: str = ""
    keys: list[str] = field(default_factory=list)  # dedupe: the attribute names this step writes


@dataclass
class MixManifest:
    """A mix manifest to compare with its targets (target shares from the mix config, if it has them)."""

    label: str
    path: str
    targets: dict[str, float] = field(default_factory=dict)


@dataclass
class ReportPlan:
    title: str = "dolma-tools report"
    documents: list[str] = field(default_factory=list)
    attribute_files: list[str] = field(default_factory=list)
    duplicate_attributes: list[str] = field(default_factory=list)
    thresholds: list[Threshold] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    manifests: list[MixManifest] = field(default_factory=list)
    #: Mix configs (validated) whose filters get a what-if section.
    mixes: list[Any] = field(default_factory=list)
    tokenizer: str | None = None
    #: Count tokens in the mixer's unit (a mix is part of the report), not in whitespace tokens.
    mixer_tokens: bool = False
    notes: list[str] = field(default_factory=list)

    def add_documents(self, files: list[str]) -> None:
        for f in files:
            if f not in self.documents:
                self.documents.append(f)

    def add_attributes(self, files: list[str]) -> None:
        for f in files:
            if f not in self.attribute_files:
                self.attribute_files.append(f)


def _files(patterns: list[str], plan: ReportPlan, what: str) -> list[str]:
    files: list[str] = []
    for pattern in patterns:
        found = glob_paths(pattern)
        if not found:
            plan.notes.append(f"{what}: no files match {pattern}")
        files.extend(f for f in found if f not in files)
    return files


def _existing(paths: list[str]) -> list[str]:
    return [p for p in paths if exists(p)]


def _sample(cfg: Any, plan: ReportPlan) -> None:
    files = _files([join(cfg.output, "documents", "*.jsonl.gz")], plan, "sample")
    plan.add_documents(files)
    plan.steps.append(Step("sample", INPUT, files, note=f"{len(files)} files"))


def _tag(cfg: Any, plan: ReportPlan) -> None:
    from ..tagging import plan_outputs

    files = _files(list(cfg.documents), plan, "tag.documents")
    plan.add_documents(files)
    outputs = plan_outputs(list(cfg.documents), files, list(cfg.taggers), cfg.experiment, cfg.destination)
    plan.add_attributes(_existing([o.path for f in files for o in outputs[f]]))
    plan.steps.append(Step("tag", SAME, files, note=f"{len(cfg.taggers)} taggers: {', '.join(cfg.taggers)}"))


def _dedupe(cfg: Any, plan: ReportPlan) -> None:
    files = _files(list(cfg.documents), plan, "dedupe.documents")
    plan.add_documents(files)
    section = cfg.dedupe
    names = [getattr(getattr(section, part, None), "attribute_name", None)
             for part in ("documents", "paragraphs", "minhash")]
    plan.duplicate_attributes.extend(n for n in names if n and n not in plan.duplicate_attributes)
    documents_dir = getattr(section, "document_dir", "documents")
    paths = []
    for f in files:
        try:
            paths.append(attribute_path(f, section.name, documents_dir))
        except ValueError:
            plan.notes.append(f"dedupe: cannot locate the attributes of {f}")
    plan.add_attributes(_existing(paths))
    plan.steps.append(Step("dedupe", DEDUPE, files, note=f"{section.name}: {', '.join(n for n in names if n)}",
                           keys=[n for n in names if n]))


def _filter_thresholds(flt: Any, where: str) -> list[Threshold]:
    if flt is None:
        return []
    return thresholds_of_filter(list(flt.include), list(flt.exclude), where, flt.syntax)


def _outputs(folder: str, plan: ReportPlan, label: str) -> list[str]:
    files = [f for f in glob_paths(join(folder, "**", "*.jsonl*")) if not f.endswith("manifest.json")]
    if not files:
        plan.notes.append(f"{label}: no output files in {folder}")
    return files


def read_manifest(path: str) -> dict[str, Any]:
    """A mix manifest as plain data ({} when it is not a JSON object)."""
    import orjson

    from ..io.compression import Compression
    from ..io.streams import open_read

    with open_read(path, Compression.NONE) as f:
        data = orjson.loads(f.read())
    return data if isinstance(data, dict) else {}


def _listed_outputs(manifest_path: str, section: str, name: str | None) -> list[str] | None:
    """Output files a manifest lists (for one stream, or for every entry), or None if it lists none."""
    try:
        entries = read_manifest(manifest_path).get(section) or {}
    except (OSError, ValueError):
        return None
    chosen = [entries.get(name)] if name is not None else list(entries.values())
    paths = [o["path"] for e in chosen if isinstance(e, dict) for o in e.get("outputs") or []
             if isinstance(o, dict) and isinstance(o.get("path"), str)]
    # mix manifests list their outputs relative to the manifest's folder (so the folder can move)
    folder = manifest_path.rsplit("/", 1)[0] if "/" in manifest_path else "."
    paths = [p if p.startswith("/") or is_s3(p) else join(folder, p) for p in paths]
    return paths or None


def add_mix(cfg: Any, plan: ReportPlan) -> None:
    """What a mix config brings to any report: its input documents and attribute files, the thresholds of its
    filters, its token unit, and a what-if of its filters."""
    if getattr(cfg, "tokenizer", None):
        plan.tokenizer = plan.tokenizer or cfg.tokenizer
    plan.mixer_tokens = True
    if cfg not in plan.mixes:
        plan.mixes.append(cfg)
    for kind, entries in (("streams", getattr(cfg, "streams", None) or []),
                          ("sources", getattr(cfg, "sources", None) or [])):
        for i, entry in enumerate(entries):
            name = entry.name if kind == "streams" else entry.source_name
            files = _files(list(entry.documents), plan, f"mix.{kind}[{i}].documents")
            plan.add_documents(files)
            plan.add_attributes(_existing([attribute_path(f, a) for f in files for a in entry.attributes]))
            plan.thresholds.extend(_filter_thresholds(entry.filter, f"{kind[:-1]} {name}"))


def _mix(cfg: Any, plan: ReportPlan) -> None:
    add_mix(cfg, plan)
    for stream in getattr(cfg, "streams", None) or []:
        label = f"mix: {stream.name}"
        manifest = join(stream.output.path, "manifest.json")
        listed = _listed_outputs(manifest, "streams", stream.name) if exists(manifest) else None
        files = listed or [f for f in _outputs(stream.output.path, plan, label) if _output_of_stream(f, stream.name)]
        plan.steps.append(Step(label, OUTPUT, files))
        if exists(manifest):
            plan.manifests.append(MixManifest(label, manifest))
    sources = getattr(cfg, "sources", None) or []
    if sources:
        targets = _targets(sources, getattr(cfg, "requested_tokens", None))
        folder = cfg.output.path if cfg.output else None
        if folder:
            manifest = join(folder, "manifest.json")
            listed = _listed_outputs(manifest, "sources", None) if exists(manifest) else None
            plan.steps.append(Step("mix: sources", OUTPUT, listed or _outputs(folder, plan, "mix")))
            if exists(manifest):
                plan.manifests.append(MixManifest("mix", manifest, targets))
            else:
                plan.notes.append(f"mix: no manifest at {manifest}")


def _output_of_stream(path: str, name: str) -> bool:
    base = path.rsplit("/", 1)[-1]
    return base.startswith(name) or "/documents/" in path


def _targets(sources: list[Any], requested_tokens: int | None) -> dict[str, float]:
    """Target share of the mix's tokens per source, from target_ratio or token budgets."""
    ratios = {s.source_name: s.target_ratio for s in sources if getattr(s, "target_ratio", None) is not None}
    if ratios:
        return ratios
    budgets = {s.source_name: s.target_tokens for s in sources if getattr(s, "target_tokens", None)}
    total = requested_tokens or sum(budgets.values())
    return {name: n / total for name, n in budgets.items()} if total else {}


def _stats(cfg: Any, plan: ReportPlan) -> None:
    plan.add_documents(_files(list(cfg.documents), plan, "stats.documents"))
    plan.add_attributes(_files(list(cfg.attributes), plan, "stats.attributes"))
    plan.tokenizer = plan.tokenizer or cfg.tokenizer
    plan.duplicate_attributes.extend(n for n in cfg.duplicate_attributes if n not in plan.duplicate_attributes)


STAGE_READERS = {"sample": _sample, "tag": _tag, "dedupe": _dedupe, "mix": _mix, "stats": _stats}


def plan_from_stages(stages: list[tuple[str, Any]], title: str = "dolma-tools pipeline report") -> ReportPlan:
    plan = ReportPlan(title=title)
    for name, cfg in stages:
        reader = STAGE_READERS.get(name)
        if reader is None:
            continue
        try:
            reader(cfg, plan)
        except (ConfigError, ValueError, AttributeError) as exc:
            plan.notes.append(f"{name}: left out of the report ({exc})")
    if plan.documents and (not plan.steps or plan.steps[0].kind != INPUT):
        plan.steps.insert(0, Step("input", INPUT, list(plan.documents)))
    return plan
