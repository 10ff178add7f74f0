"""Which dates a vehicle_api_processing run processes.

Airflow 3.3 queues asset-triggered runs with one row per (asset, DAG). While a run waits to be
created (vehicle_api_processing runs one at a time), the events that arrive refresh no row and
are deleted with the queue when the run is created: such a day would never be processed. A
run therefore also takes the days for which both assets have an event newer than its own
trigger time. A later run that gets the same day again reprocesses it, which is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pipelines.sql import checked_days


def dates_to_process(
    triggering: Iterable[Mapping[str, Any]],
    later_by_asset: Iterable[Iterable[Mapping[str, Any]]],
    requested: Iterable[str],
    logical_day: str | None = None,
) -> list[str]:
    """``triggering``: the extras of the run's triggering events; ``later_by_asset``: per asset,
    the extras of its events after the run's trigger time; ``requested``: the ``dates`` param,
    used when there are no events at all (a manual run); ``logical_day``: the UTC day of a
    manual run's logical date (``airflow dags test vehicle_api_processing 2020-07-14``), used
    when neither gives a date."""
    days = {extra["date"] for extra in triggering if "date" in extra}
    later = [{extra["date"] for extra in extras if "date" in extra} for extras in later_by_asset]
    if later:
        days |= set.intersection(*later)
    return checked_days(days or requested or ([logical_day] if logical_day else []))
