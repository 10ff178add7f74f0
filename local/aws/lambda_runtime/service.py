"""The Invoke API on top of the invoker: invocation types, response headers, logs, async runs."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaFunction

from local.aws.lambda_runtime.function import FunctionSpec, function_spec
from local.aws.lambda_runtime.invoker import InvocationResult, Invoker
from local.aws.logs import write_events
from local.aws.pace import PROFILES, Pace

log = logging.getLogger(__name__)

TAIL_BYTES = 4096


class LambdaService:
    def __init__(self, data_dir: Path, endpoint_url: str, pace: Pace = PROFILES["instant"]) -> None:
        self.invoker = Invoker(data_dir, endpoint_url, pace)
        self._async: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def invoke(
        self, fn: LambdaFunction, body: str | bytes | None, request_headers: Any, response_headers: dict[str, Any]
    ) -> bytes:
        """Serve one Invoke of ``fn``; fills ``response_headers`` as AWS does and returns the payload."""
        invocation_type = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type not in ("RequestResponse", "Event", "DryRun"):
            raise LambdaClientError("InvalidParameterValueException", f"Invalid InvocationType: {invocation_type}")
        spec = function_spec(fn)
        event = _event_text(body)
        client_context = _client_context(_header(request_headers, "X-Amz-Client-Context"))
        if invocation_type == "DryRun":
            return b""
        if invocation_type == "Event":
            self._start_async(fn.account_id, spec, event, client_context)
            return b""
        result = self._run(fn.account_id, spec, event, client_context)
        response_headers["x-amz-executed-version"] = spec.version
        if result.function_error:
            response_headers["x-amz-function-error"] = result.function_error
        # moto's response drops this header unless the caller asked for LogType=Tail.
        response_headers["x-amz-log-result"] = log_tail(result.log_text)
        return result.payload

    def _run(
        self, account_id: str, spec: FunctionSpec, event: str, client_context: dict[str, Any] | None
    ) -> InvocationResult:
        result = self.invoker.invoke(spec, event, client_context)
        lines = [(line.timestamp_ms, line.message) for line in result.log_lines]
        write_events(account_id, spec.region, spec.log_group, result.log_stream, lines)
        return result

    def _start_async(
        self, account_id: str, spec: FunctionSpec, event: str, client_context: dict[str, Any] | None
    ) -> None:
        def run() -> None:
            try:
                self._run(account_id, spec, event, client_context)
            except Exception:
                log.exception("asynchronous invocation of %s failed to run", spec.name)
            finally:
                with self._lock:
                    self._async.discard(thread)

        thread = threading.Thread(target=run, name=f"lambda-event-{spec.name}", daemon=True)
        with self._lock:
            self._async.add(thread)
        thread.start()

    def wait_for_async(self, timeout: float) -> bool:
        """Wait until no asynchronous invocation is running; False if some still are after ``timeout``."""
        with self._lock:
            running = list(self._async)
        for thread in running:
            thread.join(timeout)
        with self._lock:
            return not self._async

    def shutdown(self) -> None:
        self.invoker.stop_all()
        self.wait_for_async(timeout=5)


def log_tail(text: str) -> str:
    """The last 4 KB of a log, base64, starting on a whole UTF-8 character."""
    data = text.encode("utf-8")[-TAIL_BYTES:]
    start = 0
    while start < len(data) and data[start] & 0xC0 == 0x80:
        start += 1
    return base64.b64encode(data[start:]).decode("ascii")


def _header(headers: Any, name: str) -> str | None:
    if not isinstance(headers, Mapping) and not hasattr(headers, "items"):
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return str(value)
    return None


def _event_text(body: str | bytes | None) -> str:
    text = body.decode("utf-8") if isinstance(body, bytes) else (body or "")
    if not text.strip():
        return "{}"
    try:
        json.loads(text)
    except ValueError as exc:
        raise LambdaClientError(
            "InvalidRequestContentException", f"Could not parse request body into json: {exc}"
        ) from exc
    return text


def _client_context(encoded: str | None) -> dict[str, Any] | None:
    if not encoded:
        return None
    try:
        context = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise LambdaClientError(
            "InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object."
        ) from exc
    return context if isinstance(context, dict) else None
