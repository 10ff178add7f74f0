"""Which dates a vehicle_api_processing run processes.

The download DAG publishes each endpoint's asset event with the day as its partition key, and
the processing DAG is scheduled on those partitions: Airflow creates one run per day once both
endpoints have published it, with the day as the run's partition key. A rerun of a download
day publishes the day again and so gets one more run for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pipelines.sql import checked_days
from pipelines.vehicle_api.manifests import IncompleteDaysError, complete_days, incomplete_message


def dates_to_process(
    partition_key: str | None,
    requested: Iterable[str],
    logical_day: str | None = None,
) -> list[str]:
    """``partition_key``: the run's partition key (the downloaded day of an asset-triggered run,
    or one given when triggering by hand); ``requested``: the ``dates`` param of a manual run;
    ``logical_day``: the day a manual run's logical date names (``airflow dags test
    vehicle_api_processing 2020-07-14``: pipelines.run_targets), used when neither gives a date."""
    if partition_key is not None:
        return checked_days([partition_key])
    return checked_days(list(requested) or ([logical_day] if logical_day else []))


def complete_dates(
    partition_key: str | None, requested: Iterable[str], logical_day: str | None, read: Callable[[str], str | None]
) -> list[str]:
    """The run's dates (``dates_to_process``), each downloaded completely for both endpoints;
    raises ``IncompleteDaysError`` naming the others (both endpoints publish only after their
    manifest: such a day was asked for by hand)."""
    complete, incomplete, _ = complete_days(dates_to_process(partition_key, requested, logical_day), read)
    if incomplete:
        raise IncompleteDaysError(incomplete_message(incomplete))
    return complete
