"""A historical day through `airflow dags test`, judged by the data the run produced, and an
impossible hour refused at trigger time by the CLI and the UI form's request. The other entry
points are proved by the runs they create, where those runs are needed anyway: `dags trigger
--logical-date` and the UI form with only the `date` param in test_backfills (beside a backfill,
the form's run of a day the backfill writes too), the UI form with a logical date and no `date` param in test_deferral, the
backfill in test_backfills. The stack runs in a second region (conftest)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from deploy.airflow_api import AirflowApiError
from local.stack import wait_for_dag
from tests.support.services import assert_day_is_exact, land_traffic, rest

pytestmark = pytest.mark.services
DAY = date(2020, 7, 20)  # apart from the other service tests' days


def test_dags_test_at_a_historical_logical_date_processes_that_day(stack):
    records = land_traffic(stack, DAY - timedelta(days=1), DAY + timedelta(days=1), seed=5)
    # `dags test` runs the tasks in its own process; a scheduler also runs the tasks of any
    # running run of an unpaused DAG, so each task would run twice (docs/troubleshooting.md: pause it first).
    stack.airflow("dags", "pause", "traffic_batch")
    try:
        stack.airflow("dags", "test", "traffic_batch", str(DAY), timeout=600)
    finally:
        stack.airflow("dags", "unpause", "traffic_batch")
    assert_day_is_exact(stack, records, DAY)


def test_an_hour_that_does_not_exist_is_refused_at_trigger_time_by_the_cli_and_the_ui_forms_request(stack):
    conf = {"hour": "2024-02-30T10"}
    wait_for_dag(stack, "web_hits_hourly")
    runs_before = rest(stack, "dags/web_hits_hourly/dagRuns")["total_entries"]
    refused = stack.airflow("dags", "trigger", "web_hits_hourly", "--conf", json.dumps(conf), check=False)
    assert refused.returncode != 0
    assert "2024-02-30T10" in refused.stdout + refused.stderr
    with pytest.raises(AirflowApiError) as answer:
        rest(stack, "dags/web_hits_hourly/dagRuns", {"logical_date": None, "conf": conf})
    assert answer.value.status == 400
    assert "2024-02-30T10" in answer.value.answer
    assert rest(stack, "dags/web_hits_hourly/dagRuns")["total_entries"] == runs_before  # no run created
