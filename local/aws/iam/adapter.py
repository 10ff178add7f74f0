"""IAM as AWS enforces it, for the roles of the project's template.

Every request passes moto's per-request IAM step (``ActionAuthenticatorMixin``); this adapter
works out who signed it, the IAM action and the resource (``local.aws.call_log``), notes the
call for a recording, and, when the signer is a session of one of the template's roles
(``pipelines-<env>-mwaa``, ``-glue``, ``-vehicle-api-downloader``, ``-firehose``), evaluates
the request against that role's policies in deploy/pipelines.yaml for that environment, account
and region (``local.aws.iam.roles``), refusing it with AWS's AccessDenied error shape when they do
not allow it. The account's own access key (tests, the local tools, provisioning) acts as an
administrator does; roles the template does not define are not evaluated. Resource-based
policies (bucket and queue policies) are not evaluated: their TLS-only denies cannot hold on a
plain-HTTP endpoint.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.s3.exceptions import S3ClientError

from deploy.template import Resolver, template
from local.aws import call_log
from local.aws.adapter import ServiceAdapter
from local.aws.credentials import ACCOUNT_ID
from local.aws.iam.policies import Request, allows
from local.aws.iam.roles import ROLES, role_statements
from local.aws.patching import Patches

# moto names a few requests after the API operation, IAM after the permission it needs.
IAM_ACTION = {
    "lambda:Invoke": "lambda:InvokeFunction",
    "s3:HeadBucket": "s3:ListBucket",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
}
ALWAYS_ALLOWED = {"sts:GetCallerIdentity"}  # needs no permission on AWS
# The error code AWS answers a refused request with, by service (the rest: AccessDeniedException).
QUERY_STYLE_CODES = {"sqs": "AccessDenied", "sts": "AccessDenied", "iam": "AccessDenied"}


class AccessDenied(JsonRESTError):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(code, message)
        self.code = status


@cache
def _role_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(a role name's pattern with the environment as a group, the role's logical id)."""
    resources = template()["Resources"]
    patterns = []
    for logical_id in ROLES.values():
        name = re.escape(resources[logical_id]["Properties"]["RoleName"]["Sub"])
        patterns.append(
            (re.compile(name.replace(re.escape("${EnvironmentName}"), "(?P<env>[a-z][a-z0-9-]*)") + "$"), logical_id)
        )
    return tuple(patterns)


def template_role(role_arn: str) -> tuple[str, str] | None:
    """(logical id, environment) of a role ARN the template defines, or None."""
    name = role_arn.rsplit("/", 1)[-1]
    for pattern, logical_id in _role_patterns():
        match = pattern.match(name)
        if match:
            return logical_id, match.group("env")
    return None


@cache
def _statements(logical_id: str, env: str, region: str) -> tuple[dict[str, Any], ...]:
    return tuple(role_statements(logical_id, Resolver(env, region, ACCOUNT_ID)))


def iam_request(call: call_log.Call) -> Request:
    action = IAM_ACTION.get(call.action, call.action)
    resource = call.resource
    if action == "s3:DeleteObject" and resource.count("/") == 0:
        resource += "/*"  # DeleteObjects: moto names the bucket; AWS checks each key
    return Request(action, resource, dict(call.context))


def refusal(call: call_log.Call, service: str) -> Exception | None:
    """The error AWS answers ``call`` with, or None when the caller's policies allow it."""
    role = template_role(call.caller) if call.caller.startswith("arn:") else None
    request = iam_request(call)
    if role is None or request.action in ALWAYS_ALLOWED:
        return None
    logical_id, env = role
    if allows(_statements(logical_id, env, call.region), request):
        return None
    session = call.caller.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")
    on = f" on resource: {request.resource}" if request.resource != "*" else ""
    message = (
        f"User: {session} is not authorized to perform: {request.action}{on} "
        f"because no identity-based policy allows the {request.action} action"
    )
    if service == "s3":
        return S3ClientError("AccessDenied", message)
    if service in QUERY_STYLE_CODES:
        return AccessDenied(QUERY_STYLE_CODES[service], message, 403)
    return AccessDenied("AccessDeniedException", message, 403 if service == "lambda" else 400)


def caller_policy() -> tuple[str, Callable[[str, str], bool]] | None:
    """The identity of the request this thread is serving, as (its session ARN, whether its
    policies allow an action on a resource), for engines that act for their caller (Athena reads
    and writes S3 and the Glue catalog as the caller); None for the account's own key or a role
    the template does not define (not evaluated)."""
    made: list[call_log.Call] = getattr(_serving, "calls", [])
    if not made or template_role(made[0].caller) is None:
        return None
    call = made[0]
    logical_id, env = template_role(call.caller)  # type: ignore[misc]
    statements = _statements(logical_id, env, call.region)
    session = call.caller.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")
    return session, lambda action, resource: allows(statements, Request(action, resource))


_serving = threading.local()  # the calls of the request this thread serves


def _authenticate_and_authorize_action(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    made = call_log.calls_of(self, resource)
    _serving.calls = made
    call_log.note(made)
    for call in made:
        error = refusal(call, call.service)
        if error is not None:
            raise error
    ADAPTER.original(ActionAuthenticatorMixin, "_authenticate_and_authorize_action")(self, iam_request_cls, resource)


ADAPTER: ServiceAdapter[object] = ServiceAdapter(
    "IAM",
    Patches((ActionAuthenticatorMixin, "_authenticate_and_authorize_action", _authenticate_and_authorize_action)),
    start=lambda ctx: object(),
    stop=lambda engine: None,
)
