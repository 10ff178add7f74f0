"""uber_movement end to end with dag.test(): hand-built arrival hours typed with every column's
name and type written out here, the date range parsed, replay_ids kept once, untypable rows
quarantined; then a generated CSV replayed through Kinesis and Firehose, compared with an
independent typing of the CSV, and replayed again without a duplicate."""

from __future__ import annotations

import json
import uuid
from datetime import date

import duckdb
import pendulum
import pytest
from airflow.utils.state import DagRunState, TaskInstanceState

from local.aws.firehose import adapter as firehose
from local.sources.uber_movement import replay as producer
from local.sources.uber_movement.travel_times import write_csv
from pipelines.settings import SETTINGS
from pipelines.uber_movement.tables import JOB, QUARANTINE_PREFIX, arrival_hour, processed_key, run_hour
from tests.support.athena import athena_rows
from tests.support.dag_runner import returned_value
from tests.support.failure_events import drain_failure_events, events_of
from tests.support.ledger import ledger_rows, rejected_by_reason, scanned_by_run
from tests.support.uber_movement_reference import COLUMNS, typed_independently

pytestmark = [pytest.mark.pipeline, pytest.mark.spark]

HOUR_A, HOUR_B = "2026-11-30-10", "2026-11-30-11"


def row(replay_id: str | None, origin: object = "12", date_range: str = "1/1/2020 - 1/31/2020, Every day, Daily Average",
        mean: object = "612.5", **overrides: object) -> str:  # fmt: skip
    values = dict(zip(COLUMNS, (origin, "10 Market Street, SoMa, San Francisco", 7, "Ocean Avenue, Sunset",
                                date_range, mean, "500", "700.25"), strict=True))  # fmt: skip
    values.update(overrides)
    if replay_id is not None:
        values["replay_id"] = replay_id
    return json.dumps(values)


def land(aws, hour: str, name: str, lines: list[str]) -> None:
    key = f"uber_movement/{hour[0:4]}/{hour[5:7]}/{hour[8:10]}/{hour[11:13]}/{name}"
    aws.client("s3").put_object(Bucket=SETTINGS.raw_bucket, Key=key, Body="".join(f"{x}\n" for x in lines).encode())


def run(dagbag, hours: list[str] | None = None):
    # The conf is always given: dag.test() leaves a run's conf in the DAG's params for the next one.
    result = dagbag.get_dag("uber_movement").test(logical_date=pendulum.now("UTC"), run_conf={"hours": hours or []})
    assert result.state == DagRunState.SUCCESS
    return result


def lake(aws, hours: list[str]) -> list[dict]:
    listed = ", ".join(f"'{h}'" for h in hours)
    sql = f"SELECT * FROM travel_times WHERE arrival_hour IN ({listed}) ORDER BY replay_id"
    return athena_rows(aws, sql, database=SETTINGS.lake_database)


def quarantined(aws, hour: str) -> list[dict]:
    s3 = aws.client("s3")
    listed = s3.list_objects_v2(Bucket=SETTINGS.raw_bucket, Prefix=f"{QUARANTINE_PREFIX}arrival_hour={hour}/")
    lines = []
    for obj in listed.get("Contents", []):
        body = s3.get_object(Bucket=SETTINGS.raw_bucket, Key=obj["Key"])["Body"].read().decode()
        lines += [json.loads(x) for x in body.splitlines() if x.strip()]
    return sorted(lines, key=lambda x: x["line"])


@pytest.fixture(scope="module")
def hand_built(local_aws, dagbag):
    land(local_aws, HOUR_A, "a-1", [
        row("csv:1"),  # strings, as the CSV replay sends them
        row("api:1", origin=12, mean=612.5),  # numbers, as the ingest endpoint may
        row("csv:1"),  # Kinesis delivered it twice
        row("csv:2", date_range="12/1/2020 - 12/31/2020, Every day, Daily Average"),
        row("bad:1", mean=""),  # an empty number
        row("bad:2", date_range="2020-01-01 to 2020-01-31"),  # another date form
        row("bad:3", origin="12.5"),  # not an integer
        row(None),  # no replay_id
        '{"Origin Movement ID": 12',  # not JSON
        row("bad:4", date_range="2/30/2020 - 3/31/2020, Every day, Daily Average"),  # no such day
        row("bad:6", mean=-5),  # a negative travel time
        row("sha256:0123456789abcdef"),  # a replay_id that does not name a file's row
    ])  # fmt: skip
    land(local_aws, HOUR_B, "b-1", [row("csv:2"), row("csv:3", mean="1e3")])  # csv:2 again, an hour later
    land(local_aws, "2026-11-30-12", "c-1", [row("bad:5", mean="NaN")])  # an hour with only a bad row
    result = run(dagbag, hours=[HOUR_A, HOUR_B, "2026-11-30-12"])
    return result, returned_value("uber_movement", "check_hours", result.run_id)


