"""Missing buckets, denied access, bad or missing credentials: one clear line each, and no secret printed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from dolma_tools.errors import StorageError
from dolma_tools.io import open_read, s3, write_jsonl

from .corpus import write_corpus

_AWS_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL")


def _env(s3_endpoint: str | None = None, **overrides: str) -> dict[str, str]:
    """The test environment minus every AWS setting, plus ``overrides`` (the endpoint goes on the CLI)."""
    env = {k: v for k, v in os.environ.items() if k not in _AWS_KEYS}
    env.update(AWS_SHARED_CREDENTIALS_FILE="/nonexistent/credentials", AWS_CONFIG_FILE="/nonexistent/config",
               AWS_EC2_METADATA_DISABLED="true", DOLMA_TOOLS_S3_MAX_ATTEMPTS="2", DOLMA_TOOLS_PROGRESS="0",
               **overrides)
    return env


def _tag(documents: str, destination: str, endpoint: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The CLI in exactly ``env`` (conftest's runner would add this process's test credentials back)."""
    args = ["tag", "--documents", documents, "--destination", destination, "--taggers", "char_length_v1",
            "--processes", "1", "--s3-endpoint-url", endpoint]
    return subprocess.run([sys.executable, "-m", "dolma_tools", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def _one_error_line(proc) -> str:
    lines = [line for line in proc.stderr.splitlines() if "error" in line.lower() or "FAILED" in line]
    assert lines, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return "\n".join(lines)


def test_missing_input_bucket(s3_server):
    env = _env(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing-secret")
    proc = _tag("s3://no-such-bucket/documents/*.jsonl.gz", "s3://no-such-bucket/out", s3_server, env)
    assert proc.returncode == 1
    assert "s3://no-such-bucket/documents/: bucket 'no-such-bucket' does not exist" in _one_error_line(proc)


def test_missing_output_bucket_fails_each_file_clearly(s3_bucket, s3_server):
    write_corpus(f"s3://{s3_bucket}", files=2, docs=3)
    env = _env(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing-secret")
    proc = _tag(f"s3://{s3_bucket}/documents/*.jsonl.gz", "s3://missing-out-bucket/attrs", s3_server, env)
    assert proc.returncode == 1
    assert "2 failed" in proc.stderr
    assert proc.stderr.count("bucket 'missing-out-bucket' does not exist") == 2, proc.stderr


def test_missing_object(s3_bucket):
    with pytest.raises(StorageError, match=f"^s3://{s3_bucket}/x.jsonl.gz: object does not exist$"):
        open_read(f"s3://{s3_bucket}/x.jsonl.gz")


@pytest.fixture
def open_bucket(s3_bucket):
    write_corpus(f"s3://{s3_bucket}", files=1, docs=3)
    return s3_bucket


def test_access_denied(open_bucket, s3_server, iam_users):
    nobody = iam_users["nobody"]
    proc = _tag(f"s3://{open_bucket}/documents/*.jsonl.gz", f"s3://{open_bucket}/out", s3_server, _env(**nobody))
    assert proc.returncode == 1
    assert f"s3://{open_bucket}/documents/: access denied (AccessDenied)" in _one_error_line(proc)
    assert nobody["AWS_SECRET_ACCESS_KEY"] not in proc.stderr + proc.stdout


def test_denied_writes_fail_each_file(open_bucket, s3_server, iam_users):
    """Reading is allowed, writing the outputs is not: every file fails with the reason, the run exits 1."""
    import boto3

    admin = boto3.client("iam", endpoint_url=s3_server, aws_access_key_id=iam_users["admin"]["AWS_ACCESS_KEY_ID"],
                         aws_secret_access_key=iam_users["admin"]["AWS_SECRET_ACCESS_KEY"])
    admin.put_user_policy(UserName="nobody", PolicyName="read", PolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], '
        '"Resource": "*"}]}'))
    try:
        proc = _tag(f"s3://{open_bucket}/documents/*.jsonl.gz", f"s3://{open_bucket}/out", s3_server,
                    _env(**iam_users["nobody"]))
    finally:
        admin.delete_user_policy(UserName="nobody", PolicyName="read")
    assert proc.returncode == 1
    assert "1 failed" in proc.stderr
    assert "access denied" in proc.stderr


def test_unknown_access_key(open_bucket, s3_server, iam_users):
    env = _env(AWS_ACCESS_KEY_ID="AKIAUNKNOWNKEY000000", AWS_SECRET_ACCESS_KEY="unknown-secret-value")
    proc = _tag(f"s3://{open_bucket}/documents/*.jsonl.gz", f"s3://{open_bucket}/out", s3_server, env)
    assert proc.returncode == 1
    assert "access key id is not recognised by the endpoint (InvalidAccessKeyId)" in _one_error_line(proc)
    assert "unknown-secret-value" not in proc.stderr + proc.stdout


def test_wrong_secret_key(open_bucket, s3_server, iam_users):
    wrong = "definitely-not-the-secret-1234"
    env = _env(AWS_ACCESS_KEY_ID=iam_users["admin"]["AWS_ACCESS_KEY_ID"], AWS_SECRET_ACCESS_KEY=wrong)
    proc = _tag(f"s3://{open_bucket}/documents/*.jsonl.gz", f"s3://{open_bucket}/out", s3_server, env)
    assert proc.returncode == 1
    assert "request signature rejected (SignatureDoesNotMatch): check the secret access key" in _one_error_line(proc)
    assert wrong not in proc.stderr + proc.stdout
    assert iam_users["admin"]["AWS_SECRET_ACCESS_KEY"] not in proc.stderr + proc.stdout


def test_right_keys_work_while_checks_are_on(open_bucket, s3_server, iam_users):
    proc = _tag(f"s3://{open_bucket}/documents/*.jsonl.gz", f"s3://{open_bucket}/out", s3_server,
                _env(**iam_users["admin"]))
    assert proc.returncode == 0, proc.stderr


def test_missing_credentials(s3_server):
    proc = _tag("s3://some-bucket/documents/*.jsonl.gz", "s3://some-bucket/out", s3_server, _env())
    assert proc.returncode == 1
    assert "no AWS credentials found" in _one_error_line(proc)


def test_unreachable_endpoint():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = _env(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing-secret")
    proc = _tag("s3://b/documents/*.jsonl.gz", "s3://b/out", dead, env)
    assert proc.returncode == 1
    assert f"cannot reach the S3 endpoint {dead}" in _one_error_line(proc)


def test_write_errors_carry_the_url(s3_server):
    with pytest.raises(StorageError, match=r"^s3://no-bucket-here/a.jsonl.gz: bucket 'no-bucket-here' does not exist$"):
        write_jsonl("s3://no-bucket-here/a.jsonl.gz", [{"id": "1", "text": "x"}])
    assert s3.settings().endpoint_url == s3_server
