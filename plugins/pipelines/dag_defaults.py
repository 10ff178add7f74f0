"""Defaults every pipeline DAG shares, so retries and ownership never drift between files."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum

from pipelines.settings import SETTINGS

OWNER = "data-platform"
# Scheduled DAGs start here; catchup is off, so history is loaded by explicit backfills.
START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")


def default_args(**overrides: Any) -> dict[str, Any]:
    """Task defaults: two retries with exponential back-off, owned by the platform team."""
    args: dict[str, Any] = {
        "owner": OWNER,
        "retries": 2,
        "retry_delay": timedelta(seconds=SETTINGS.retry_delay_seconds),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=10),
    }
    args.update(overrides)
    return args