def test_every_column_has_its_name_and_type_and_replay_ids_are_kept_once(local_aws, hand_built, tmp_path_factory):
    rows = lake(local_aws, [HOUR_A, HOUR_B, "2026-11-30-12"])
    assert [(r["replay_id"], r["arrival_hour"]) for r in rows] == [
        ("api:1", HOUR_A), ("csv:1", HOUR_A), ("csv:2", HOUR_A), ("csv:3", HOUR_B),
    ]  # fmt: skip
    assert rows[2] == {
        "origin_movement_id": 12,
        "origin_display_name": "10 Market Street, SoMa, San Francisco",
        "destination_movement_id": 7,
        "destination_display_name": "Ocean Avenue, Sunset",
        "date_range": "12/1/2020 - 12/31/2020, Every day, Daily Average",
        "range_start": "2020-12-01",
        "range_end": "2020-12-31",
        "mean_travel_time_seconds": 612.5,
        "lower_bound_travel_time_seconds": 500.0,
        "upper_bound_travel_time_seconds": 700.25,
        "replay_id": "csv:2",
        "arrival_hour": HOUR_A,
    }
    assert rows[3]["mean_travel_time_seconds"] == 1000.0
    table = local_aws.client("glue").get_table(DatabaseName=SETTINGS.lake_database, Name="travel_times")["Table"]
    declared = [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"] + table["PartitionKeys"]]
    assert declared == [
        ("origin_movement_id", "int"), ("origin_display_name", "string"), ("destination_movement_id", "int"),
        ("destination_display_name", "string"), ("date_range", "string"), ("range_start", "date"),
        ("range_end", "date"), ("mean_travel_time_seconds", "double"), ("lower_bound_travel_time_seconds", "double"),
        ("upper_bound_travel_time_seconds", "double"), ("replay_id", "string"), ("arrival_hour", "string"),
    ]  # fmt: skip
    assert parquet_schema(local_aws, tmp_path_factory.mktemp("parquet"), HOUR_A) == [
        ("origin_movement_id", "INTEGER"), ("origin_display_name", "VARCHAR"), ("destination_movement_id", "INTEGER"),
        ("destination_display_name", "VARCHAR"), ("date_range", "VARCHAR"), ("range_start", "DATE"),
        ("range_end", "DATE"), ("mean_travel_time_seconds", "DOUBLE"), ("lower_bound_travel_time_seconds", "DOUBLE"),
        ("upper_bound_travel_time_seconds", "DOUBLE"), ("replay_id", "VARCHAR"),
    ]  # fmt: skip


def parquet_schema(aws, folder, hour: str) -> list[tuple[str, str]]:
    """The column names and types of the Parquet file the hour's published partition holds (Snappy)."""
    glue, s3 = aws.client("glue"), aws.client("s3")
    location = glue.get_partition(DatabaseName=SETTINGS.lake_database, TableName="travel_times", PartitionValues=[hour])
    bucket, _, prefix = location["Partition"]["StorageDescriptor"]["Location"].removeprefix("s3://").partition("/")
    [key] = [
        o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"] if o["Key"].endswith(".parquet")
    ]
    assert ".snappy." in key
    s3.download_file(bucket, key, str(folder / "part.parquet"))
    described = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{folder / 'part.parquet'}')").fetchall()
    return [(name, kind) for name, kind, *_ in described]


def test_untypable_rows_are_counted_and_quarantined_with_their_reason(local_aws, hand_built):
    _, checked = hand_built
    assert checked["hours"][HOUR_A] == {
        "files": 1,
        "lines": 12,
        "rejected": 8,
        "rejected_by_reason": {
            "Mean Travel Time (Seconds) is not a finite number": 1,
            "Mean Travel Time (Seconds) is negative": 1,
            "replay_id is not '<source file>:<row number>'": 1,
            "Date Range is not 'M/D/YYYY - M/D/YYYY, ...'": 2,
            "Origin Movement ID is not an integer": 1,
            "missing replay_id": 1,
            "not a JSON object": 1,
        },
        "rows": 3,
        "duplicates_dropped": 1,
    }
    assert checked["hours"][HOUR_B] | {"rejected_by_reason": None} == {
        "files": 1, "lines": 2, "rejected": 0, "rejected_by_reason": None, "rows": 1, "duplicates_dropped": 1,
    }  # fmt: skip
    assert checked["hours"]["2026-11-30-12"]["rows"] == 0
    kept = quarantined(local_aws, HOUR_A)
    assert sorted(x["reason"] for x in kept) == sorted(
        [
            "Mean Travel Time (Seconds) is not a finite number", "Date Range is not 'M/D/YYYY - M/D/YYYY, ...'",
            "Date Range is not 'M/D/YYYY - M/D/YYYY, ...'", "Origin Movement ID is not an integer",
            "missing replay_id", "not a JSON object", "Mean Travel Time (Seconds) is negative",
            "replay_id is not '<source file>:<row number>'",
        ]
    )  # fmt: skip
    assert {x["line"] for x in kept} >= {'{"Origin Movement ID": 12', row(None)}
    assert all(x["file"].endswith("/uber_movement/2026/11/30/10/a-1") for x in kept)
    assert [x["reason"] for x in quarantined(local_aws, "2026-11-30-12")] == [
        "Mean Travel Time (Seconds) is not a finite number"
    ]
    assert lake(local_aws, ["2026-11-30-12"]) == []  # an hour with only bad rows has no partition


def test_the_run_s_ledger_row_counts_the_lines_the_rejects_by_reason_and_the_rows_typed(local_aws, hand_built):
    result, _ = hand_built
    run_row, table_row = ledger_rows(local_aws, "uber_movement", result.run_id)
    # 12 + 2 + 1 lines; 8 + 0 + 1 rejected; 3 + 1 + 0 rows (csv:1 twice in A, csv:2 again in B: dropped)
    assert (run_row["state"], run_row["target"], run_row["rows_read"], run_row["rows_published"]) == (
        "success", "2026-11-30T10,2026-11-30T11,2026-11-30T12", 15, 4,
    )  # fmt: skip
    assert rejected_by_reason(local_aws, run_row) == {
        "Mean Travel Time (Seconds) is not a finite number": 2,
        "Mean Travel Time (Seconds) is negative": 1,
        "replay_id is not '<source file>:<row number>'": 1,
        "Date Range is not 'M/D/YYYY - M/D/YYYY, ...'": 2,
        "Origin Movement ID is not an integer": 1,
        "missing replay_id": 1,
        "not a JSON object": 1,
    }
    assert (table_row["table_name"], table_row["rows_published"]) == ("travel_times", 4)
    assert (run_row["athena_queries"], run_row["athena_bytes_scanned"]) == scanned_by_run(local_aws, result)
    assert run_row["glue_job_runs"] == 1 and run_row["glue_dpu_seconds"] > 0


def test_typing_an_hour_again_replaces_it_exactly(local_aws, dagbag, hand_built):
    before = lake(local_aws, [HOUR_A, HOUR_B])
    run(dagbag, hours=[HOUR_B])
    assert lake(local_aws, [HOUR_A, HOUR_B]) == before  # csv:2 stays in A, where it was published
    assert len(quarantined(local_aws, HOUR_A)) == 8


def raw_keys(aws) -> list[str]:
    """The raw keys Firehose wrote (the hand-built ones are named by hand)."""
    pages = (
        aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=SETTINGS.raw_bucket, Prefix="uber_movement/")
    )
    keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    return [k for k in keys if SETTINGS.uber_movement_delivery_stream in k]


