"""Defaults every pipeline DAG shares, so retries and ownership never drift between files."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pipelines.failure_events import record_error
from pipelines.settings import SETTINGS

OWNER = "data-platform"
# The DAGs have no start_date: Airflow creates no task instance for a logical date before a
# task's start date, so a manual run or `airflow dags test` of a past day would succeed having
# done nothing. With catchup off the scheduler starts at the latest interval all the same, and
# history is loaded by backfills and manual runs.


def default_args(**overrides: Any) -> dict[str, Any]:
    """Task defaults: two retries with exponential back-off, owned by the platform team; a
    failure's text kept for the run's failure event (pipelines.failure_events)."""
    args: dict[str, Any] = {
        "owner": OWNER,
        "retries": 2,
        "retry_delay": timedelta(seconds=SETTINGS.retry_delay_seconds),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=10),
        "on_failure_callback": record_error,
    }
    args.update(overrides)
    return args
