"""Which identity called which action on which resource: a record of the local AWS's requests.

moto works out, for every request, the IAM action it stands for (``s3:GetObject``,
``glue:StartJobRun``) and, for S3, the resource ARN, in order to check IAM policies when asked to
(``ActionAuthenticatorMixin``). While a ``CallLog`` records, that step notes the caller, the
action and the resource, and lets the request through as before. The caller is the role whose
session signed it (``local.aws.credentials.role_environment``: Lambda functions, Glue jobs) or
the access key ID itself. Requests AWS's services make inside the local engines (Athena reading a
table's files, Spark's file system) are not requests, so they are not in the record.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto.core.authorization import ActionAuthenticatorMixin
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from local.aws.credentials import ACCOUNT_ID
from local.aws.patching import Patches


@dataclass(frozen=True)
class Call:
    caller: str  # a role's ARN, or an access key ID
    action: str  # service:Action, as moto names it
    resource: str  # an S3 ARN, or "*" where moto does not say


_lock = threading.Lock()
_recording: set[Call] | None = None


def _caller(access_key_id: str, region: str) -> str:
    role = sts_backends[ACCOUNT_ID][get_partition(region)].get_assumed_role_from_access_key(access_key_id)
    return role.role_arn if role is not None else access_key_id


def _call(response: Any, resource: str) -> Call | None:
    authorization = response.headers.get("Authorization") or ""
    if "Credential=" not in authorization:
        return None  # unsigned (a presigned URL or a browser): no identity to check
    key_id, _, region, service, *_ = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    return Call(_caller(key_id, region), f"{service}:{response._get_action()}", resource)


def _authenticate_and_authorize_action(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    with _lock:
        calls = _recording
    if calls is not None:
        call = _call(self, resource)
        if call is not None:
            with _lock:
                calls.add(call)
    _PATCHES.original(ActionAuthenticatorMixin, "_authenticate_and_authorize_action")(self, iam_request_cls, resource)


_PATCHES = Patches((ActionAuthenticatorMixin, "_authenticate_and_authorize_action", _authenticate_and_authorize_action))


@contextmanager
def recording() -> Generator[set[Call]]:
    """Record every call made to the local AWS in this process until the block ends."""
    global _recording
    calls: set[Call] = set()
    with _lock:
        if _recording is not None:
            raise RuntimeError("the local AWS is already recording its calls")
        _recording = calls
    _PATCHES.apply()
    try:
        yield calls
    finally:
        _PATCHES.undo()
        with _lock:
            _recording = None
