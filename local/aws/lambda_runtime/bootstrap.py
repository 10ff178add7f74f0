"""The Python runtime inside one local Lambda execution: ``python -I bootstrap.py SPEC CONTROL_FD``.

Runs in its own interpreter with only the standard library imported by us, so the function
sees what it would see on AWS: its code root first on ``sys.path``, its layers, the
environment the invoker prepared and nothing of the server process. SPEC is a JSON file with
the handler, the event and where to write the result. On CONTROL_FD it writes ``init`` once
the handler is imported, so the invoker starts the function's timeout clock there (as AWS
keeps init apart from the invocation).

The result file holds ``{"payload": <json text>}`` or ``{"error": {...}}`` in the shape AWS
returns for unhandled errors, plus timings and peak memory for the REPORT line.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import resource
import sys
import time
import traceback
from types import SimpleNamespace
from typing import Any

LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"


class LambdaContext:
    """The context object AWS passes as the handler's second argument."""

    def __init__(self, spec: dict[str, Any], deadline_ms: int) -> None:
        self.aws_request_id: str = spec["request_id"]
        self.invoked_function_arn: str = spec["invoked_function_arn"]
        # AWS's runtime reads these from the environment, so they are strings there too.
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = _client_context(spec.get("client_context"))
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _client_context(raw: dict[str, Any] | None) -> SimpleNamespace | None:
    if not raw:
        return None
    client = raw.get("client")
    return SimpleNamespace(
        custom=raw.get("custom"),
        env=raw.get("env"),
        client=SimpleNamespace(**client) if isinstance(client, dict) else None,
    )


class _RequestIdFilter(logging.Filter):
    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


def _configure_logging(request_id: str) -> None:
    # Like AWS: a handler on the root logger, root level left at WARNING.
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(LOG_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter(request_id))
    logging.getLogger().addHandler(handler)


def _error(error_type: str, message: str, request_id: str, stack: list[str] | None = None) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack or []}


def _user_frames(exc: BaseException) -> list[str]:
    """The traceback without this bootstrap's own frames, formatted as AWS lists it."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    return traceback.format_list(frames)


def _log_unhandled(payload: dict[str, Any]) -> None:
    lines = [f"[ERROR] {payload['errorType']}: {payload['errorMessage']}", "Traceback (most recent call last):"]
    lines += [frame.rstrip("\n") for frame in payload["stackTrace"]]
    print("\n".join(lines), file=sys.stderr, flush=True)


def _load_handler(handler: str, request_id: str) -> tuple[Any, dict[str, Any] | None]:
    module_name, sep, func_name = handler.rpartition(".")
    if not sep or not module_name or not func_name:
        message = f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)"
        return None, _error("Runtime.MalformedHandlerName", message, request_id)
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as exc:
        message = f"Syntax error in module '{module_name}': {exc}"
        return None, _error("Runtime.UserCodeSyntaxError", message, request_id)
    except ImportError as exc:
        return None, _error("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}", request_id)
    except Exception as exc:
        return None, _error(type(exc).__name__, str(exc), request_id, _user_frames(exc))
    func = getattr(module, func_name, None)
    if func is None:
        message = f"Handler '{func_name}' missing on module '{module_name}'"
        return None, _error("Runtime.HandlerNotFound", message, request_id)
    return func, None


def _invoke(func: Any, spec: dict[str, Any], deadline_ms: int) -> dict[str, Any]:
    request_id = spec["request_id"]
    event = json.loads(spec["event"])
    try:
        returned = func(event, LambdaContext(spec, deadline_ms))
    except Exception as exc:
        return {"error": _error(type(exc).__name__, str(exc), request_id, _user_frames(exc))}
    try:
        return {"payload": json.dumps(returned)}
    except (TypeError, ValueError) as exc:
        return {"error": _error("Runtime.MarshalError", f"Unable to marshal response: {exc}", request_id)}


def _peak_memory_kb() -> int:
    # VmHWM starts afresh at exec; ru_maxrss would still count the forked server process.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(spec_path: str, control_fd: int) -> None:
    started = time.monotonic()
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    sys.path[:0] = spec["sys_path"]
    _configure_logging(spec["request_id"])

    func, failure = _load_handler(spec["handler"], spec["request_id"])
    init_ms = (time.monotonic() - started) * 1000
    os.write(control_fd, b"init\n")
    deadline_ms = int(time.time() * 1000) + int(spec["timeout_seconds"] * 1000)

    begun = time.monotonic()
    outcome = {"error": failure} if failure else _invoke(func, spec, deadline_ms)
    if "error" in outcome:
        _log_unhandled(outcome["error"])
    outcome["duration_ms"] = (time.monotonic() - begun) * 1000
    outcome["init_ms"] = init_ms
    outcome["max_rss_kb"] = _peak_memory_kb()

    tmp = spec["result_path"] + ".part"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(outcome, f)
    os.replace(tmp, spec["result_path"])
    sys.stdout.flush()
    sys.stderr.flush()
    # The response is final once written: threads the handler left behind do not keep it waiting.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
