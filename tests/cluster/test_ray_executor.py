"""The Ray executor: byte-identical outputs to the local executor, resumable by either, same failures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dolma_tools.cli.main import main
from dolma_tools.runner import Job
from dolma_tools.runner.progress import ProgressBoard
from dolma_tools.tagging import plan_outputs, setup_worker, tag_file

from s3.corpus import SLOW_PLUGIN, kill_when, local_files, popen_cli, s3_objects, settled, tag_args, write_corpus
from s3.faults import FaultProxy

FILES, DOCS = 8, 30


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """A tagger that exists only in a .py file: Ray workers must load it themselves (worker setup)."""
    path = tmp_path / "slow_plugin.py"
    path.write_text(SLOW_PLUGIN)
    return path


def _outputs(root: Path) -> dict[str, bytes]:
    return local_files(root / "attributes")


def test_ray_on_a_fresh_local_instance_gives_the_local_bytes(cli, tmp_path, plugin):
    """No --ray-address: the command starts its own Ray with --processes CPUs."""
    for name in ("local", "ray"):
        write_corpus(str(tmp_path / name), FILES, DOCS)
        executor = [] if name == "local" else ["--executor", "ray"]
        cli(*tag_args(f"{tmp_path}/{name}/documents/*.jsonl.gz", f"{tmp_path}/{name}/attributes", plugin,
                      "--processes", "2", *executor,
                      taggers=("slow_length_test", "char_length_v1", "random_number_v1")))
    expected = _outputs(tmp_path / "local")
    assert len(expected) == FILES and _outputs(tmp_path / "ray") == expected


def _tag_args(root: Path, plugin: Path, *extra: str) -> list[str]:
    return tag_args(f"{root}/documents/*.jsonl.gz", f"{root}/attributes", plugin, *extra)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    """Outputs of an uninterrupted local run over the 12-file corpus."""
    root = tmp_path_factory.mktemp("reference")
    plugin = root / "slow_plugin.py"
    plugin.write_text(SLOW_PLUGIN)
    write_corpus(str(root), 12, DOCS)
    subprocess.run([sys.executable, "-m", "dolma_tools", *_tag_args(root, plugin, "--processes", "2")], check=True,
                   capture_output=True, timeout=300)
    return _outputs(root)


@pytest.mark.parametrize("first, then", [("local", "ray"), ("ray", "local")])
def test_a_run_killed_under_one_executor_is_finished_by_the_other(cli, tmp_path, plugin, ray_address, reference,
                                                                   first, then):
    expected = reference

    flags = {"local": ["--processes", "2"], "ray": ["--executor", "ray", "--ray-address", ray_address]}
    run = tmp_path / "run"
    write_corpus(str(run), 12, DOCS)
    proc = popen_cli(_tag_args(run, plugin, *flags[first]), SLOW_TAGGER_SECONDS="0.1")
    kill_when(proc, lambda: len(_outputs(run)) >= 3)
    done = settled(lambda: len(_outputs(run)))  # Ray tasks of a dead driver are torn down asynchronously
    assert 3 <= done < 12
    assert all(expected[k] == v for k, v in _outputs(run).items())

    rerun = cli(*_tag_args(run, plugin, *flags[then]))
    assert f"{done} of 12 files already done" in rerun.stderr
    assert f"summary: {12 - done} files processed" in rerun.stderr
    assert _outputs(run) == expected


def test_failures_are_reported_as_by_the_local_executor(cli, tmp_path, ray_address):
    write_corpus(str(tmp_path), 3, 5)
    bad = tmp_path / "documents" / "part-001.jsonl"
    bad.write_text('{"id": "a", "text": "fine"}\n{"id": "b", "text": \n')
    stderr = {}
    for name, flags in {"local": ["--processes", "2"], "ray": ["--executor", "ray", "--ray-address", ray_address]}.items():
        proc = cli("tag", "--documents", f"{tmp_path}/documents/*", "--taggers", "char_length_v1",
                   "--destination", f"{tmp_path}/{name}", *flags, check=False)
        assert proc.returncode == 1
        stderr[name] = [line for line in proc.stderr.splitlines() if "failed" in line or "part-001" in line]
    assert stderr["ray"] == stderr["local"]
    assert any(f"{bad}:2: malformed JSON" in line for line in stderr["ray"]), stderr["ray"]


def test_progress_of_ray_tasks_reaches_the_driver(tmp_path, ray_address):
    files = write_corpus(str(tmp_path), 4, 25)
    plan = plan_outputs([f"{tmp_path}/documents/*.jsonl.gz"], files, ["char_length_v1"], None, None)
    jobs = [Job(key=f, inputs=[f], outputs=[o.path for o in plan[f]], size=os.path.getsize(f),
                params={"outputs": plan[f]}) for f in files]
    from dolma_tools.runner.ray_executor import RayExecutor

    board = ProgressBoard("tag", sum(j.size for j in jobs), len(jobs))
    results = RayExecutor(2).run(tag_file, jobs, board, setup=setup_worker, setup_args=([], 1))
    assert [r.key for r in results] == files and all(r.ok for r in results)
    assert (board.docs, board.files_done, board.bytes) == (100, 4, sum(j.size for j in jobs))


def test_ray_from_config_keys_on_s3_gives_the_local_bytes(cli, s3_bucket, s3_server, ray_address, tmp_path, plugin):
    """``executor: ray`` + ``ray_address`` in a config file; the tasks read and write S3 at the endpoint given
    by --s3-endpoint-url (a proxy that is in no worker's environment: the setting is forwarded)."""
    write_corpus(f"s3://{s3_bucket}", FILES, DOCS)
    config = tmp_path / "tag.yaml"
    config.write_text(f"executor: ray\nray_address: {ray_address}\n")
    with FaultProxy(s3_server) as proxy:
        cli("-c", config, *tag_args(f"s3://{s3_bucket}/documents/*.jsonl.gz", f"s3://{s3_bucket}/ray", plugin,
                                    "--s3-endpoint-url", proxy.endpoint))
        gets = {path for method, path, _ in proxy.log.requests if method == "GET" and "/documents/" in path}
    assert len(gets) == FILES  # every input was read through the forwarded endpoint
    assert main(tag_args(f"s3://{s3_bucket}/documents/*.jsonl.gz", f"s3://{s3_bucket}/local", plugin,
                         "--processes", "1")) == 0
    local = s3_objects(s3_bucket, "local/")
    assert len(local) == FILES and s3_objects(s3_bucket, "ray/") == local


def test_missing_ray_is_a_clear_error(tmp_path):
    write_corpus(str(tmp_path), 1, 2)
    code = ("import sys; sys.modules['ray'] = None\n"  # as if Ray were not installed
            "from dolma_tools.cli.main import main\n"
            f"sys.exit(main(['tag', '--documents', '{tmp_path}/documents/*', '--taggers', 'char_length_v1', "
            "'--executor', 'ray']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "config key 'executor': the Ray executor needs Ray, which is not installed: " \
           "pip install 'dolma-tools[ray]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_dolma_tools_does_not_import_ray(cli):
    code = ("import sys, dolma_tools, dolma_tools.runner, dolma_tools.cli.main as m\n"
            "m.make_parser()\n"
            "assert 'ray' not in sys.modules, 'ray imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
