"""traffic_batch end to end with dag.test(): generated Firehose traffic in the raw bucket,
crawled and processed for two consecutive days, compared row by row with the independent
Python computation; then a rerun and a late record."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pendulum
import pytest
from airflow.utils.state import DagRunState

from local.sources import traffic as feed
from pipelines.settings import SETTINGS
from pipelines.traffic.tables import PROCESSED_TABLE, REJECTS_TABLE
from tests.support.athena import athena_rows
from tests.support.ledger import ledger_rows, rejected_by_reason, run_note, scanned_by_run
from tests.support.traffic_reference import arrival_hour, expected_rows, records_of, same

pytestmark = pytest.mark.pipeline

FIRST, SECOND = date(2020, 7, 14), date(2020, 7, 15)


def run(dagbag, day: date):
    return dagbag.get_dag("traffic_batch").test(logical_date=pendulum.now("UTC"), run_conf={"date": day.isoformat()})


def processed(local_aws, day: date) -> list[dict]:
    return athena_rows(
        local_aws,
        f"SELECT * FROM {PROCESSED_TABLE} WHERE year = '{day:%Y}' AND month = '{day:%m}' AND day = '{day:%d}' "
        "ORDER BY uniqueid, recordtimestamp",
    )


def assert_equal_rows(actual: list[dict], expected: list[dict]) -> None:
    assert [(r["uniqueid"], r["recordtimestamp"]) for r in actual] == [
        (r["uniqueid"], r["recordtimestamp"]) for r in expected
    ]
    assert [(a, e) for a, e in zip(actual, expected, strict=True) if not same(a, e)] == []


@pytest.fixture(scope="module")
def feed_objects(local_aws):
    deliveries = feed.generate(FIRST - timedelta(days=1), SECOND + timedelta(days=1), seed=11, detector_count=4)
    objects = list(feed.firehose_objects(deliveries, seed=11))
    feed.write_objects(local_aws.client("s3"), SETTINGS.raw_bucket, objects)
    return objects


@pytest.fixture(scope="module")
def two_days(feed_objects, dagbag, local_aws):
    runs = [run(dagbag, FIRST), run(dagbag, SECOND)]
    return runs, {day: processed(local_aws, day) for day in (FIRST, SECOND)}


def test_two_consecutive_days_equal_the_reference_computation(two_days, feed_objects):
    runs, tables = two_days
    assert [r.state for r in runs] == [DagRunState.SUCCESS, DagRunState.SUCCESS]
    for day in (FIRST, SECOND):
        expected = expected_rows(records_of(feed_objects), day)
        assert len(tables[day]) == len(expected) > 4 * 1300
        assert_equal_rows(tables[day], expected)


def records_arrived_on(objects: list[tuple[str, bytes]], day: date) -> int:
    """The non-blank lines of the objects that arrived during ``day`` (its own arrival hours)."""
    own = (f"{day:%Y}", f"{day:%m}", f"{day:%d}")
    return sum(
        1
        for key, body in objects
        if arrival_hour(key)[:3] == own
        for line in body.decode().splitlines()
        if line.strip()
    )


def test_each_run_writes_its_ledger_rows_with_its_counts_and_the_scans_athena_reported(
    two_days, feed_objects, local_aws
):
    runs, tables = two_days
    for run_, day in zip(runs, (FIRST, SECOND), strict=True):
        run_row, table_row = ledger_rows(local_aws, "traffic_batch", run_.run_id)
        figures = (run_row["state"], run_row["target"], run_row["table_name"], run_row["rows_read"],
                   run_row["rows_rejected"], rejected_by_reason(local_aws, run_row), run_row["rows_published"])  # fmt: skip
        assert figures == (
            "success",
            day.isoformat(),
            None,
            records_arrived_on(feed_objects, day),
            0,
            {},
            len(tables[day]),
        )
        assert (table_row["table_name"], table_row["rows_published"]) == (PROCESSED_TABLE, len(tables[day]))
        assert (run_row["athena_queries"], run_row["athena_bytes_scanned"]) == scanned_by_run(local_aws, run_)
        assert run_row["athena_bytes_scanned"] > 0 and run_row["athena_bytes_billed"] >= 10 * 2**20
        assert (run_row["glue_job_runs"], run_row["lambda_invocations"]) == (0, 0)
        assert 0 < run_row["worker_slot_seconds"] < (run_.end_date - run_.start_date).total_seconds()
        assert run_row["cost_usd"] == pytest.approx(run_row["athena_bytes_billed"] / 2**40 * 5.0)
        assert run_row["day"] == f"{run_.run_after:%Y-%m-%d}"
        assert run_note(run_).startswith(f"success: {len(tables[day]):,} rows published, 0 rejected")


def test_processed_partitions_are_registered_and_the_columns_are_the_spec_s(two_days, local_aws):
    glue = local_aws.client("glue")
    table = glue.get_table(DatabaseName=SETTINGS.lake_database, Name=PROCESSED_TABLE)["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == [
        "uniqueid", "recordtimestamp", "currentspeed", "bezettingsgraad", "previousspeed", "trafficjamindicator",
        "trafficintensityclass2", "trafficintensityclass3", "trafficintensityclass4", "trafficintensityclass5",
        "speeddiffindicator", "avgspeed2minutes", "avgspeed10minutes",
    ]  # fmt: skip
    partitions = glue.get_partitions(DatabaseName=SETTINGS.lake_database, TableName=PROCESSED_TABLE)["Partitions"]
    assert {tuple(p["Values"]) for p in partitions} >= {("2020", "07", "14"), ("2020", "07", "15")}


def test_rerun_leaves_the_day_identical_and_a_late_record_is_picked_up(two_days, feed_objects, dagbag, local_aws):
    again = run(dagbag, FIRST)
    assert again.state == DagRunState.SUCCESS
    # Same rows and keys; doubles equal to 1e-9 (parallel aggregation may change the last bit).
    assert_equal_rows(processed(local_aws, FIRST), two_days[1][FIRST])

    # A record of 23:59 on FIRST, for a detector minute nobody reported, lands 5 hours late.
    late = {f: 0 for f in feed.FIELDS} | {
        "unieke_id": 999,
        "lve_nr": 1,
        "tijd_waarneming": int(pendulum.datetime(2020, 7, 14, 23, 59, tz="UTC").timestamp()),
        "rekendata_bezettingsgraad": 7,
        "verkeersintensiteit_klasse2": 2,
        "voertuigsnelheid_rekenkundig_klasse2": 88,
    }
    key = "traffic/2020/07/15/04/traffic-delivery-stream-1-2020-07-15-04-59-00-late"
    local_aws.client("s3").put_object(Bucket=SETTINGS.raw_bucket, Key=key, Body=json.dumps(late) + "\n")

    assert run(dagbag, FIRST).state == DagRunState.SUCCESS

    rows = processed(local_aws, FIRST)
    assert len(rows) == len(two_days[1][FIRST]) + 1
    assert [r for r in rows if r["uniqueid"] == 999] == [
        {
            "uniqueid": 999,
            "recordtimestamp": late["tijd_waarneming"],
            "currentspeed": 88.0,
            "bezettingsgraad": 7,
            "previousspeed": None,
            "trafficjamindicator": 0,
            "trafficintensityclass2": 2,
            "trafficintensityclass3": 0,
            "trafficintensityclass4": 0,
            "trafficintensityclass5": 0,
            "speeddiffindicator": 0,
            "avgspeed2minutes": 88.0,
            "avgspeed10minutes": 88.0,
            "year": "2020",
            "month": "07",
            "day": "14",
        }
    ]


def test_poison_records_are_quarantined_and_the_day_is_published_from_the_good_ones(two_days, dagbag, local_aws):
    """A string in an int column and a truncated line: before, the INSERT failed and the day was
    left empty; now both are kept in the quarantine with their reason and the day stays whole."""
    before = processed(local_aws, SECOND)
    poison = {f: 0 for f in feed.FIELDS} | {"unieke_id": 1, "lve_nr": "one", "tijd_waarneming": 1594800000}
    key = "traffic/2020/07/15/12/traffic-delivery-stream-1-2020-07-15-12-00-00-poison"
    s3 = local_aws.client("s3")
    s3.put_object(Bucket=SETTINGS.raw_bucket, Key=key, Body=json.dumps(poison) + '\n{"unieke_id": 1, "lve_n\n')
    try:
        again = run(dagbag, SECOND)
    finally:
        s3.delete_object(Bucket=SETTINGS.raw_bucket, Key=key)

    assert again.state == DagRunState.SUCCESS
    assert_equal_rows(processed(local_aws, SECOND), before)
    quarantined = athena_rows(
        local_aws,
        f"SELECT arrival_hour, reason, line FROM {REJECTS_TABLE} "
        "WHERE year = '2020' AND month = '07' AND day = '15' ORDER BY reason",
    )
    assert quarantined == [
        {"arrival_hour": "2020071512", "reason": "lve_nr is not an int: one", "line": json.dumps(poison)},
        {"arrival_hour": "2020071512", "reason": "malformed JSON", "line": '{"unieke_id": 1, "lve_n'},
    ]
    checked = again.get_task_instance("check_day").xcom_pull(task_ids="check_day")
    assert (checked["row_count"], checked["rejected_records"]) == (len(before), 2)
    run_row = ledger_rows(local_aws, "traffic_batch", again.run_id)[0]
    assert rejected_by_reason(local_aws, run_row) == {"lve_nr is not an int": 1, "malformed JSON": 1}
    assert (run_row["rows_rejected"], run_row["rows_published"]) == (2, len(before))


def test_an_invalid_date_is_rejected_before_any_task_runs(dagbag):
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError):
        dagbag.get_dag("traffic_batch").test(logical_date=pendulum.now("UTC"), run_conf={"date": "2020-07-32"})


def test_a_day_without_raw_data_fails_loudly_and_publishes_one_failure_event(dagbag, local_aws):
    from tests.support.failure_events import drain_failure_events, events_of

    result = run(dagbag, date(2001, 1, 1))
    assert result.state == DagRunState.FAILED
    [event] = events_of(drain_failure_events(local_aws), result.run_id)
    assert (event["source"], event["detail-type"]) == ("pipelines.traffic", "Traffic batch failed")
    detail = event["detail"]
    assert (detail["dag_id"], detail["target_day"]) == ("traffic_batch", "2001-01-01")
    assert detail["failed_tasks"] == ["find_traffic_processed_attempt"]
    assert "wrote no attempt partition" in detail["error"]
    # The failed run has its ledger row, and the event carries its line.
    [run_row] = ledger_rows(local_aws, "traffic_batch", result.run_id)
    assert (run_row["state"], run_row["rows_read"], run_row["rows_published"]) == ("failed", 0, 0)
    assert detail["ledger"].startswith("failed: 0 rows published, 0 rejected, 0 read; Athena ")
    assert run_note(result) == detail["ledger"]


def test_a_day_of_less_than_half_the_usual_traffic_is_published_and_sends_one_volume_anomaly_event(dagbag, local_aws):
    """Seven earlier runs of the usual five detectors in the ledger, then a day of two: the day is
    published all the same, and one Volume anomaly event names the figures."""
    from datetime import UTC, datetime

    from pipelines import run_ledger
    from pipelines.run_ledger import Counts, RunRecord, Usage
    from tests.support.failure_events import drain_failure_events, events_of

    day = date(2020, 8, 3)

    def feed_of(detectors: int) -> list[tuple[str, bytes]]:
        deliveries = feed.generate(day - timedelta(days=1), day + timedelta(days=1), seed=5, detector_count=detectors)
        return list(feed.firehose_objects(deliveries, seed=5))

    usual = len(expected_rows(records_of(feed_of(5)), day))
    now = datetime.now(UTC)
    s3, glue = local_aws.client("s3"), local_aws.client("glue")
    for i in range(7):  # the most recent runs of the pipeline, as the ledger orders them
        seeded = RunRecord("traffic_batch", f"scheduled__usual-{i}", "2020-07-2{i}", "success",
                           now - timedelta(minutes=9), now - timedelta(seconds=i + 1), f"{now:%Y-%m-%d}", "us-east-1")  # fmt: skip
        rows = run_ledger.ledger_rows(seeded, Counts(read=usual, published={PROCESSED_TABLE: usual}), Usage())
        run_ledger.write(s3, glue, SETTINGS, seeded, rows)
    small = feed_of(2)
    feed.write_objects(s3, SETTINGS.raw_bucket, small)

    result = run(dagbag, day)

    assert result.state == DagRunState.SUCCESS
    published = expected_rows(records_of(small), day)
    assert len(processed(local_aws, day)) == len(published) < usual / 2
    [event] = events_of(drain_failure_events(local_aws), result.run_id)
    assert (event["source"], event["detail-type"]) == ("pipelines.traffic", "Volume anomaly")
    assert event["detail"] == {
        "dag_id": "traffic_batch", "run_id": result.run_id, "target": day.isoformat(),
        "rows_published": len(published), "trailing_median": float(usual), "threshold": usual * 0.5,
        "drop_ratio": 0.5, "runs_compared": 7,
    }  # fmt: skip
