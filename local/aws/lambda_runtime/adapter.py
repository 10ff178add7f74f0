"""Lambda's moto adapter: Invoke executes the function's Python code instead of needing Docker.

Every other Lambda API (create, update, publish, aliases, ...) stays as moto serves it.
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.awslambda.responses import LambdaResponse

from local.aws.adapter import ServiceAdapter
from local.aws.lambda_runtime.service import LambdaService
from local.aws.patching import Patches


def service() -> LambdaService:
    """The running service (tests use it to wait for asynchronous invocations)."""
    return ADAPTER.engine


def _invoke(fn: LambdaFunction, body: Any, request_headers: Any, response_headers: Any) -> bytes:
    return service().invoke(fn, body, request_headers, response_headers)


def _invoke_response(self: LambdaResponse) -> Any:
    # moto reads the qualifier as "qualifier" (the query string says "Qualifier") and falls back to
    # the payload's JSON keys; pin it to the query string so versions and aliases resolve.
    self.querystring["qualifier"] = self.querystring.get("Qualifier", [None])
    return ADAPTER.original(LambdaResponse, "invoke")(self)


ADAPTER = ServiceAdapter(
    "Lambda",
    # Replacing the function model's invoke also covers moto's internal callers (S3 notifications, SNS, ...).
    Patches((LambdaFunction, "invoke", _invoke), (LambdaResponse, "invoke", _invoke_response)),
    start=lambda ctx: LambdaService(ctx.data_dir, ctx.endpoint_url, ctx.pace),
    stop=LambdaService.shutdown,
)
