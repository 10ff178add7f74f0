"""Lambda's moto adapter: Invoke executes the function's Python code instead of needing Docker.

Every other Lambda API (create, update, publish, aliases, ...) stays as moto serves it.
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.awslambda.responses import LambdaResponse

from local.aws.context import ServiceContext
from local.aws.lambda_runtime.service import LambdaService
from local.aws.patching import Patches

_service: LambdaService | None = None


def service() -> LambdaService:
    """The running service (tests use it to wait for asynchronous invocations)."""
    if _service is None:
        raise RuntimeError("the local Lambda adapter is not installed")
    return _service


def _invoke(fn: LambdaFunction, body: Any, request_headers: Any, response_headers: Any) -> bytes:
    return service().invoke(fn, body, request_headers, response_headers)


def _invoke_response(self: LambdaResponse) -> Any:
    # moto reads the qualifier as "qualifier" (the query string says "Qualifier") and falls back to
    # the payload's JSON keys; pin it to the query string so versions and aliases resolve.
    self.querystring["qualifier"] = self.querystring.get("Qualifier", [None])
    return PATCHES.original(LambdaResponse, "invoke")(self)


# Replacing the function model's invoke also covers moto's internal callers (S3 notifications, SNS, ...).
PATCHES = Patches((LambdaFunction, "invoke", _invoke), (LambdaResponse, "invoke", _invoke_response))


def install(ctx: ServiceContext) -> None:
    global _service
    if _service is None:
        _service = LambdaService(ctx.data_dir, ctx.endpoint_url)
    PATCHES.apply()


def uninstall() -> None:
    global _service
    PATCHES.undo()
    if _service is not None:
        _service.shutdown()
        _service = None
