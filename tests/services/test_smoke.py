"""``make smoke`` against the local stack ``make run`` starts (the same checks it makes on a
deployment, through the same REST calls; on AWS they go through MWAA's InvokeRestApi): every
pipeline's line passes, with figures equal to an independent computation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from deploy.airflow_api import RestApi
from deploy.smoke import DAGS, Target, client_factory, smoke
from local.airflow_env import LOCAL_USER
from local.sources import web_hits
from tests.support.web_hits_reference import expected_counts, lines_of

pytestmark = pytest.mark.services

DAY, HOUR = date(2021, 9, 14), datetime(2021, 9, 14, 17, tzinfo=UTC)


def test_every_pipeline_passes_the_smoke_checks_on_the_stack(stack):
    api = RestApi(stack.ui_url, *LOCAL_USER)
    paused = {dag_id: api.call("GET", f"/dags/{dag_id}")["is_paused"] for dag_id in DAGS}
    target = Target(api, client_factory(stack.client), stack.settings, DAY, HOUR, "t1")
    with stack.supervised():  # as make run: a service that exits is started again
        lines = [outcome.line() for outcome in smoke(target)]
    assert {dag_id: api.call("GET", f"/dags/{dag_id}")["is_paused"] for dag_id in DAGS} == paused  # as it found them
    assert [line.split(":", 1)[0] for line in lines] == [
        "PASS traffic_batch", "PASS vehicle_api", "PASS web_hits_hourly", "PASS uber_movement", "PASS failure event",
    ], "\n".join(lines)  # fmt: skip
    hits = int(re.search(r"2021-09-14T17: (\d+) hits", lines[2]).group(1))
    files = list(web_hits.hour_files("2021-09-14T17", 300, seed=7))
    reference = expected_counts(list(lines_of(files)), "2021-09-14T17")
    assert hits == sum(reference["hits_by_country"].values())
    assert "failed and sent one 'Vehicle API processing failed' event from pipelines.vehicle_api" in lines[4]
