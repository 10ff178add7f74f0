"""Backfills by date range through the real Airflow services of `make run`."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from local.sources import traffic as feed
from local.sources.vehicle_api.data import expected_records
from local.stack import DevStack, wait_for_dag
from pipelines.settings import SETTINGS
from pipelines.traffic.tables import PROCESSED_TABLE
from tests.support.services import wait_for_runs
from tests.support.traffic_reference import expected_rows, records_of, same

pytestmark = pytest.mark.services


def backfill(stack: DevStack, dag_id: str, first: str, last: str) -> None:
    wait_for_dag(stack, dag_id)
    stack.airflow("dags", "unpause", dag_id)
    stack.airflow("backfill", "create", "--dag-id", dag_id, "--from-date", first, "--to-date", last)


def test_download_backfill_of_three_days_is_processed_downstream(stack):
    from tests.support.athena import athena_rows

    wait_for_dag(stack, "vehicle_api_processing")
    stack.airflow("dags", "unpause", "vehicle_api_processing")
    backfill(stack, "vehicle_api_download", "2026-03-01", "2026-03-03")

    downloads = wait_for_runs(stack, "vehicle_api_download", 3, prefix="backfill__")
    assert sorted((r["logical_date"][:10], r["state"]) for r in downloads) == [
        ("2026-03-01", "success"),
        ("2026-03-02", "success"),
        ("2026-03-03", "success"),
    ]
    # The asset events trigger processing, maybe for several days in one run.
    deadline = time.monotonic() + 600
    aws = stack
    while True:
        processing = wait_for_runs(stack, "vehicle_api_processing", 1)
        days = athena_rows(aws, "SELECT DISTINCT CAST(days AS varchar) AS day FROM sensor_data ORDER BY 1")
        if {"2026-03-01", "2026-03-02", "2026-03-03"} <= {d["day"] for d in days} or time.monotonic() > deadline:
            break
        time.sleep(5)
    assert {r["state"] for r in processing} == {"success"}
    for day in ("2026-03-01", "2026-03-02", "2026-03-03"):
        count = athena_rows(aws, f"SELECT count(*) AS n FROM sensor_data WHERE days = DATE '{day}'")[0]["n"]
        assert count == len({(r["vehicle_id"], r["timestamp"]) for r in expected_records("sensor-data", day)})
    analysed = athena_rows(aws, "SELECT DISTINCT processed_date FROM measurement_intervals")
    assert {"2026-03-01", "2026-03-02", "2026-03-03"} <= {r["processed_date"] for r in analysed}


def test_traffic_backfill_of_three_days_writes_three_correct_partitions(stack):
    from tests.support.athena import athena_rows

    aws = stack
    first = date(2020, 7, 14)
    deliveries = feed.generate(first - timedelta(days=1), first + timedelta(days=3), seed=3, detector_count=3)
    objects = list(feed.firehose_objects(deliveries, seed=3))
    feed.write_objects(aws.client("s3"), SETTINGS.raw_bucket, objects)

    backfill(stack, "traffic_batch", "2020-07-14", "2020-07-16")

    runs = wait_for_runs(stack, "traffic_batch", 3, prefix="backfill__")
    assert sorted((r["logical_date"][:10], r["state"]) for r in runs) == [
        ("2020-07-14", "success"),
        ("2020-07-15", "success"),
        ("2020-07-16", "success"),
    ]
    partitions = aws.client("glue").get_partitions(DatabaseName=SETTINGS.lake_database, TableName=PROCESSED_TABLE)
    assert {("2020", "07", "14"), ("2020", "07", "15"), ("2020", "07", "16")} <= {
        tuple(p["Values"]) for p in partitions["Partitions"]
    }
    for offset in range(3):
        day = first + timedelta(days=offset)
        actual = athena_rows(
            aws,
            f"SELECT * FROM {PROCESSED_TABLE} WHERE year = '{day:%Y}' AND month = '{day:%m}' AND day = '{day:%d}' "
            "ORDER BY uniqueid, recordtimestamp",
        )
        expected = expected_rows(records_of(objects), day)
        assert len(actual) == len(expected)
        assert [(a, e) for a, e in zip(actual, expected, strict=True) if not same(a, e)] == []


def test_download_triggered_from_the_cli_with_a_date_succeeds(stack):
    import json

    from tests.support.services import wait_for_run

    wait_for_dag(stack, "vehicle_api_download")
    stack.airflow("dags", "unpause", "vehicle_api_download")
    run_id = "cli_download_2026-03-10"
    conf = json.dumps({"date": "2026-03-10"})
    stack.airflow("dags", "trigger", "vehicle_api_download", "--run-id", run_id, "--conf", conf)

    assert wait_for_run(stack, "vehicle_api_download", run_id)["state"] == "success"
    listing = stack.client("s3").list_objects_v2(
        Bucket=SETTINGS.raw_bucket, Prefix="vehicle_api/vehicles/creation_date=2026-03-10/"
    )
    written = sum(1 for _ in listing.get("Contents", []))
    assert written == -(-len(expected_records("vehicles", "2026-03-10")) // SETTINGS.vehicle_api_page_size)
