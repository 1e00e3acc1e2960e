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


@pytest.fixture
def iam_users(s3_server: str) -> Iterator[dict[str, dict[str, str]]]:
    """Turn on moto's IAM checks for one test; yields keys of a user with no permissions ("nobody") and of
    one allowed everything ("admin"). The session's "testing" keys work again afterwards."""
    import boto3

    iam = boto3.client("iam", endpoint_url=s3_server)
    users = {}
    policies = {"nobody": None, "admin": '{"Version": "2012-10-17", "Statement": '
                '[{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'}
    for name, policy in policies.items():
        existing = {u["UserName"] for u in iam.list_users()["Users"]}
        if name not in existing:
            iam.create_user(UserName=name)
        if policy:
            iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=policy)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        users[name] = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    _reset_auth(s3_server, "0")
    try:
        yield users
    finally:
        _reset_auth(s3_server, "inf")
