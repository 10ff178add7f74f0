"""Run one invocation of a Python function in its own interpreter, with AWS's limits and log lines.

Each invocation is a fresh process (a cold start every time): ``sys.executable`` of the
server, in isolated mode, with the function's code root and layers first on ``sys.path``. So
handlers get the project's Python and its installed packages (boto3 among them), not the
exact runtime named in the function's configuration.
"""

from __future__ import annotations

import json
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.aws.credentials import role_environment
from local.aws.lambda_runtime.code_cache import CodeCache
from local.aws.lambda_runtime.function import FunctionSpec
from local.aws.pace import PROFILES, Pace, hold

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
# AWS gives init its own budget, apart from the function's timeout.
INIT_LIMIT_SECONDS = 10.0


@dataclass(frozen=True)
class LogLine:
    timestamp_ms: int
    message: str


@dataclass(frozen=True)
class InvocationResult:
    request_id: str
    payload: bytes
    function_error: str | None
    log_stream: str
    log_lines: list[LogLine]

    @property
    def log_text(self) -> str:
        return "".join(f"{line.message}\n" for line in self.log_lines)


def new_log_stream_name(version: str) -> str:
    return f"{datetime.now(UTC):%Y/%m/%d}/[{version}]{uuid.uuid4().hex}"


class Invoker:
    def __init__(self, data_dir: Path, endpoint_url: str, pace: Pace = PROFILES["instant"]) -> None:
        self.pace = pace
        self._warm: set[tuple[str, str]] = set()  # function versions that had an environment (AWS's reuse)
        self.root = data_dir.resolve() / "lambda"
        self.endpoint_url = endpoint_url
        self.code = CodeCache(self.root / "code")
        self.layers = CodeCache(self.root / "layers")
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def invoke(self, fn: FunctionSpec, event: str, client_context: dict[str, Any] | None = None) -> InvocationResult:
        request_id = str(uuid.uuid4())
        log_stream = new_log_stream_name(fn.version)
        task_root = self.code.unpack(fn.code_sha256_hex, fn.code_bytes)
        layer_roots = [self.layers.unpack(layer.sha256_hex, layer.zip_bytes) for layer in fn.layers]
        with tempfile.TemporaryDirectory(prefix="invoke-", dir=self._scratch()) as scratch:
            spec_path = Path(scratch) / "spec.json"
            result_path = Path(scratch) / "result.json"
            spec_path.write_text(
                json.dumps(
                    {
                        "handler": fn.handler,
                        "event": event,
                        "request_id": request_id,
                        "invoked_function_arn": fn.arn,
                        "client_context": client_context,
                        "timeout_seconds": fn.timeout,
                        "result_path": str(result_path),
                        "sys_path": [str(task_root), *_layer_paths(layer_roots)],
                    }
                ),
                encoding="utf-8",
            )
            started, began = time.time(), time.monotonic()
            lines = [_line(f"START RequestId: {request_id} Version: {fn.version}")]
            outcome, output, exit_status = self._run(fn, spec_path, result_path, task_root, log_stream)
            lines += output
            environment = (fn.arn, fn.code_sha256_hex)
            if environment not in self._warm:  # a cold start on AWS: its init at least the pace's
                self._warm.add(environment)
                hold(began, self.pace.lambda_cold_start_seconds)
                if outcome is not None and "init_ms" in outcome:
                    outcome["init_ms"] = max(outcome["init_ms"], self.pace.lambda_cold_start_seconds * 1000)
            ended = time.time()

        timed_out = exit_status is None
        if outcome is None:
            outcome, last_words = _runtime_failure(fn, request_id, exit_status, ended)
            lines.append(last_words)
        lines.append(_line(f"END RequestId: {request_id}"))
        lines.append(_line(_report(request_id, fn, outcome, (ended - started) * 1000, timed_out)))
        if "payload" in outcome:
            return InvocationResult(request_id, outcome["payload"].encode(), None, log_stream, lines)
        payload = json.dumps(outcome["error"]).encode()
        return InvocationResult(request_id, payload, "Unhandled", log_stream, lines)

    def _scratch(self) -> Path:
        scratch = self.root / "invocations"
        scratch.mkdir(parents=True, exist_ok=True)
        return scratch

    def _run(
        self, fn: FunctionSpec, spec_path: Path, result_path: Path, task_root: Path, log_stream: str
    ) -> tuple[dict[str, Any] | None, list[LogLine], int | None]:
        """Start the runtime and enforce the timeout.

        Returns the outcome the runtime wrote (None if it wrote none), its output lines and its
        exit status (None when it was killed for running out of time).
        """
        control_read, control_write = os.pipe()
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-u", "-X", "utf8", str(BOOTSTRAP), str(spec_path), str(control_write)],
                cwd=task_root,
                env=self._environment(fn, task_root, log_stream),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(control_write,),
                start_new_session=True,  # one process group, so a timeout kills what the handler spawned too
            )
        finally:
            os.close(control_write)
        with self._lock:
            self._running.add(proc)
        output: list[LogLine] = []
        reader = threading.Thread(target=_read_lines, args=(proc, output), daemon=True)
        reader.start()
        try:
            init_done = _wait_for_init(control_read, start + INIT_LIMIT_SECONDS)
            deadline = (init_done or start + INIT_LIMIT_SECONDS) + fn.timeout
            try:
                exit_status: int | None = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                exit_status = None
        finally:
            os.close(control_read)
            _kill_group(proc)
            proc.wait()
            reader.join(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
            with self._lock:
                self._running.discard(proc)
        if exit_status is None or not result_path.exists():
            return None, output, exit_status
        return json.loads(result_path.read_text(encoding="utf-8")), output, exit_status

    def _environment(self, fn: FunctionSpec, task_root: Path, log_stream: str) -> dict[str, str]:
        tmp = self.root / "tmp" / fn.name
        tmp.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "HOME": str(tmp),
            "TMPDIR": str(tmp),
            # Keep the developer's ~/.aws profiles out of the function.
            "AWS_CONFIG_FILE": str(tmp / ".aws-config-none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp / ".aws-credentials-none"),
            "AWS_ENDPOINT_URL": self.endpoint_url,
        }
        env.update(fn.environment)
        # Reserved variables: AWS sets these whatever the function's configuration says; the
        # credentials are a session of the function's execution role.
        env.update(role_environment(fn.role, fn.name, fn.region))
        env.update(
            {
                "_HANDLER": fn.handler,
                "AWS_REGION": fn.region,
                "AWS_DEFAULT_REGION": fn.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": fn.name,
                "AWS_LAMBDA_FUNCTION_VERSION": fn.version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
                "AWS_LAMBDA_LOG_GROUP_NAME": fn.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "LAMBDA_TASK_ROOT": str(task_root),
                "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent),
            }
        )
        return env

    def stop_all(self) -> None:
        """Kill every running invocation (the server is going away)."""
        with self._lock:
            running = list(self._running)
        for proc in running:
            _kill_group(proc)


def _layer_paths(layer_roots: list[Path]) -> list[str]:
    # Where AWS's Python runtimes look inside /opt for layer content.
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    paths = []
    for root in layer_roots:
        paths += [str(root / "python"), str(root / "python" / "lib" / version / "site-packages")]
    return paths


def _runtime_failure(
    fn: FunctionSpec, request_id: str, exit_status: int | None, ended: float
) -> tuple[dict[str, Any], LogLine]:
    """The error AWS reports when the runtime gave no answer: killed at the timeout, or exited."""
    if exit_status is None:
        message = f"Task timed out after {fn.timeout:.2f} seconds"
        error = {"errorType": "Sandbox.Timedout", "errorMessage": f"RequestId: {request_id} Error: {message}"}
        return {"error": error}, _line(f"{_iso(ended)} {request_id} {message}")
    reason = f"Runtime exited with error: exit status {exit_status}"
    error = {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} Error: {reason}"}
    return {"error": error}, _line(f"RequestId: {request_id} Error: {reason}")


def _wait_for_init(control_fd: int, until: float) -> float | None:
    """Monotonic time the runtime reported init done; None when it exited or ran out of init time."""
    remaining = until - time.monotonic()
    while remaining > 0:
        ready, _, _ = select.select([control_fd], [], [], remaining)
        if ready:
            return time.monotonic() if os.read(control_fd, 64) else None
        remaining = until - time.monotonic()
    return None


def _read_lines(proc: subprocess.Popen[bytes], into: list[LogLine]) -> None:
    assert proc.stdout is not None
    for raw in proc.stdout:
        into.append(_line(raw.decode("utf-8", errors="replace").rstrip("\r\n")))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _line(message: str) -> LogLine:
    return LogLine(int(time.time() * 1000), message)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _report(request_id: str, fn: FunctionSpec, outcome: dict[str, Any], wall_ms: float, timed_out: bool) -> str:
    duration = fn.timeout * 1000 if timed_out else outcome.get("duration_ms", wall_ms)
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration:.2f} ms",
        f"Billed Duration: {math.ceil(duration)} ms",
        f"Memory Size: {fn.memory_size} MB",
        f"Max Memory Used: {math.ceil(outcome.get('max_rss_kb', 0) / 1024)} MB",
    ]
    if "init_ms" in outcome:
        parts.append(f"Init Duration: {outcome['init_ms']:.2f} ms")
    if timed_out:
        parts.append("Status: timeout")
    return "\t".join(parts)
