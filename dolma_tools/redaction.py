"""Keeping credentials out of everything dolma-tools prints or writes (errors, summaries, plans, reports).

Credentials reach dolma-tools two ways: the AWS environment variables (boto3 reads them; no message of ours
includes them) and user info in an endpoint URL (``http://KEY:SECRET@host``), which ends up in botocore's
error messages and in printed configs. ``redact`` masks both in any text before it is shown.
"""

from __future__ import annotations

import os
import re
from typing import Any

#: Environment variables whose values are secrets wherever they appear.
SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
MASK = "***"

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")


_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE", re.IGNORECASE)


def is_secret_variable(name: str) -> bool:
    """Environment variables a config may not interpolate (``${oc.env:...}``): credentials and anything
    named like one."""
    return name in SECRET_ENV or name == "AWS_ACCESS_KEY_ID" or bool(_SECRET_NAME.search(name))


def redact(text: str) -> str:
    """``text`` with URL user info and the values of secret environment variables masked."""
    text = _USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
    for name in SECRET_ENV:
        value = os.environ.get(name)
        if value and len(value) >= 4 and value in text:
            text = text.replace(value, MASK)
    return text


def redact_values(data: Any) -> Any:
    """A copy of plain data (dicts, lists, strings) with every string redacted (for printed configs)."""
    if isinstance(data, str):
        return redact(data)
    if isinstance(data, dict):
        return {k: redact_values(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [redact_values(v) for v in data]
    return data
