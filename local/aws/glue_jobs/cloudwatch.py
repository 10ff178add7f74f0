"""Driver output into CloudWatch Logs where Glue puts it: ``<group>/output`` and ``<group>/error``, stream = run id."""

from __future__ import annotations

import threading
import time
from typing import IO

from local.aws.logs import write_events

DEFAULT_LOG_GROUP = "/aws-glue/jobs"


class RunLogs:
    """Log streams of one job run (``local.aws.logs``)."""

    def __init__(self, account_id: str, region: str, group_prefix: str, run_id: str) -> None:
        self.account_id, self.region, self.run_id = account_id, region, run_id
        self.output_group = f"{group_prefix}/output"
        self.error_group = f"{group_prefix}/error"
        for group in (self.output_group, self.error_group):
            write_events(account_id, region, group, run_id, [])  # the streams exist from the start

    def put(self, group: str, lines: list[str]) -> None:
        now = int(time.time() * 1000)
        write_events(self.account_id, self.region, group, self.run_id, [(now, line) for line in lines])

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
