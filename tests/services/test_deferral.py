"""Every wait on AWS can be deferred, through the real services: with the Celery worker (where
the tasks parse their DAG and run) set to defer every Athena statement at once, a traffic_batch run's statements and crawl
hand their wait to the triggerer (the try's worker log says the task paused as DEFERRED; the
triggerer's own log of the try holds the trigger's start and its success event), and the run is
green on the exact day. The run is created as the UI's trigger form creates it, with a logical
date and the `date` param left empty: it processes the logical date's day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pipelines.settings import SETTINGS
from pipelines.traffic.tables import sql_params
from tests.support.services import (
    assert_day_is_exact,
    land_traffic,
    rest,
    run_day_of,
    task_log,
    task_states,
    wait_for_success,
)
from tests.support.traffic_sql import statements

pytestmark = pytest.mark.services
DAY = date(2020, 8, 3)  # apart from the other service tests' days
# The crawl and every Athena statement of the run (the day's, as the ETL's harness lists them; not
# create_tables', which runs none once the tables exist: its deferral, tests/pipelines/test_create_tables.py).
AWS_WAITS = {"crawl_raw", "check_query", *(s.name for s in statements(sql_params(SETTINGS)) if not s.ddl)}


@pytest.fixture
def every_statement_deferred(stack):
    deployed = str(stack.settings.defer_after_seconds)
    stack.restart("celery-worker", PIPELINES_DEFER_AFTER_SECONDS="0")
    yield
    stack.restart("celery-worker", PIPELINES_DEFER_AFTER_SECONDS=deployed)


def test_every_aws_wait_of_a_traffic_run_is_deferred_to_the_triggerer(stack, every_statement_deferred):
    records = land_traffic(stack, DAY - timedelta(days=1), DAY + timedelta(days=1), seed=11)
    form = {"logical_date": f"{DAY}T00:00:00Z", "conf": {"date": None}}
    run_id = rest(stack, "dags/traffic_batch/dagRuns", form)["dag_run_id"]

    wait_for_success(stack, "traffic_batch", run_id, timeout=900)
    assert run_day_of(stack, "traffic_batch", run_id) == str(DAY)
    assert_day_is_exact(stack, records, DAY)
    states = task_states(stack, "traffic_batch", run_id)
    assert AWS_WAITS <= set(states) and {states[t] for t in AWS_WAITS} == {"success"}
    for task_id in sorted(AWS_WAITS):
        worker, triggerer = task_log(stack, "traffic_batch", run_id, task_id)
        assert "Pausing task as DEFERRED" in worker, f"{task_id} waited in its worker slot"
        # The triggerer's part of the try's log: its poll through the async client, then the event.
        assert "starting" in triggerer and "Trigger fired event" in triggerer, task_id
        assert "'status': 'success'" in triggerer, task_id
