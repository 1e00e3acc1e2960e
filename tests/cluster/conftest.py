"""One local Ray instance (2 CPUs) for all Ray tests; the CLI joins it with --ray-address."""

from __future__ import annotations

import os
from typing import Iterator

import pytest

# a local test instance: no token auth prompt, no usage reporting (there is no network)
RAY_TEST_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}
os.environ.update(RAY_TEST_ENV)


@pytest.fixture(scope="module")
def ray_address(s3_server: str) -> Iterator[str]:
    """Start Ray once for the module (after the S3 fixture exported the test credentials, which the
    workers inherit, as a node's own credentials would be); yields the address for ``--ray-address``."""
    import ray

    context = ray.init(num_cpus=2, include_dashboard=False, object_store_memory=128 << 20, logging_level="warning")
    try:
        yield context.address_info["gcs_address"]
    finally:
        ray.shutdown()
