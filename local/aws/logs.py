"""Engine output into CloudWatch Logs (moto's logs backend, in this process), where AWS puts it.

Lambda invocations, Glue job runs and crawls all write through ``write_events``.
"""

from __future__ import annotations

import threading

from moto.logs.models import logs_backends

MAX_EVENT_BYTES = 256 * 1024 - 26  # CloudWatch's event size limit less its per-event overhead

# moto's log streams are not thread safe; engines write from many threads.
_lock = threading.Lock()


def write_events(account_id: str, region: str, group: str, stream: str, events: list[tuple[int, str]]) -> None:
    """Append ``(timestamp_ms, message)`` events to ``group``/``stream``, creating both when missing
    (also when there is no event).
    PutLogEvents wants chronological order: a stable sort keeps the lines of one millisecond in order."""
    ordered = sorted(events, key=lambda event: event[0])
    payload = [{"timestamp": ts, "message": message[:MAX_EVENT_BYTES]} for ts, message in ordered]
    backend = logs_backends[account_id][region]
    with _lock:
        backend.ensure_log_group(group)
        backend.ensure_log_stream(group, stream)
        if payload:
            backend.put_log_events(group, stream, payload)
