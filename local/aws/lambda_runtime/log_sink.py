"""Invocation logs into CloudWatch Logs (moto's logs backend), where AWS puts a function's logs."""

from __future__ import annotations

import threading

from moto.logs.models import logs_backends

from local.aws.lambda_runtime.invoker import LogLine

# moto's log streams are not thread safe; invocations finish on many threads.
_lock = threading.Lock()


def write_logs(account_id: str, region: str, group: str, stream: str, lines: list[LogLine]) -> None:
    backend = logs_backends[account_id][region]
    # PutLogEvents wants chronological order; a stable sort keeps lines of one millisecond in order.
    ordered = sorted(lines, key=lambda line: line.timestamp_ms)
    events = [{"timestamp": line.timestamp_ms, "message": line.message} for line in ordered]
    with _lock:
        backend.ensure_log_group(group)
        backend.ensure_log_stream(group, stream)
        backend.put_log_events(group, stream, events)
