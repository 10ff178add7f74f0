"""Runs that write one day at the same time, through the real services: two manual runs and a
backfill over the same day started together (the backfill runs beside the manual runs whatever
max_active_runs says). Each run writes its own attempt and publishes it whole: the day ends
equal to the reference, never doubled, never empty."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from pipelines.settings import SETTINGS
from pipelines.traffic.tables import ATTEMPTS_TABLE
from tests.support.services import assert_day_is_exact, land_traffic, wait_for_run, wait_for_runs, why_not_green

pytestmark = pytest.mark.services
DAY = date(2020, 7, 27)  # apart from the other service tests' days


def test_two_manual_runs_and_a_backfill_of_one_day_leave_it_exact(stack):
    records = land_traffic(stack, DAY - timedelta(days=1), DAY + timedelta(days=1), seed=9)

    conf = json.dumps({"date": str(DAY)})
    for run_id in ("concurrent_a", "concurrent_b"):
        stack.airflow("dags", "trigger", "traffic_batch", "--run-id", run_id, "--conf", conf)
    stack.airflow("backfill", "create", "--dag-id", "traffic_batch", "--from-date", str(DAY), "--to-date", str(DAY))

    manual = [wait_for_run(stack, "traffic_batch", run_id, timeout=900) for run_id in ("concurrent_a", "concurrent_b")]
    backfill = [
        r for r in wait_for_runs(stack, "traffic_batch", 1, prefix="backfill__") if str(DAY) in r["logical_date"]
    ]
    assert [r["state"] for r in manual + backfill] == ["success"] * 3, why_not_green(
        stack, "traffic_batch", manual + backfill
    )
    assert_day_is_exact(stack, records, DAY)
    # What stays of the attempts: the published one, and none of the runs' earlier tries.
    glue = stack.client("glue")
    attempts = glue.get_partitions(DatabaseName=SETTINGS.lake_database, TableName=ATTEMPTS_TABLE)["Partitions"]
    published = glue.get_partition(
        DatabaseName=SETTINGS.lake_database,
        TableName="traffic_processed",
        PartitionValues=[f"{DAY:%Y}", f"{DAY:%m}", f"{DAY:%d}"],
    )["Partition"]["StorageDescriptor"]["Location"]
    of_day = [p for p in attempts if p["Values"][:3] == [f"{DAY:%Y}", f"{DAY:%m}", f"{DAY:%d}"]]
    assert published in {p["StorageDescriptor"]["Location"] for p in of_day}
