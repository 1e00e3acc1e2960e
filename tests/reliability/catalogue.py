"""Every fault, bad input and hostile setting the reliability suite tries, with the behaviour it checks.

The tests are parametrized from these groups (one test per case) and ``RELIABILITY.md`` is rendered from them
(``python tests/reliability/render.py``); ``test_reliability_md.py`` fails when the file is stale, and every
fault test asserts it compared exactly the ``docs`` documents declared here, so the figures cannot drift from
what the suite exercises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    id: str  # the pytest id; for kill groups also the DOLMA_TOOLS_FAULT spec (<point>:<n>)
    what: str
    behaviour: str = ""  # defaults to the group's
    docs: int | None = None  # defaults to the group's


@dataclass(frozen=True)
class Group:
    key: str
    kind: str  # kill | fault | input | property | security
    title: str
    test: str  # path::function of the parametrized test
    behaviour: str
    cases: tuple[Case, ...]
    docs: int = 0  # documents each case compares with an uninterrupted run
    setup: str = ""

    def params(self) -> list[Any]:
        import pytest

        return [pytest.param(c, id=c.id) for c in self.cases]

    def docs_of(self, case: Case) -> int:
        return self.docs if case.docs is None else case.docs

    def behaviour_of(self, case: Case) -> str:
        return case.behaviour or self.behaviour


KILL_BEHAVIOUR = ("SIGKILL at this point; the rerun of the same command finishes, and its outputs are "
                  "byte-identical to an uninterrupted run's: 0 documents lost, 0 duplicated, no temporaries left")

TAG_KILLS = Group(
    "kill.tag", "kill", "`tag` killed with SIGKILL", "tests/reliability/test_kills.py::test_tag_killed",
    KILL_BEHAVIOUR, docs=240,
    setup="4 gzip shards x 60 documents (Unicode, planted duplicates), 3 taggers (one attribute file each), "
          "`--batch_size 16 --processes 1`: 12 commits",
    cases=(
        Case("docs:1", "after the first document, before any output exists"),
        Case("docs:100", "after 100 documents: shard 1 committed, shard 2 in the middle of a batch"),
        Case("write:1", "inside the first write to an output's temporary file"),
        Case("write:5000", "in the middle of a later output's write (5,000 bytes written)"),
        Case("commit:1", "first output complete and synced, before its rename"),
        Case("commit:2", "second output of shard 1 synced, before its rename (one of its outputs visible)"),
        Case("committed:1", "right after the first rename: 1 of shard 1's 3 outputs visible"),
        Case("committed:3", "right after shard 1's last output became visible"),
        Case("committed:7", "in the middle of shard 3 (7 of 12 outputs visible)"),
        Case("committed:12", "after the last rename, before the summary"),
        Case("worker-docs:30", "`--processes 2`: both worker processes die after 30 documents (OOM-killer "
             "style); the driver reports the dead workers and exits 1", ),
    ),
)

DEDUPE_KILLS = Group(
    "kill.dedupe", "kill", "`dedupe` killed with SIGKILL", "tests/reliability/test_kills.py::test_dedupe_killed",
    KILL_BEHAVIOUR + "; the Bloom filter's bits equal the uninterrupted run's", docs=7200,
    setup="3 gzip shards x 2,400 documents (2,000-document chunks), `--bloom_filter.checkpoint_interval 0` "
          "(a snapshot after every file) unless noted. A snapshot's bits and its record of the files they hold "
          "are one file, replaced atomically, so no kill can separate them",
    cases=(
        Case("documents/docs:2000", "document dedupe: after the first 2,000-document chunk of shard 1 was "
             "checked and inserted, before any output or snapshot"),
        Case("documents/docs:4500", "document dedupe: in the middle of shard 2 (shard 1 committed and "
             "snapshotted; the filter holds part of shard 2)"),
        Case("documents/commit:2", "document dedupe: shard 2's attribute file synced, before its rename"),
        Case("documents/committed:1", "document dedupe: shard 1's attributes visible, its snapshot not "
             "written (the rerun re-inserts shard 1 without rewriting it)"),
        Case("documents/checkpoint:2", "document dedupe: at the second filter snapshot, before it is written"),
        Case("documents/committed:3", "document dedupe: last attribute file visible, final snapshot not written"),
        Case("paragraphs/docs:2000", "paragraph dedupe: in the middle of shard 1"),
        Case("paragraphs/committed:2", "paragraph dedupe: shard 2 visible, its snapshot not written"),
        Case("paragraphs/checkpoint:3", "paragraph dedupe: at the last snapshot, before it is written"),
        Case("interval/committed:2", "`checkpoint_interval 3600`: two attribute files visible, no snapshot "
             "ever written (the rerun rebuilds the filter from both)"),
        Case("interval/docs:6000", "`checkpoint_interval 3600`: in the middle of shard 3"),
        Case("snapshot-write", "while the 64 MiB filter snapshot is being written (killed from outside as "
             "soon as its temporary file appears); the rerun removes the partial temporary"),
    ),
)

MIX_KILLS = Group(
    "kill.mix", "kill", "`mix` (Dolma streams) killed with SIGKILL", "tests/reliability/test_kills.py::test_mix_killed",
    KILL_BEHAVIOUR + "; `manifest.json` is identical", docs=199,
    setup="the tag and dedupe outputs of the `tag` corpus joined as attributes, an exclude filter, span "
          "replacement, 4,000-byte shards, `processes: 1`: 57 commits (30 staged parts and completion records, "
          "26 shards renamed into place, the manifest)",
    cases=(
        Case("docs:1", "after the first kept document"),
        Case("docs:120", "after 120 kept documents (shard 3 of 4 in progress)"),
        Case("write:2000", "in the middle of a staged part's write"),
        Case("commit:1", "first staged part synced, before its rename"),
        Case("committed:7", "shard 1's parts visible, its completion record not written"),
        Case("committed:8", "right after shard 1's completion record"),
        Case("committed:31", "after the first output shard was renamed into place"),
        Case("committed:45", "in the middle of packing parts into output shards"),
        Case("committed:56", "every output shard in place, the manifest not written"),
        Case("committed:57", "manifest written, staged parts not yet removed (the rerun removes them)"),
    ),
)

MIXTURE_KILLS = Group(
    "kill.mixture", "kill", "`mix` (source mixture) killed with SIGKILL",
    "tests/reliability/test_kills.py::test_mixture_killed", KILL_BEHAVIOUR + "; `manifest.json` is identical",
    docs=249,
    setup="two sources (one upsampled 1.5x, so documents get copies `<id>#2`), 4,000-byte shards, "
          "`processes: 1`: 53 commits (8 index files, staged parts and records, shards, the manifest)",
    cases=(
        Case("commit:1", "scan phase: first token index synced, before its rename"),
        Case("committed:4", "scan phase: source a indexed, source b not"),
        Case("docs:150", "write phase: after 150 selected documents"),
        Case("committed:20", "write phase: parts of source a's second copy pass visible"),
        Case("committed:40", "in the middle of packing parts into shards"),
        Case("committed:52", "every shard in place, the manifest not written"),
        Case("committed:53", "manifest written, staged parts not yet removed"),
    ),
)

PIPELINE_KILLS = Group(
    "kill.pipeline", "kill", "`pipeline` (tag -> dedupe -> mix) killed with SIGKILL",
    "tests/reliability/test_kills.py::test_pipeline_killed", KILL_BEHAVIOUR, docs=240,
    setup="one config with the three stages, `processes: 1`: 70 commits (8 attribute files, 4 dedupe "
          "attribute files, 32 staged parts and records, 25 shards, the manifest)",
    cases=(
        Case("committed:2", "tag stage: 2 of 8 attribute files visible"),
        Case("docs:300", "dedupe stage: shard 2 checked and inserted, its attributes not written"),
        Case("checkpoint:2", "dedupe stage: at the second filter snapshot"),
        Case("committed:10", "dedupe stage: shard 2's attributes visible, its snapshot not written"),
        Case("committed:20", "mix stage: staged parts and records in progress"),
        Case("committed:60", "mix stage: in the middle of packing shards"),
        Case("committed:70", "mix stage: manifest written, staged parts not yet removed"),
    ),
)

S3_FAULTS = Group(
    "fault.s3", "fault", "S3 faults (the `tests/s3/faults.py` proxy in front of a real moto server)",
    "tests/reliability/test_s3_faults.py::test_pipeline_on_faulty_s3",
    "tag -> dedupe -> mix from S3 to S3 through the proxy: every fault is retried or resumed, outputs (attributes, "
    "filter bits, shards, manifest) equal a local run's, 0 lost, 0 duplicated, no multipart upload left",
    docs=60, setup="3 shards x 20 documents on S3, `processes: 1`",
    cases=(
        Case("slowdown", "503 SlowDown on 5% of requests (first two attempts of each)"),
        Case("error500", "500 InternalError on 25% of requests (first two attempts of each)"),
        Case("reset", "connection reset before the request is forwarded, 20% of requests (first two attempts)"),
        Case("drop", "request forwarded, answer lost (connection reset), 20% of requests (first two attempts)"),
        Case("cut", "GET bodies cut in the middle, 40% of downloads (first two attempts)"),
        Case("kill:commit:5", "no network fault; SIGKILL at the 5th commit (object complete, not yet PUT/completed)",
             "nothing partial is visible; the rerun completes with the same outputs"),
        Case("kill:committed:9", "no network fault; SIGKILL right after the 9th object became visible",
             "the rerun completes with the same outputs"),
    ),
)

DISK_FULL = Group(
    "fault.disk", "fault", "Full disk", "tests/reliability/test_disk_full.py::test_full_disk",
    "exit code 1 and a one-line error naming the file and 'no space left on device'; no partial or temporary "
    "file; after space is freed the same command completes with outputs identical to an uninterrupted run's",
    docs=240,
    setup="outputs on a size-limited tmpfs filled up to a few KB (a write hook raising ENOSPC where the "
          "machine cannot mount one)",
    cases=(
        Case("tag", "`tag` attribute files (12 outputs, 3 per shard)"),
        Case("dedupe-attributes", "`dedupe` attribute files (documents and attributes on the full disk)"),
        Case("dedupe-filter", "`dedupe` Bloom filter snapshot (on the full disk; attributes elsewhere): the "
             "attributes already written stay, the rerun re-inserts their keys"),
        Case("mix", "`mix` staged parts, shards and manifest", docs=199),
    ),
)

LINE_ERROR = ("`raise` (default): the file fails with `<file>:<line>: <problem>`, exit 1, no output for it. "
              "`--on-error skip`: the line is skipped and counted in the summary; tag, dedupe, mix and stats keep "
              "exactly the same rows, so their attribute files stay aligned")
NO_ERROR = "read like any file: tag, dedupe, mix and stats succeed (exit 0) with one row per document"

BAD_DOCUMENTS = Group(
    "input.documents", "input", "Bad document files (`tests/data/bad/documents/`)",
    "tests/reliability/test_bad_inputs.py::test_bad_document_file", LINE_ERROR,
    setup="each file run through `tag`, `dedupe`, `mix` (joining the tag and dedupe attributes) and `stats`, "
          "with `--on-error raise` and `skip`",
    cases=(
        Case("malformed_json", "an unterminated string on line 3"),
        Case("invalid_utf8", "byte 0xff inside a string on line 3 (`invalid UTF-8: byte 0xff at column 27`)"),
        Case("lone_surrogate", "`\\ud800` without its low surrogate on line 3 (rejected as malformed JSON)"),
        Case("truncated_gz", "300 documents, the gzip stream cut at 60%",
             "`<file>:175: truncated gzip stream`; under skip the 174 complete lines before the cut are kept "
             "(the same rows in every command) and the truncation is counted"),
        Case("truncated_zst", "300 documents in 1 KB zstd frames, cut inside a frame",
             "`<file>:177: truncated zstd stream`; under skip the 176 lines of the complete frames are kept and "
             "the truncation is counted"),
        Case("zero_byte", "an empty file", NO_ERROR + " (none): empty outputs, nothing skipped"),
        Case("blank_lines", "only blank and whitespace lines",
             "blank lines are not documents: empty outputs, nothing skipped (everywhere, so row k of an attribute "
             "file is always the k-th non-blank line)"),
        Case("missing_id", "no `id` on line 3", "`<file>:3: missing required field 'id'`; skipped under skip"),
        Case("missing_text", "no `text` on line 3", "`<file>:3: missing required field 'text'`; skipped under skip"),
        Case("non_string_id", "`\"id\": 5` on line 3", "`<file>:3: field 'id' must be a string`; skipped under skip"),
        Case("non_string_text", "`\"text\": [\"a\", \"list\"]` on line 3",
             "`<file>:3: field 'text' must be a string`; skipped under skip"),
        Case("duplicate_ids", "two documents with the id `d1` and different texts",
             "allowed: ids are checked row by row (row k of an attribute file against document k), never looked "
             "up, so both documents keep their own attributes; `dedupe` by `$.id` would mark the second"),
        Case("deep_nesting", "metadata nested 2,000 levels deep on line 3",
             "tag, mix, stats: `<file>:3: JSON nested more than 1024 levels deep` (the reader's limit; skipped "
             "under skip); dedupe reads only `id`, `text` and its key and accepts it, so under skip the mixer "
             "stops with an alignment error naming the attribute file and line instead of mixing misaligned rows"),
        Case("nested_500", "metadata nested 500 levels deep on line 3",
             NO_ERROR + "; the mixer writes it (orjson writes only 254 levels: the standard library takes over)"),
        Case("huge_line", "one 100 MB document between two small ones (generated at test time)",
             NO_ERROR + "; its length is counted in code points (`char_length_v1` = 75,000,000)"),
    ),
)

BAD_ATTRIBUTES = Group(
    "input.attributes", "input", "Bad attribute files (`tests/data/bad/attributes/`)",
    "tests/reliability/test_bad_inputs.py::test_misaligned_attribute_file",
    "`mix` and `stats` fail the file (exit 1) with the attribute file, the line and what is wrong, whatever "
    "`--on-error` says (misaligned attributes cannot be skipped line by line); nothing is written for it",
    cases=(
        Case("short", "3 rows for 5 documents", "`ends before the documents do: no row for document id='d3'`"),
        Case("long", "6 rows for 5 documents", "`<file>:6: has more rows than <documents> has documents (5)`"),
        Case("out_of_order", "rows d0 d2 d1 d3 d4", "`<file>:2: id 'd2' does not match document id 'd1'`"),
    ),
)

BAD_FILTERS = Group(
    "input.bloom", "input", "Bad Bloom filter files (`tests/data/bad/bloom/`)",
    "tests/reliability/test_bad_inputs.py::test_bad_bloom_filter",
    "`dedupe` (writable or `--bloom_filter.read_only`) stops before reading any document: exit 1, "
    "`cannot load the Bloom filter: <file>: not a valid dolma-tools Bloom filter: ...`; the file is left as it is",
    cases=(
        Case("truncated", "a filter file missing its last 1,000 bytes",
             "`... file is 11304 bytes but its header describes 12304 bytes (truncated or appended to)`"),
        Case("bad_checksum", "one bit flipped in the bit array", "`... checksum mismatch ...: the file is corrupt`"),
    ),
)

BAD_CONFIGS = Group(
    "input.configs", "input", "Bad configs (`tests/data/bad/configs/`)",
    "tests/reliability/test_bad_inputs.py::test_bad_config",
    "exit 2 before any work, with the config key and what is wrong; no output folder is created",
    cases=(
        Case("unknown_key", "`taggerz:` in a tag config", "`config key 'taggerz': unknown key; did you mean 'taggers'`"),
        Case("wrong_type", "`processes: two`", "`config key 'processes': expected an integer, got 'two' (str)`"),
        Case("jsonpath_error", "`>>` in a JSONPath filter",
             "`config key 'streams[0].filter.exclude[0]': invalid JSONPath: ... at position 38` and a caret"),
        Case("jq_error", "a jq filter ending in `>`",
             "`config key 'streams[0].filter.exclude[0]': invalid jq expression` with libjq's message"),
        Case("unknown_attribute", "a filter naming `x__len__scor`",
             "`attribute 'x__len__scor' (used in streams[0].filter.exclude[0]) is not in any attribute file`, "
             "closest existing names first"),
    ),
)

PROPERTIES = Group(
    "property", "property", "Property and fuzz tests (hypothesis; the same examples on every CI run)",
    "tests/reliability/", "holds for every generated example",
    setup="`RELIABILITY_FUZZ=<k> pytest tests/reliability/test_fuzz.py` runs k times more, new examples each time",
    cases=(
        Case("test_properties.py::test_span_replacement_matches_the_reference",
             "span replacement on arbitrary Unicode text (astral, combining, NUL, CR, U+2028) with arbitrary "
             "overlapping, empty and out-of-range spans and `{}` replacements, 400 examples",
             "equals a reference written from Dolma's rule"),
        Case("test_properties.py::test_replacing_spans_by_themselves_changes_nothing",
             "non-overlapping spans replaced by `{}`, 200 examples", "the text is unchanged"),
        Case("test_properties.py::test_mixer_span_replacement_after_a_json_round_trip",
             "the mixer's span rules on a document read back from JSON, with a random `min_score`, 200 examples",
             "exactly the spans scoring at least `min_score` are replaced, at code-point offsets"),
        Case("test_properties.py::test_tagger_spans_are_code_point_offsets",
             "length and paragraph taggers (Rust) on arbitrary Unicode, 300 examples",
             "spans equal a reference paragraph split in code points; lengths count code points"),
        Case("test_properties.py::test_written_documents_read_back_unchanged",
             "documents with arbitrary text and nested metadata written as .jsonl, .jsonl.gz, .json.gz, .jsonl.zst "
             "and .parquet, 100 examples", "read back equal, with their line numbers"),
        Case("test_properties.py::test_rust_and_python_readers_see_the_same_texts",
             "documents written with and without `\\u` escapes (surrogate pairs), with planted duplicates",
             "dedupe (Rust reader) marks exactly the texts the Python reader saw before"),
        Case("test_properties.py::test_downsampling_takes_the_largest_fitting_prefix_whatever_the_sharding",
             "sources of 1-60 documents, any budget, two different shardings, 300 examples",
             "the same selection for both shardings; a prefix in sampling-key order; within the budget and the "
             "largest that fits"),
        Case("test_properties.py::test_a_smaller_budget_selects_a_subset", "two budgets, 200 examples",
             "the smaller budget's documents are a subset of the larger's"),
        Case("test_properties.py::test_upsampling_repeats_the_usable_pool_within_the_budget",
             "budgets above the usable pool, any `max_source_fraction`, 300 examples",
             "pool = largest key-order prefix within the fraction; `full` copies each, one more for a maximal prefix; "
             "total within the budget"),
        Case("test_properties.py::test_repetition_beyond_the_cap_only_comes_from_a_coarse_pool",
             "any request the token check accepts, 400 examples",
             "more than ceil(max_repetition_ratio) copies only when whole documents fill less than the fraction"),
        Case("test_properties.py::test_mixture_refuses_to_repeat_documents_beyond_the_cap",
             "the smallest such case, through `dolma-tools mix`", "exit 2 naming the source, nothing written"),
        Case("test_properties.py::test_source_ratios_are_met_to_within_one_document",
             "2-4 sources with random ratios and a feasible request, 200 examples",
             "each source's budget is int(requested x ratio) and is met to within one document"),
        Case("test_fuzz.py::test_the_jsonl_reader_raises_only_input_errors",
             "lines of good, byte-mutated and non-document JSON and random bytes, plain/gzip/zstd, 400 examples",
             "only `InputError` (with the file and a line) under raise; under skip never an error, and kept + "
             "skipped = non-blank lines"),
        Case("test_fuzz.py::test_corrupt_compressed_files_raise_only_input_errors",
             "random bytes named .gz/.zst, a truncated gzip file, 300 examples", "only `InputError`"),
        Case("test_fuzz.py::test_python_and_rust_readers_skip_the_same_lines",
             "the same fuzzed files through `tag` and `dedupe` under `--on-error skip`, 40 examples",
             "both keep the same rows in the same order"),
        Case("test_fuzz.py::test_jsonpath_fails_only_with_config_errors_and_never_on_documents",
             "random token sequences and text as JSONPath, 3,000 levels of nesting, evaluated on random "
             "documents, 1,500 examples", "`ConfigError` at compile time or a result; never an error on a document"),
        Case("test_fuzz.py::test_jq_fails_only_with_documented_errors_and_native_agrees_with_libjq",
             "random token sequences and text as jq, 3,000 levels of nesting, 1,500 examples",
             "`ConfigError` at compile time, `DolmaToolsError` on a document; the native evaluator gives libjq's "
             "outputs or errors"),
    ),
)

SECURITY = Group(
    "security", "security", "Security", "tests/reliability/test_security.py::", "",
    cases=(
        Case("test_the_package_never_executes_or_unpickles_text",
             "AST scan of `dolma_tools`, `mixers`, `taggers` for eval/exec/compile/__import__, pickle, marshal, "
             "unsafe YAML, os.system, shell=True, dynamic imports",
             "none; code is imported by name only in the plugin registry, the command catalogue and the built-in "
             "taggers package"),
        Case("test_config_values_are_never_executed",
             "configs whose values are Python code (YAML `!!python/object/apply`, JSONPath and jq filters, an "
             "interpolation resolver) or a jq `include`", "exit 2 with an error; the marker file is never created"),
        Case("test_jq_expressions_cannot_read_or_print_the_environment",
             "jq filters and a `$`-replacement using `$ENV`, `env`, `debug`, `stderr` with a credential in the "
             "environment", "they see `{}`: the credential is in no output and not on stderr"),
        Case("test_configs_cannot_interpolate_credentials", "`${oc.env:AWS_SECRET_ACCESS_KEY}` in a config",
             "exit 2: credentials are read by the S3 client, never from configs"),
        Case("test_names_that_become_paths_cannot_leave_the_output_folder",
             "`../escape`, `/tmp/absolute`, `a/b`, `..`, `.hidden`, a tab as `dedupe.name`, dedupe attribute name, "
             "stream name, source name", "exit 2 naming the key; nothing written anywhere"),
        Case("test_experiment_and_tagger_names_are_sanitised", "`--experiment ../../escape`",
             "written to `attributes/______escape/` (Dolma's `[A-Za-z0-9_]` rule)"),
        Case("test_unshuffled_mix_outputs_stay_below_the_output_folder",
             "`shuffle: false` with an input named through `documents/../..`", "exit 2 before any work"),
        Case("test_hostile_ids_and_sources_only_ever_become_data",
             "a whole pipeline over ids, sources and metadata such as `../../../escape`, `/etc/passwd`, NUL, "
             "`s3://bucket/key`", "only the usual files, inside the run's folder; the ids kept as data"),
        Case("test_plugins_load_only_when_named",
             "plugin-like modules in the working directory and on PYTHONPATH, console script and `python -m`",
             "never imported; a module named with `--tagger-modules` is (the control)"),
        Case("test_credentials_appear_in_no_log_error_plan_manifest_or_report",
             "fake AWS keys and session token in the environment, a key and secret in the endpoint URL; an "
             "unreachable endpoint, dry runs, a pipeline with manifest and report, `--verify`",
             "no secret in stdout, stderr or any file written; the endpoint is shown as `http://***@host`"),
        Case("test_temporaries_are_private_and_outputs_get_the_usual_mode",
             "a run killed in the middle of a write", "its temporary is 0600; the committed file 0666 minus the umask"),
        Case("test_filter_snapshots_are_private_while_written",
             "a dedupe killed while writing its filter snapshot", "the temporary is 0600"),
    ),
)

ALL_GROUPS: tuple[Group, ...] = (TAG_KILLS, DEDUPE_KILLS, MIX_KILLS, MIXTURE_KILLS, PIPELINE_KILLS, S3_FAULTS,
                                 DISK_FULL, BAD_DOCUMENTS, BAD_ATTRIBUTES, BAD_FILTERS, BAD_CONFIGS, PROPERTIES, SECURITY)

#: Bugs this suite found, each fixed with the test that shows it.
FIXES: tuple[tuple[str, str], ...] = (
    ("A killed `dedupe` left its attribute-file temporaries behind for good (dedupe does not go through the "
     "job runner that removes them); now removed when the file is redone",
     "test_kills.py::test_dedupe_killed[documents/commit:2]"),
    ("A `dedupe` killed while writing a filter snapshot left a temporary as large as the filter; now removed on "
     "the next run", "test_kills.py::test_dedupe_killed[snapshot-write]"),
    ("A killed mixture scan left the temporary of its token index (`.npz`) behind: only the `.json` summary was "
     "a job output", "test_kills.py::test_mixture_killed[commit:1]"),
    ("A mix killed after its manifest was written kept its staged parts forever (the rerun skipped the "
     "complete output); now removed", "test_kills.py::test_mix_killed[committed:57]"),
    ("A full disk surfaced as a raw `OSError` traceback; now `<file>: no space left on device while writing "
     "it; nothing was committed ...`, and filter I/O errors keep their errno",
     "test_disk_full.py::test_full_disk"),
    ("Bloom filter temporaries were created 0644 (now 0600 while written, then the umask mode); a committed "
     "file's mode no longer depends on a racy umask read", "test_security.py::test_filter_snapshots_are_private_while_written"),
    ("A document with metadata nested 255-1,023 levels deep (read fine) crashed the mixer: orjson writes at most "
     "254 levels; the standard library now writes it", "test_bad_inputs.py::test_bad_document_file[nested_500]"),
    ("JSONPath filters over documents nested ~1,000 levels deep raised `RecursionError`; now a document error "
     "(file, line; skipped under skip)", "test_bad_inputs.py::test_bad_document_file[nested_500]"),
    ("Deeply nested JSONPath and jq expressions crashed the parsers with `RecursionError`; now a config error "
     "(JSONPath) or evaluated by libjq (jq)",
     "test_fuzz.py::test_jsonpath_fails_only_with_config_errors_and_never_on_documents"),
    ("The native jq evaluator differed from libjq: `tostring` did not escape DEL, integer literals beyond 2**53 "
     "were exact", "test_fuzz.py::test_jq_fails_only_with_documented_errors_and_native_agrees_with_libjq"),
    ("An empty Parquet output was 0 bytes (unreadable); string metadata that looked like JSON came back "
     "decoded", "test_properties.py::test_written_documents_read_back_unchanged"),
    ("A mixture could repeat documents more often than `max_repetition_ratio` when whole documents fill less "
     "than `max_source_fraction`; now refused before any output",
     "test_properties.py::test_mixture_refuses_to_repeat_documents_beyond_the_cap"),
    ("jq filters could read the environment (`$ENV`, `env`) and print it (`debug`, `stderr`), and `include` "
     "read files: a shared config could copy credentials into the output",
     "test_security.py::test_jq_expressions_cannot_read_or_print_the_environment"),
    ("A secret in the endpoint URL was printed in connection errors and dry-run plans",
     "test_security.py::test_credentials_appear_in_no_log_error_plan_manifest_or_report"),
    ("`dedupe.name`, stream and source names such as `../x` wrote outside the output folder; `shuffle: false` "
     "could write an input's output over the input",
     "test_security.py::test_names_that_become_paths_cannot_leave_the_output_folder"),
    ("JSON nested deeper than the reader allows was reported as `malformed JSON: depth limit exceeded`; now "
     "`JSON nested more than 1024 levels deep`", "test_bad_inputs.py::test_bad_document_file[deep_nesting]"),
)


def groups(kind: str | None = None) -> list[Group]:
    return [g for g in ALL_GROUPS if kind is None or g.kind == kind]


def figures() -> dict[str, int]:
    """The headline figures (what the suite runs, each case asserting 0 lost and 0 duplicated)."""
    return {
        "kill points survived": sum(len(g.cases) for g in groups("kill")),
        "faults injected": sum(len(g.cases) for g in groups("fault")),
        "bad inputs tried": sum(len(g.cases) for g in groups("input")),
        "documents compared with an uninterrupted run": sum(g.docs_of(c) for g in ALL_GROUPS for c in g.cases),
        "documents lost": 0,
        "documents duplicated": 0,
        "property and fuzz tests": sum(len(g.cases) for g in groups("property")),
        "security checks": sum(len(g.cases) for g in groups("security")),
    }


__all__ = ["ALL_GROUPS", "Case", "Group", "KILL_BEHAVIOUR", "figures", "groups"]
