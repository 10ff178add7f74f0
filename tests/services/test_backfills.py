"""Backfills by date range through the real Airflow services of `make run`."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta

import pytest

from local.sources.vehicle_api.data import expected_records
from local.stack import DevStack, wait_for_dag
from pipelines.settings import SETTINGS
from pipelines.traffic.tables import ATTEMPTS_TABLE, PROCESSED_TABLE
from tests.support.ledger import ledger_rows
from tests.support.services import (
    assert_day_is_exact,
    dag_runs,
    land_traffic,
    rest,
    run_day_of,
    run_path,
    wait_for_run,
    wait_for_runs,
    wait_for_success,
    why_not_green,
)

pytestmark = pytest.mark.services


def backfill(stack: DevStack, dag_id: str, first: str, last: str) -> None:
    wait_for_dag(stack, dag_id)
    stack.airflow("dags", "unpause", dag_id)
    stack.airflow("backfill", "create", "--dag-id", dag_id, "--from-date", first, "--to-date", last)


DAYS = ("2026-03-01", "2026-03-02", "2026-03-03")


def processing_runs(stack: DevStack, days: tuple[str, ...]) -> list[dict]:
    """vehicle_api_processing's runs whose partition key is one of ``days``, once all have
    ended (the REST API, as the UI lists them: the CLI's list-runs shows no partition key)."""
    deadline = time.monotonic() + 600
    while True:
        runs = dag_runs(stack, "vehicle_api_processing")
        ours = [r for r in runs if r["partition_key"] in days]
        if ours and all(r["state"] in ("success", "failed") for r in ours) or time.monotonic() > deadline:
            return ours
        time.sleep(3)


def processed_days(stack: DevStack, run: dict) -> list[str]:
    path = (
        f"{run_path('vehicle_api_processing', run['dag_run_id'])}/taskInstances/resolve_dates/xcomEntries/return_value"
    )
    return rest(stack, path)["value"]


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


@pytest.mark.timeout(1800)  # above its waits' sum, so that a slow run fails naming the runs it waited for
def test_download_backfill_of_three_days_gives_one_processing_run_per_day(stack):
    wait_for_dag(stack, "vehicle_api_processing")
    stack.airflow("dags", "unpause", "vehicle_api_processing")
    backfill(stack, "vehicle_api_download", DAYS[0], DAYS[-1])

    downloads = wait_for_runs(stack, "vehicle_api_download", 3, prefix="backfill__")
    assert sorted((r["logical_date"][:10], r["state"]) for r in downloads) == [(day, "success") for day in DAYS], (
        why_not_green(stack, "vehicle_api_download", downloads)
    )
    runs = processing_runs(stack, DAYS)
    assert sorted((r["partition_key"], r["run_type"], r["state"]) for r in runs) == [
        (day, "asset_triggered", "success") for day in DAYS
    ], why_not_green(stack, "vehicle_api_processing", runs)
    for run in runs:
        assert processed_days(stack, run) == [run["partition_key"]]
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
    listing = stack.client("s3").list_objects_v2(
        Bucket=SETTINGS.raw_bucket, Prefix="vehicle_api/sensor-data/creation_date=2026-03-02/"
    )
    pages = -(-len(expected_records("sensor-data", "2026-03-02")) // stack.settings.vehicle_api_page_size)
    assert len(listing.get("Contents", [])) == pages > 1  # written again in place, not beside
    deadline = time.monotonic() + 600
    while len(runs := processing_runs(stack, DAYS)) < 4 and time.monotonic() < deadline:
        time.sleep(3)
    assert sorted((r["partition_key"], r["state"]) for r in runs) == [
        ("2026-03-01", "success"),
        ("2026-03-02", "success"),
        ("2026-03-02", "success"),
        ("2026-03-03", "success"),
    ], why_not_green(stack, "vehicle_api_processing", runs)
    latest = max((r for r in runs if r["partition_key"] == "2026-03-02"), key=lambda r: r["run_after"])
    assert processed_days(stack, latest) == ["2026-03-02"]
    for day in DAYS:
        sensor_before, intervals_before = before[day]
        sensor_after = sensor_rows(stack, day)
        as_rows = [Counter(tuple(sorted(row.items())) for row in rows) for rows in (sensor_before, sensor_after)]
        assert (as_rows[0] - as_rows[1], as_rows[1] - as_rows[0]) == (Counter(), Counter()), day
        assert intervals(stack, day) == intervals_before, day


def test_traffic_backfill_beside_manual_runs_leaves_every_day_exact(stack):
    """A backfill of three days, a run of its middle day started with it from the UI form with
    only the `date` param (two runs write that day at once: the backfill runs beside the manual
    runs whatever max_active_runs says), and a run of the day after from the CLI's `dags trigger
    --logical-date`. Each run writes its own attempt and publishes it whole: every day ends equal
    to the reference, never doubled, never empty, and each manual run processed its day."""
    first, middle, after = date(2020, 7, 14), date(2020, 7, 15), date(2020, 7, 17)
    records = land_traffic(stack, first - timedelta(days=1), after + timedelta(days=1), seed=3)
    stack.airflow(
        "backfill", "create", "--dag-id", "traffic_batch", "--from-date", str(first), "--to-date", "2020-07-16"
    )
    form = rest(stack, "dags/traffic_batch/dagRuns", {"logical_date": None, "conf": {"date": str(middle)}})
    # A logical date is one run's: the backfill's days are taken, so the CLI's run is of another.
    stack.airflow("dags", "trigger", "traffic_batch", "--run-id", "cli_logical_date", "--logical-date", str(after))

    backfill = wait_for_runs(stack, "traffic_batch", 3, prefix="backfill__", timeout=900)
    manual = [wait_for_run(stack, "traffic_batch", run_id, 900) for run_id in (form["dag_run_id"], "cli_logical_date")]
    assert sorted((r["logical_date"][:10], r["state"]) for r in backfill) == [
        ("2020-07-14", "success"),
        ("2020-07-15", "success"),
        ("2020-07-16", "success"),
    ], why_not_green(stack, "traffic_batch", backfill)
    assert [r["state"] for r in manual] == ["success"] * 2, why_not_green(stack, "traffic_batch", manual)
    assert [run_day_of(stack, "traffic_batch", r["dag_run_id"]) for r in manual] == [str(middle), str(after)]
    for day in (first, middle, date(2020, 7, 16), after):
        assert_day_is_exact(stack, records, day)
    # Each run's ledger row, under its run_after's day (a backfilled day keeps its historical
    # day); the scheduler wrote its line into the run's note as the run ended.
    for r in [*backfill, *manual]:
        run_row = ledger_rows(stack, "traffic_batch", r["dag_run_id"])[0]
        assert (run_row["state"], run_row["day"]) == ("success", r["run_after"][:10]), r
        assert r["note"].startswith(f"success: {run_row['rows_published']:,} rows published, 0 rejected"), r
    # The middle day's published partition is one of its attempts, written whole by one run.
    glue = stack.client("glue")
    values = [f"{middle:%Y}", f"{middle:%m}", f"{middle:%d}"]
    attempts = glue.get_partitions(DatabaseName=SETTINGS.lake_database, TableName=ATTEMPTS_TABLE)["Partitions"]
    published = glue.get_partition(
        DatabaseName=SETTINGS.lake_database, TableName=PROCESSED_TABLE, PartitionValues=values
    )["Partition"]["StorageDescriptor"]["Location"]
    assert published in {p["StorageDescriptor"]["Location"] for p in attempts if p["Values"][:3] == values}
