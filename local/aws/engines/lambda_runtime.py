"""Lambda engine: Invoke executes the function's Python code instead of needing Docker.

Every other Lambda API (create, update, publish, aliases, ...) stays as moto serves it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moto.awslambda.models import LambdaFunction
from moto.awslambda.responses import LambdaResponse

from local.aws.lambda_runtime.service import LambdaService

if TYPE_CHECKING:
    from local.aws.server import EngineContext

_original_invoke = LambdaFunction.invoke
_original_invoke_response = LambdaResponse.invoke
_service: LambdaService | None = None


def service() -> LambdaService:
    """The running service (tests use it to wait for asynchronous invocations)."""
    if _service is None:
        raise RuntimeError("the Lambda engine is not installed")
    return _service


def _invoke(fn: LambdaFunction, body: Any, request_headers: Any, response_headers: Any) -> bytes:
    return service().invoke(fn, body, request_headers, response_headers)


def _invoke_response(self: LambdaResponse) -> Any:
    # moto reads the qualifier as "qualifier" (the query string says "Qualifier") and falls back to
    # the payload's JSON keys; pin it to the query string so versions and aliases resolve.
    self.querystring["qualifier"] = self.querystring.get("Qualifier", [None])
    return _original_invoke_response(self)


def install(ctx: EngineContext) -> None:
    global _service
    _service = LambdaService(ctx.data_dir, ctx.endpoint_url)
    # Patching the function model also covers moto's internal callers (S3 notifications, SNS, ...).
    LambdaFunction.invoke = _invoke  # type: ignore[method-assign]
    LambdaResponse.invoke = _invoke_response  # type: ignore[method-assign]


def uninstall() -> None:
    global _service
    LambdaFunction.invoke = _original_invoke  # type: ignore[method-assign]
    LambdaResponse.invoke = _original_invoke_response  # type: ignore[method-assign]
    if _service is not None:
        _service.shutdown()
        _service = None