def replay_and_land(aws, path) -> None:
    outcome = producer.replay(aws.client("kinesis"), SETTINGS.uber_movement_stream, producer.records(path))
    assert outcome.rows > 0
    assert firehose.flush(SETTINGS.uber_movement_delivery_stream)


def test_a_replayed_csv_lands_typed_and_a_second_replay_adds_no_duplicate(local_aws, dagbag, tmp_path, hand_built):
    path = tmp_path / f"travel_times_{uuid.uuid4().hex[:6]}.csv"
    with path.open("w", newline="") as out:
        write_csv(out, 600, seed=21)
    expected, bad = typed_independently(path)
    assert bad > 0

    sqs = local_aws.client("sqs")
    queue = sqs.get_queue_url(QueueName=SETTINGS.uber_movement_queue_url.rsplit("/", 1)[1])["QueueUrl"]
    sqs.purge_queue(QueueUrl=queue)
    replay_and_land(local_aws, path)
    notified = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    assert notified and json.loads(notified[0]["Body"])["Records"][0]["eventName"].startswith("ObjectCreated:")

    first = run(dagbag)  # no hours given: the run finds the arrival hour in S3
    # The hours Firehose wrote to (the hand-built hours were typed before), as YYYY-MM-DDTHH.
    assert returned_value("uber_movement", "find_pending_hours", first.run_id) == sorted(
        {run_hour(key.split("/", 1)[1][:13].replace("/", "-")) for key in raw_keys(local_aws)}
    )
    hours = [arrival_hour(h) for h in returned_value("uber_movement", "find_pending_hours", first.run_id)]
    rows = [r for r in lake(local_aws, hours) if r["replay_id"].startswith(path.name)]
    assert {r["replay_id"]: {k: v for k, v in r.items() if k != "arrival_hour"} for r in rows} == expected
    checked = returned_value("uber_movement", "check_hours", first.run_id)
    assert sum(h["rejected"] for h in checked["hours"].values()) == bad
    s3 = local_aws.client("s3")
    assert all(s3.head_object(Bucket=SETTINGS.lake_bucket, Key=processed_key(h)) for h in hours)

    nothing = run(dagbag)  # nothing new: the run stops after finding no pending hour
    states = {ti.task_id: ti.state for ti in nothing.get_task_instances()}
    assert states["find_pending_hours"] == TaskInstanceState.SUCCESS
    assert states["type_hours"] == TaskInstanceState.SKIPPED

    replay_and_land(local_aws, path)  # the same CSV again
    second = run(dagbag)
    again = [arrival_hour(h) for h in returned_value("uber_movement", "find_pending_hours", second.run_id)]
    everything = lake(local_aws, sorted(set(hours) | set(again)))
    ours = [r["replay_id"] for r in everything if r["replay_id"].startswith(path.name)]
    assert sorted(ours) == sorted(expected)  # each once
    assert date.fromisoformat(everything[0]["range_start"]).day == 1


