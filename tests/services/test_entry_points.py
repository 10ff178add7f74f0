"""A historical day through every entry point a user has, judged by the data each run produced:
`airflow dags test`, `airflow dags trigger --logical-date`, the UI trigger form's request (with
a logical date and the `date` param left empty, and with only the `date` param). The backfill
entry point is in test_backfills. The stack runs in a second region (conftest)."""

from __future__ import annotations

import json
import urllib.error
from datetime import date, timedelta

import pytest

from local.stack import wait_for_dag
from tests.support.services import assert_day_is_exact, land_traffic, rest, wait_for_success

pytestmark = pytest.mark.services
FIRST = date(2020, 7, 20)  # days apart from test_backfills' 2020-07-13..17
SEED, DETECTORS = 5, 3


@pytest.fixture(scope="module")
def traffic(stack):
    return land_traffic(stack, FIRST - timedelta(days=1), FIRST + timedelta(days=4), seed=SEED, detectors=DETECTORS)


def trigger_as_the_ui_form_does(stack, api_token: str, body: dict) -> str:
    return rest(stack, api_token, "dags/traffic_batch/dagRuns", body)["dag_run_id"]


def test_dags_test_at_a_historical_logical_date_processes_that_day(stack, traffic):
    # `dags test` runs the tasks in its own process; a scheduler also runs the tasks of any
    # running run of an unpaused DAG, so each task would run twice (README: pause it first).
    stack.airflow("dags", "pause", "traffic_batch")
    try:
        stack.airflow("dags", "test", "traffic_batch", str(FIRST), timeout=600)
    finally:
        stack.airflow("dags", "unpause", "traffic_batch")
    assert_day_is_exact(stack, traffic, FIRST)


def test_dags_trigger_with_a_historical_logical_date_processes_that_day(stack, traffic):
    day = FIRST + timedelta(days=1)
    stack.airflow("dags", "trigger", "traffic_batch", "--run-id", "cli_logical_date", "--logical-date", str(day))
    wait_for_success(stack, "traffic_batch", "cli_logical_date", timeout=600)
    assert_day_is_exact(stack, traffic, day)


def test_ui_form_with_a_logical_date_and_no_date_param_processes_the_logical_dates_day(stack, traffic, api_token):
    day = FIRST + timedelta(days=2)
    run_id = trigger_as_the_ui_form_does(stack, api_token, {"logical_date": f"{day}T00:00:00Z", "conf": {"date": None}})
    wait_for_success(stack, "traffic_batch", run_id, timeout=600)
    assert_day_is_exact(stack, traffic, day)


def test_ui_form_with_only_the_date_param_processes_that_day(stack, traffic, api_token):
    day = FIRST + timedelta(days=3)
    run_id = trigger_as_the_ui_form_does(stack, api_token, {"logical_date": None, "conf": {"date": str(day)}})
    wait_for_success(stack, "traffic_batch", run_id, timeout=600)
    assert_day_is_exact(stack, traffic, day)


def test_an_hour_that_does_not_exist_is_refused_at_trigger_time_by_the_cli_and_the_ui_forms_request(stack, api_token):
    conf = {"hour": "2024-02-30T10"}
    wait_for_dag(stack, "web_hits_hourly")
    runs_before = rest(stack, api_token, "dags/web_hits_hourly/dagRuns")["total_entries"]
    refused = stack.airflow("dags", "trigger", "web_hits_hourly", "--conf", json.dumps(conf), check=False)
    assert refused.returncode != 0
    assert "2024-02-30T10" in refused.stdout + refused.stderr
    with pytest.raises(urllib.error.HTTPError) as answer:
        rest(stack, api_token, "dags/web_hits_hourly/dagRuns", {"logical_date": None, "conf": conf})
    assert answer.value.code == 400
    assert "2024-02-30T10" in answer.value.read().decode()
    assert rest(stack, api_token, "dags/web_hits_hourly/dagRuns")["total_entries"] == runs_before  # no run created
