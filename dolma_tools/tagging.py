"""The tagging runtime: run registered taggers over one document file, write one attribute file per experiment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from . import fault_hooks
from .documents import Document, attribute_key, attribute_row, make_variable_name
from .errors import ConfigError, InputError, TaggerError
from .io.atomic import atomic_write
from .io.jsonl import JsonlWriter, OnError, ReadStats, iter_documents
from .io.paths import attribute_path, join, make_destination_paths, split_glob
from .registry import ensure_loaded, get_tagger_class
from .runner.jobs import Job, JobResult, Reporter
from .tagger import BaseTagger

DEFAULT_BATCH_SIZE = 512

_instances: dict[str, BaseTagger] = {}
_seed = 1
_options: dict[str, dict[str, Any]] = {}


def run_seed() -> int:
    """The run's ``--seed``; taggers that draw random numbers derive them from it and the document id."""
    return _seed


def tagger_instance(name: str) -> BaseTagger:
    """One instance per tagger per process (models load once per worker), built with its ``tagger_options``."""
    inst = _instances.get(name)
    if inst is None:
        inst = get_tagger_class(name)(**_options.get(name, {}))
        _instances[name] = inst
    return inst


def check_tagger_options(taggers: list[str], options: dict[str, dict[str, Any]]) -> None:
    """Fails before any work if an option is no constructor parameter of its tagger, or a tagger's
    ``check_options`` rejects its options (e.g. a required model file is not given)."""
    import inspect

    unused = sorted(set(options) - set(taggers))
    if unused:
        raise ConfigError(f"options given for taggers that are not run: {', '.join(unused)}", "tagger_options")
    for name in taggers:
        kwargs = options.get(name, {})
        if not isinstance(kwargs, dict):
            raise ConfigError(f"options of tagger '{name}' must be a mapping, got {kwargs!r}", f"tagger_options.{name}")
        cls = get_tagger_class(name)
        try:
            inspect.signature(cls).bind(**kwargs)
        except TypeError as exc:
            params = [p for p in inspect.signature(cls).parameters if p not in ("args", "kwargs")]
            raise ConfigError(
                f"tagger '{name}' does not take these options ({exc}); it accepts: {', '.join(params) or 'none'}",
                f"tagger_options.{name}",
            ) from None
        cls.check_options(**kwargs)


def setup_worker(tagger_modules: list[str], seed: int = 1, tagger_options: dict[str, dict[str, Any]] | None = None) -> None:
    """Runs in every worker process before its first job: registers built-ins and the user's plugins."""
    global _seed, _options
    _seed = seed
    _options = dict(tagger_options or {})
    _instances.clear()
    ensure_loaded(tagger_modules)


@dataclass(frozen=True)
class Output:
    experiment: str
    path: str
    taggers: tuple[str, ...]


def plan_outputs(
    documents: list[str], files: list[str], taggers: list[str], experiment: str | None, destination: list[str] | None
) -> dict[str, list[Output]]:
    """For each document file, the attribute files to write (one per experiment)."""
    groups: dict[str, tuple[str, ...]] = {}
    if experiment:
        groups[make_variable_name(experiment)] = tuple(taggers)
    else:
        for t in taggers:
            groups.setdefault(make_variable_name(t), ())
            groups[make_variable_name(t)] += (t,)
    plan: dict[str, list[Output]] = {f: [] for f in files}
    for exp, names in groups.items():
        if destination:
            roots = [join(d, exp) for d in destination]
            if len(roots) == 1:
                prefixes = [split_glob(p)[0] for p in documents]
                mapped = make_destination_paths(files, prefixes, roots[0])
            else:
                mapped = []
                for f in files:
                    i = next(i for i, p in enumerate(documents) if f.startswith(split_glob(p)[0]))
                    mapped.extend(make_destination_paths([f], [split_glob(documents[i])[0]], roots[i]))
        else:
            mapped = [attribute_path(f, exp) for f in files]
        for f, out in zip(files, mapped):
            plan[f].append(Output(exp, out, names))
    return plan


