"""Defaults every pipeline DAG shares, so retries and ownership never drift between files."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pipelines.failure_events import record_error
from pipelines.settings import SETTINGS
from pipelines.worker_time import execution_ended, execution_started

OWNER = "data-platform"
# The DAGs have no start_date: Airflow creates no task instance for a logical date before a
# task's start date, so a manual run or `airflow dags test` of a past day would succeed having
# done nothing. With catchup off the scheduler starts at the latest interval all the same, and
# history is loaded by backfills and manual runs.


def default_args(**overrides: Any) -> dict[str, Any]:
    """Task defaults: two retries with exponential back-off, owned by the platform team; a
    failure's text kept for the run's failure event (pipelines.failure_events); each execution's
    worker time kept for the run ledger (pipelines.worker_time)."""
    args: dict[str, Any] = {
        "owner": OWNER,
        "retries": 2,
        "retry_delay": timedelta(seconds=SETTINGS.retry_delay_seconds),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=10),
        "on_execute_callback": execution_started,
        "on_success_callback": execution_ended,
        "on_retry_callback": execution_ended,
        "on_failure_callback": [record_error, execution_ended],
    }
    args.update(overrides)
    return args
