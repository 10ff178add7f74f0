"""Which identity called which action on which resource: a record of the local AWS's requests.

moto works out, for every request, the IAM action it stands for (``s3:GetObject``,
``glue:StartJobRun``) and, for S3, the resource ARN, in order to check IAM policies
(``ActionAuthenticatorMixin``). The IAM adapter (``local.aws.iam.adapter``) hooks that step:
``calls_of()`` names the caller, the action and the resource (for other services than S3, the
one the request names: a job, a table, a queue), which the adapter checks against the caller's
policies and, while ``recording()``, notes here. The caller is the role whose
session signed it (``local.aws.credentials.role_environment``: Lambda functions, Glue jobs) or
the access key ID itself. Requests AWS's services make inside the local engines (Athena reading a
table's files, Spark's file system) are not requests, so they are not in the record.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto.athena.models import athena_backends
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from local.aws.credentials import ACCOUNT_ID


@dataclass(frozen=True)
class Call:
    caller: str  # a role's ARN, or an access key ID
    action: str  # service:Action, as moto names it
    resource: str  # the ARN the call is about, or "*" where neither moto nor the request says
    # Where and how it was asked (not part of what a recording compares).
    region: str = field(default="", compare=False)
    service: str = field(default="", compare=False)  # the service the request was sent to
    context: tuple[tuple[str, str], ...] = field(default=(), compare=False)  # IAM condition keys


_lock = threading.Lock()
_recording: set[Call] | None = None


def _caller(access_key_id: str, region: str) -> str:
    role = sts_backends[ACCOUNT_ID][get_partition(region)].get_assumed_role_from_access_key(access_key_id)
    return role.role_arn if role is not None else access_key_id


def calls_of(response: Any, resource: str) -> list[Call]:
    """The request's call (one per resource it names, for a request naming several), and the
    iam:PassRole AWS checks when a request hands a role to a service (a Glue job or crawler, a
    Lambda function, created or updated)."""
    authorization = response.headers.get("Authorization") or ""
    if "Credential=" not in authorization:
        return []  # unsigned (a presigned URL or a browser): no identity to check
    key_id, _, region, service, *_ = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    action, parameters = response._get_action(), _parameters(response)
    if resource == "*":
        resource = _named_resource(service, action, parameters, response.path, region)
    caller = _caller(key_id, region)
    resources = [resource]
    if service == "athena" and isinstance(parameters.get("QueryExecutionIds"), list):
        # BatchGetQueryExecution: IAM checks the workgroup of every query it names.
        groups = {_query_workgroup(str(q), region) for q in parameters["QueryExecutionIds"]} - {None}
        resources = sorted(f"arn:aws:athena:{region}:{ACCOUNT_ID}:workgroup/{g}" for g in groups) or ["*"]
    calls = [Call(caller, f"{service}:{action}", r, region, service) for r in resources]
    role = parameters.get("Role")
    if isinstance(role, str) and action.startswith(("Create", "Update")):
        role_arn = role if role.startswith("arn:") else f"arn:aws:iam::{ACCOUNT_ID}:role/{role}"
        passed_to = (("iam:PassedToService", f"{service}.amazonaws.com"),)
        calls.append(Call(caller, "iam:PassRole", role_arn, region, service, passed_to))
    return calls


def _parameters(response: Any) -> dict[str, Any]:
    """The request's parameters: a JSON body (Glue, Athena, SQS, EventBridge, Secrets Manager, ...)."""
    try:
        parameters = json.loads(response.body or "{}")
    except (TypeError, ValueError):
        return {}
    return parameters if isinstance(parameters, dict) else {}


def _query_workgroup(query_id: str, region: str) -> str | None:
    execution = athena_backends[ACCOUNT_ID][region].executions.get(query_id)
    workgroup = getattr(execution, "workgroup", None)
    return getattr(workgroup, "name", None) or ("primary" if execution is not None else None)


def _named_resource(service: str, action: str, parameters: dict[str, Any], path: str, region: str) -> str:
    """The ARN of the resource a request names, for the services the pipelines call (moto only
    works it out for S3). Requests that name none (a query by its id, a listing) stay "*"."""
    arn = f"arn:aws:{service}:{region}:{ACCOUNT_ID}"
    name = parameters.get
    if service == "glue":
        if action.endswith(("Crawler", "Crawlers")) and name("Name"):
            return f"{arn}:crawler/{name('Name')}"
        if action.endswith(("Job", "JobRun", "JobRuns")) and (name("JobName") or name("Name")):
            return f"{arn}:job/{name('JobName') or name('Name')}"
        table = name("TableName") or (name("TableInput") or {}).get("Name") or ("Table" in action and name("Name"))
        if name("DatabaseName") and table:
            return f"{arn}:table/{name('DatabaseName')}/{table}"
        if name("DatabaseName") or (action == "GetDatabase" and name("Name")):
            return f"{arn}:database/{name('DatabaseName') or name('Name')}"
        return f"{arn}:catalog" if action == "GetDatabases" else "*"
    if service == "athena" and name("WorkGroup"):
        return f"{arn}:workgroup/{name('WorkGroup')}"
    if service == "athena" and name("QueryExecutionId"):
        workgroup = _query_workgroup(name("QueryExecutionId"), region)  # IAM checks the query's workgroup
        return f"{arn}:workgroup/{workgroup}" if workgroup else "*"
    if service == "lambda" and "/functions/" in path:
        function = path.split("/functions/", 1)[1].split("/", 1)[0]
        return function if function.startswith("arn:") else f"{arn}:function:{function}"
    if service == "events" and action == "PutEvents":
        buses = {entry.get("EventBusName", "default") for entry in name("Entries") or []}
        bus = buses.pop() if len(buses) == 1 else "*"
        return bus if bus.startswith("arn:") else f"{arn}:event-bus/{bus}"
    if service == "sqs" and name("QueueUrl"):
        return f"{arn}:{name('QueueUrl').rstrip('/').rsplit('/', 1)[1]}"
    if service == "secretsmanager" and name("SecretId"):
        secret = name("SecretId")  # a name: AWS's ARN adds six random characters
        return secret if secret.startswith("arn:") else f"{arn}:secret:{secret}-XXXXXX"
    if service == "logs" and name("logGroupName"):
        return f"{arn}:log-group:{name('logGroupName')}"
    if service == "kinesis" and name("StreamName"):
        return f"{arn}:stream/{name('StreamName')}"
    if service == "firehose" and name("DeliveryStreamName"):
        return f"{arn}:deliverystream/{name('DeliveryStreamName')}"
    return "*"


def note(calls: list[Call]) -> None:
    """Add ``calls`` to the recording under way, if any."""
    with _lock:
        if _recording is not None:
            _recording.update(calls)


@contextmanager
def recording() -> Generator[set[Call]]:
    """Record every call made to the local AWS in this process until the block ends."""
    global _recording
    calls: set[Call] = set()
    with _lock:
        if _recording is not None:
            raise RuntimeError("the local AWS is already recording its calls")
        _recording = calls
    try:
        yield calls
    finally:
        with _lock:
            _recording = None
