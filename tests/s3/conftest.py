"""Fixtures of the S3 tests: a fault-injecting proxy in front of the moto server, and IAM-checked access."""

from __future__ import annotations

import http.client
from typing import Iterator
from urllib.parse import urlsplit

import pytest

from .faults import FaultPlan, FaultProxy


@pytest.fixture
def fault_proxy(s3_server: str) -> Iterator[FaultProxy]:
    """A proxy in front of the moto server, forwarding everything until the test sets a ``FaultPlan``."""
    with FaultProxy(s3_server, FaultPlan()) as proxy:
        yield proxy


def _reset_auth(endpoint: str, value: str) -> None:
    parts = urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("POST", "/moto-api/reset-auth", body=value.encode(), headers={"Content-Type": "text/plain"})
        response = conn.getresponse()
        assert response.status == 200, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="session")
def _iam_keys(s3_server: str) -> dict[str, dict[str, str]]:
    """Two IAM users, created once per session: "nobody" (no permissions) and "admin" (everything)."""
    import boto3

    iam = boto3.client("iam", endpoint_url=s3_server)
    users = {}
    for name, policy in {"nobody": None, "admin": '{"Version": "2012-10-17", "Statement": '
                         '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'}.items():
        iam.create_user(UserName=name)
        if policy:
            iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=policy)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        users[name] = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    return users


@pytest.fixture
def iam_users(s3_server: str, _iam_keys: dict[str, dict[str, str]]) -> Iterator[dict[str, dict[str, str]]]:
    """Turn on moto's IAM checks for one test; yields the users' keys. The session's "testing" keys work
    again afterwards."""
    _reset_auth(s3_server, "0")
    try:
        yield _iam_keys
    finally:
        _reset_auth(s3_server, "inf")