def test_a_failed_job_fails_the_run_publishes_one_event_and_leaves_the_hour_pending(local_aws, dagbag, hand_built):
    hour = "2026-11-30-13"
    land(local_aws, hour, "d-1", [row("fail:1")])
    s3 = local_aws.client("s3")
    script = s3.get_object(Bucket=SETTINGS.artifacts_bucket, Key=JOB.script_key)["Body"].read()
    s3.put_object(Bucket=SETTINGS.artifacts_bucket, Key=JOB.script_key, Body=b'raise RuntimeError("no space left")\n')
    drain_failure_events(local_aws)
    try:
        result = dagbag.get_dag("uber_movement").test(
            logical_date=pendulum.now("UTC"), run_conf={"hours": [run_hour(hour)]}
        )
    finally:
        s3.put_object(Bucket=SETTINGS.artifacts_bucket, Key=JOB.script_key, Body=script)
    assert result.state == DagRunState.FAILED
    states = {ti.task_id: ti.state for ti in result.get_task_instances()}
    assert (states["type_hours"], states["publish_hours"]) == ("failed", "upstream_failed")
    [event] = events_of(drain_failure_events(local_aws), result.run_id)
    assert (event["source"], event["detail-type"]) == ("pipelines.uber_movement", "Uber Movement processing failed")
    assert event["detail"]["target_hours"] == run_hour(hour) and event["detail"]["failed_tasks"] == ["type_hours"]
    assert "RuntimeError: no space left" in event["detail"]["error"]
    assert lake(local_aws, [hour]) == []
    with pytest.raises(s3.exceptions.NoSuchKey):  # not marked: the next run types it
        s3.get_object(Bucket=SETTINGS.lake_bucket, Key=processed_key(hour))
