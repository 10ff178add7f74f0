"""The task builders' own logic: which errors fail a task at once, and the names tasks find each other by."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from pipelines.tasks import fail_fast, find_attempt_task_id, holder


class Deterministic(ValueError):
    pass


@fail_fast(Deterministic)
def judge(error: Exception | None) -> str:
    """Raises ``error``, else answers."""
    if error:
        raise error
    return "fine"


def test_a_listed_error_fails_at_once_and_keeps_its_message_and_cause():
    with pytest.raises(AirflowFailException, match="no rows for 2020-07-14") as failed:
        judge(Deterministic("no rows for 2020-07-14"))
    assert isinstance(failed.value.__cause__, Deterministic)


def test_any_other_error_stays_what_it_is_so_airflow_retries_it():
    with pytest.raises(ConnectionError):
        judge(ConnectionError("throttled"))
    assert judge(None) == "fine" and judge.__doc__.startswith("Raises")


def test_names_tasks_and_lock_holders_find_each_other_by():
    assert find_attempt_task_id("traffic_processed") == "find_traffic_processed_attempt"

    class Run:
        dag_id, run_id = "vehicle_api_processing", "manual__2026-03-01T00:00:00+00:00"

    assert holder(Run()) == "vehicle_api_processing/manual__2026-03-01T00:00:00+00:00"
