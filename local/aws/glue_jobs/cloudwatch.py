"""Driver output into CloudWatch Logs where Glue puts it: ``<group>/output`` and ``<group>/error``, stream = run id."""

from __future__ import annotations

import threading
import time
from typing import IO

from moto.logs.exceptions import ResourceAlreadyExistsException
from moto.logs.models import LogsBackend, logs_backends

DEFAULT_LOG_GROUP = "/aws-glue/jobs"
MAX_EVENT_BYTES = 256 * 1024 - 26  # CloudWatch's event size limit less its per-event overhead


class RunLogs:
    """Log streams of one job run in moto's logs backend (in this process, no HTTP round trip)."""

    def __init__(self, account_id: str, region: str, group_prefix: str, run_id: str) -> None:
        self.backend: LogsBackend = logs_backends[account_id][region]
        self.run_id = run_id
        self.output_group = f"{group_prefix}/output"
        self.error_group = f"{group_prefix}/error"
        self._lock = threading.Lock()
        for group in (self.output_group, self.error_group):
            try:
                self.backend.create_log_group(group, tags={})
            except ResourceAlreadyExistsException:
                pass
            self.backend.ensure_log_stream(group, run_id)

    def put(self, group: str, lines: list[str]) -> None:
        if not lines:
            return
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line[:MAX_EVENT_BYTES]} for line in lines]
        with self._lock:
            self.backend.put_log_events(group, self.run_id, events)

    def pump(self, stream: IO[str], group: str, echo: list[str] | None = None) -> threading.Thread:
        """Copy ``stream`` line by line into ``group`` in a thread (also into ``echo`` when given)."""

        def copy() -> None:
            for line in stream:
                line = line.rstrip("\n")
                if echo is not None:
                    echo.append(line)
                self.put(group, [line])

        thread = threading.Thread(target=copy, name=f"glue-logs-{self.run_id[:12]}", daemon=True)
        thread.start()
        return thread