def _batches(rows: Iterator[tuple[int, dict[str, Any]]], size: int) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    batch: list[tuple[int, dict[str, Any]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _predict(name: str, tagger: BaseTagger, docs: list[Document], lines: list[int], path: str) -> list:
    """Grouped attribute values of every document (``tag_batch``), or a TaggerError naming the document."""
    try:
        results = tagger.tag_batch(docs)
    except Exception as exc:
        # find the document that fails, so the error can name it
        for doc, line in zip(docs, lines):
            try:
                tagger.predict(doc)
            except Exception as inner:
                raise TaggerError(name, doc.id, path, line, f"{type(inner).__name__}: {inner}") from inner
        raise TaggerError(name, docs[0].id, path, lines[0], f"tag_batch: {type(exc).__name__}: {exc}") from exc
    if len(results) != len(docs):
        raise TaggerError(name, docs[0].id, path, lines[0], f"tag_batch returned {len(results)} results for {len(docs)} documents")
    return results


class _AttributeKeys:
    """Memoised ``attribute_key(experiment, tagger, field)``: fields repeat on every document."""

    def __init__(self) -> None:
        self._per_tagger: dict[tuple[str, str], Callable[[str], str]] = {}

    def for_tagger(self, experiment: str, tagger: str) -> Callable[[str], str]:
        key_of = self._per_tagger.get((experiment, tagger))
        if key_of is None:
            cache: dict[str, str] = {}

            def key_of(field: str) -> str:
                key = cache.get(field)
                if key is None:
                    key = cache[field] = attribute_key(experiment, tagger, field)
                return key

            self._per_tagger[(experiment, tagger)] = key_of
        return key_of


def tag_file(job: Job, reporter: Reporter) -> JobResult:
    """Job function: tag ``job.inputs[0]``; ``job.params`` holds the outputs plan, policy and batch size."""
    path = job.inputs[0]
    outputs: list[Output] = job.params["outputs"]
    policy = OnError(job.params.get("on_error", "raise"))
    batch_size = int(job.params.get("batch_size") or DEFAULT_BATCH_SIZE)
    names = sorted({t for o in outputs for t in o.taggers}, key=[t for o in outputs for t in o.taggers].index)
    taggers = {name: tagger_instance(name) for name in names}
    stats = ReadStats()
    result = JobResult(key=path)
    tagger_failures = 0

    import contextlib

    keys = _AttributeKeys()
    with contextlib.ExitStack() as stack:
        writers = [JsonlWriter(stack.enter_context(atomic_write(o.path))) for o in outputs]
        for batch in _batches(iter_documents(path, policy, stats), batch_size):
            docs = [Document.from_json(row) for _, row in batch]
            lines = [line for line, _ in batch]
            predictions: dict[str, list] = {}
            for name, tagger in taggers.items():
                try:
                    predictions[name] = _predict(name, tagger, docs, lines, path)
                except TaggerError:
                    if policy is OnError.RAISE:
                        raise
                    predictions[name] = _predict_each_skipping(name, tagger, docs, lines, path, stats)
                    tagger_failures += 1
            for out, writer in zip(outputs, writers):
                columns = [(keys.for_tagger(out.experiment, name), predictions[name]) for name in out.taggers]
                for i, doc in enumerate(docs):
                    attributes: dict[str, list] = {}
                    for key_of, grouped_per_doc in columns:
                        grouped = grouped_per_doc[i]
                        if grouped is not None:
                            for field, values in grouped.items():
                                attributes[key_of(field)] = values
                    writer.write(attribute_row(doc.id, doc.source, attributes))
            reporter.advance(docs=len(docs))
            fault_hooks.reach("docs", len(docs))
        for w in writers:
            w.flush()
        # leaving the ExitStack commits every output atomically
    reporter.advance(bytes=job.size)
    result.docs = stats.rows
    result.bytes = job.size
    result.skipped = stats.skipped
    result.skipped_examples = stats.first_errors
    return result


def _predict_each_skipping(
    name: str, tagger: BaseTagger, docs: list[Document], lines: list[int], path: str, stats: ReadStats
) -> list:
    """Under ``--on-error skip``: a document a tagger fails on gets no attributes from it, and is counted."""
    out = []
    for doc, line in zip(docs, lines):
        try:
            out.append(tagger.group_output(tagger.predict(doc)))
        except Exception as exc:
            stats.skip(InputError(path, line, f"tagger error: {name} on id={doc.id!r}: {exc}"))
            out.append(None)
    return out
