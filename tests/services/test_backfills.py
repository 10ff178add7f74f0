"""Backfills by date range through the real Airflow services of `make run`."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta

import pytest

from local.sources import traffic as feed
from local.sources.vehicle_api.data import expected_records
from local.stack import DevStack, wait_for_dag
from pipelines.settings import SETTINGS
from pipelines.traffic.tables import PROCESSED_TABLE
from tests.support.services import rest, wait_for_runs, wait_for_success, why_not_green
from tests.support.traffic_reference import expected_rows, records_of, same

pytestmark = pytest.mark.services


def backfill(stack: DevStack, dag_id: str, first: str, last: str) -> None:
    wait_for_dag(stack, dag_id)
    stack.airflow("dags", "unpause", dag_id)
    stack.airflow("backfill", "create", "--dag-id", dag_id, "--from-date", first, "--to-date", last)


DAYS = ("2026-03-01", "2026-03-02", "2026-03-03")


def processing_runs(stack: DevStack, token: str, days: tuple[str, ...]) -> list[dict]:
    """vehicle_api_processing's runs whose partition key is one of ``days``, once all have
    ended (the REST API, as the UI lists them: the CLI's list-runs shows no partition key)."""
    deadline = time.monotonic() + 600
    while True:
        runs = rest(stack, token, "dags/vehicle_api_processing/dagRuns?limit=100")["dag_runs"]
        ours = [r for r in runs if r["partition_key"] in days]
        if ours and all(r["state"] in ("success", "failed") for r in ours) or time.monotonic() > deadline:
            return ours
        time.sleep(3)


def processed_days(stack: DevStack, token: str, run: dict) -> list[str]:
    path = (
        f"dags/vehicle_api_processing/dagRuns/{run['dag_run_id']}/taskInstances/resolve_dates/xcomEntries/return_value"
    )
    return rest(stack, token, path)["value"]


def sensor_rows(stack: DevStack, day: str) -> list[dict]:
    from tests.support.athena import athena_rows

    return athena_rows(stack, f"SELECT * FROM sensor_data WHERE days = DATE '{day}' ORDER BY vehicle_id, timestamp")


def intervals(stack: DevStack, day: str) -> list[dict]:
    from tests.support.athena import athena_rows

    rows = athena_rows(stack, f"SELECT * FROM measurement_intervals WHERE processed_date = '{day}'")
    # An average of doubles may differ in its last bits between two computations (the engine sums
    # in parallel, in any order): compared to 9 decimals.
    rows = [{key: round(value, 9) if isinstance(value, float) else value for key, value in row.items()} for row in rows]
    return sorted(rows, key=lambda row: [str(value) for value in row.values()])


def test_download_backfill_of_three_days_gives_one_processing_run_per_day(stack, api_token):
    wait_for_dag(stack, "vehicle_api_processing")
    stack.airflow("dags", "unpause", "vehicle_api_processing")
    backfill(stack, "vehicle_api_download", DAYS[0], DAYS[-1])

    downloads = wait_for_runs(stack, "vehicle_api_download", 3, prefix="backfill__")
    assert sorted((r["logical_date"][:10], r["state"]) for r in downloads) == [(day, "success") for day in DAYS], (
        why_not_green(stack, "vehicle_api_download", downloads)
    )
    runs = processing_runs(stack, api_token, DAYS)
    assert sorted((r["partition_key"], r["run_type"], r["state"]) for r in runs) == [
        (day, "asset_triggered", "success") for day in DAYS
    ], why_not_green(stack, "vehicle_api_processing", runs)
    for run in runs:
        assert processed_days(stack, api_token, run) == [run["partition_key"]]
    for day in DAYS:
        expected = {(r["vehicle_id"], r["timestamp"]) for r in expected_records("sensor-data", day)}
        rows = sensor_rows(stack, day)
        assert len(rows) == len(expected) > 0
        assert {(r["vehicle_id"], r["timestamp"]) for r in rows} == expected
        assert intervals(stack, day), day

    # Downloading one day again: one more run, of that day only, and the tables as they were.
    before = {day: (sensor_rows(stack, day), intervals(stack, day)) for day in DAYS}
    again = "cli_download_again_2026-03-02"
    stack.airflow("dags", "trigger", "vehicle_api_download", "--run-id", again, "--conf", '{"date": "2026-03-02"}')
    wait_for_success(stack, "vehicle_api_download", again)
    deadline = time.monotonic() + 600
    while len(runs := processing_runs(stack, api_token, DAYS)) < 4 and time.monotonic() < deadline:
        time.sleep(3)
    assert sorted((r["partition_key"], r["state"]) for r in runs) == [
        ("2026-03-01", "success"),
        ("2026-03-02", "success"),
        ("2026-03-02", "success"),
        ("2026-03-03", "success"),
    ], why_not_green(stack, "vehicle_api_processing", runs)
    latest = max((r for r in runs if r["partition_key"] == "2026-03-02"), key=lambda r: r["run_after"])
    assert processed_days(stack, api_token, latest) == ["2026-03-02"]
    for day in DAYS:
        sensor_before, intervals_before = before[day]
        sensor_after = sensor_rows(stack, day)
        as_rows = [Counter(tuple(sorted(row.items())) for row in rows) for rows in (sensor_before, sensor_after)]
        assert (as_rows[0] - as_rows[1], as_rows[1] - as_rows[0]) == (Counter(), Counter()), day
        assert intervals(stack, day) == intervals_before, day


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
    ], why_not_green(stack, "traffic_batch", runs)
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

    wait_for_dag(stack, "vehicle_api_download")
    stack.airflow("dags", "unpause", "vehicle_api_download")
    run_id = "cli_download_2026-03-10"
    conf = json.dumps({"date": "2026-03-10"})
    stack.airflow("dags", "trigger", "vehicle_api_download", "--run-id", run_id, "--conf", conf)

    wait_for_success(stack, "vehicle_api_download", run_id)
    listing = stack.client("s3").list_objects_v2(
        Bucket=SETTINGS.raw_bucket, Prefix="vehicle_api/vehicles/creation_date=2026-03-10/"
    )
    written = sum(1 for _ in listing.get("Contents", []))
    assert written == -(-len(expected_records("vehicles", "2026-03-10")) // SETTINGS.vehicle_api_page_size)


def test_web_hits_backfill_of_six_hours_writes_six_exact_partitions_per_table(stack):
    from local.sources import web_hits as source
    from pipelines.web_hits.tables import AGGREGATES
    from tests.support.athena import athena_rows
    from tests.support.web_hits_reference import KEYS, expected_counts, lines_of

    files = [f for hour in source.hours("2024-05-31T23", "2024-06-01T06") for f in source.hour_files(hour, 300, 9)]
    s3 = stack.client("s3")
    for f in files:
        s3.put_object(Bucket=SETTINGS.raw_bucket, Key=f.key, Body=f.body)
    # Created while the DAG is paused, then unpaused, two hours at a time: on the stack's SQLite,
    # creating six runs of twenty tasks beside a busy scheduler can meet a lock (Airflow's clean-up
    # of the partial backfill then stops the scheduler), and four runs of parallel deferring tasks
    # at once on two cores can lose a task instance's state (README, "Working locally").
    wait_for_dag(stack, "web_hits_hourly")
    stack.airflow("dags", "pause", "web_hits_hourly")
    stack.airflow(
        "backfill", "create", "--dag-id", "web_hits_hourly",
        "--from-date", "2024-06-01T00:00:00+00:00", "--to-date", "2024-06-01T05:00:00+00:00", "--max-active-runs", "2",
    )  # fmt: skip
    stack.airflow("dags", "unpause", "web_hits_hourly")

    runs = wait_for_runs(stack, "web_hits_hourly", 6, prefix="backfill__", timeout=900)
    assert sorted((r["logical_date"][:13], r["state"]) for r in runs) == [
        (f"2024-06-01T{hour:02d}", "success") for hour in range(6)
    ], why_not_green(stack, "web_hits_hourly", runs)
    lines = list(lines_of(files))
    glue = stack.client("glue")
    for table in AGGREGATES:
        partitions = glue.get_partitions(
            DatabaseName=SETTINGS.aggregated_database, TableName=table, Expression="year = '2024' AND month = '06'"
        )["Partitions"]
        assert sorted(p["Values"][3] for p in partitions) == [f"{hour:02d}" for hour in range(6)]
        for hour in range(6):
            rows = athena_rows(
                stack,
                f"SELECT * FROM {table} WHERE year = '2024' AND month = '06' AND day = '01' AND hour = '{hour:02d}'",
                database=SETTINGS.aggregated_database,
            )
            actual = {tuple(row[key] for key in KEYS[table]): row["hit_count"] for row in rows}
            assert actual == expected_counts(lines, f"2024-06-01T{hour:02d}")[table], (table, hour)
