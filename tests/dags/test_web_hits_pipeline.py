"""web_hits_hourly end to end with dag.test(): generated hours in the raw bucket, two consecutive
hours aggregated and compared with an independent computation, a rerun, a late file, and the
failure path (one event on the bus, read from the local SQS queue)."""

from __future__ import annotations

import json
from collections import Counter

import pendulum
import pytest
from airflow.utils.state import DagRunState

from local.sources import web_hits as source
from pipelines.partitions import run_key
from pipelines.settings import SETTINGS
from pipelines.web_hits.tables import AGGREGATES, JOB
from tests.support.dag_runner import returned_value
from tests.support.failure_events import drain_failure_events, events_of
from tests.support.ledger import ledger_rows, rejected_by_reason, scanned_by_run
from tests.support.web_hits_reference import expected_counts, lines_of, rejected_lines
from tests.support.web_hits_tables import published, table_rows

pytestmark = [pytest.mark.pipeline, pytest.mark.spark]

FIRST, SECOND = "2024-05-01T13", "2024-05-01T14"
SEED, HITS_PER_HOUR = 7, 400


def run(dagbag, hour: str):
    return dagbag.get_dag("web_hits_hourly").test(logical_date=pendulum.now("UTC"), run_conf={"hour": hour})


def keys_under(aws, bucket: str, prefix: str) -> list[str]:
    pages = aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


@pytest.fixture(scope="module")
def files(local_aws):
    """Hours 12..15 (the runs of 13 and 14 read their neighbours), late files held back."""
    written = [
        f
        for hour in source.hours("2024-05-01T12", "2024-05-01T15")
        for f in source.hour_files(hour, HITS_PER_HOUR, SEED)
    ]
    s3 = local_aws.client("s3")
    for f in written:
        if not f.late:
            s3.put_object(Bucket=SETTINGS.raw_bucket, Key=f.key, Body=f.body)
    return written


@pytest.fixture(scope="module")
def two_hours(files, dagbag, local_aws):
    runs = [run(dagbag, FIRST), run(dagbag, SECOND)]
    return runs, {hour: published(local_aws, hour) for hour in (FIRST, SECOND)}


def on_time(files):
    return [f for f in files if not f.late]


def test_two_consecutive_hours_equal_the_reference_computation(two_hours, files):
    runs, tables = two_hours
    assert [r.state for r in runs] == [DagRunState.SUCCESS, DagRunState.SUCCESS]
    lines = list(lines_of(on_time(files)))
    for hour in (FIRST, SECOND):
        expected = expected_counts(lines, hour)
        assert sum(expected["hits_by_country"].values()) > 300
        assert tables[hour] == expected


def test_rejected_lines_are_counted_and_quarantined_with_their_reason(two_hours, files, local_aws):
    checked = returned_value("web_hits_hourly", "check_hour", two_hours[0][1].run_id)
    assert checked["hour"] == SECOND
    expected = rejected_lines(list(lines_of(on_time(files))), SECOND)
    assert checked["rejected"] == len(expected) >= source.MALFORMED_PER_HOUR + source.WITHOUT_TIMESTAMP_PER_HOUR
    prefix = "web_hits/_quarantine/year=2024/month=05/day=01/hour=14/"
    kept = [
        json.loads(line)
        for key in keys_under(local_aws, SETTINGS.raw_bucket, prefix)
        if key.endswith(".json")
        for line in local_aws.client("s3")
        .get_object(Bucket=SETTINGS.raw_bucket, Key=key)["Body"]
        .read()
        .decode()
        .splitlines()
    ]
    assert sorted((k["line"], k["reason"]) for k in kept) == sorted(expected)


def test_each_run_writes_its_ledger_rows_with_its_counts_its_job_s_dpu_seconds_and_scans(two_hours, files, local_aws):
    runs, tables = two_hours
    lines = list(lines_of(on_time(files)))
    for run_, hour in zip(runs, (FIRST, SECOND), strict=True):
        run_row, *table_rows = ledger_rows(local_aws, "web_hits_hourly", run_.run_id)
        in_folder = [line for folder, line in lines if folder == hour]
        rejected = Counter(reason for _, reason in rejected_lines(lines, hour))
        rows = {table: len(tables[hour][table]) for table in AGGREGATES}
        assert (run_row["state"], run_row["target"], run_row["rows_read"], rejected_by_reason(local_aws, run_row)) == (
            "success", hour, len(in_folder), dict(rejected),
        )  # fmt: skip
        assert run_row["rows_published"] == sum(rows.values())
        assert {t["table_name"]: t["rows_published"] for t in table_rows} == rows
        assert (run_row["athena_queries"], run_row["athena_bytes_scanned"]) == scanned_by_run(local_aws, run_)
        # One Glue job run of 2 G.1X workers: its execution time x 2 DPU, billed for 60 s at least.
        key = run_key("web_hits_hourly", run_.run_id)
        job_runs = local_aws.client("glue").get_job_runs(JobName=JOB.name(SETTINGS))["JobRuns"]
        [seconds] = [r["ExecutionTime"] for r in job_runs if r["Arguments"]["--attempt"].startswith(f"{key}-")]
        assert (run_row["glue_job_runs"], run_row["glue_dpu_seconds"]) == (1, seconds * 2)
        glue_cost = max(seconds, 60) * 2 / 3600 * 0.44
        assert run_row["cost_usd"] == pytest.approx(run_row["athena_bytes_billed"] / 2**40 * 5 + glue_cost)


def test_rerun_replaces_the_hour_exactly_and_leaves_no_files_behind(two_hours, dagbag, local_aws):
    _, tables = two_hours
    assert run(dagbag, FIRST).state == DagRunState.SUCCESS
    assert published(local_aws, FIRST) == tables[FIRST]
    for table in AGGREGATES:
        folder = f"web_hits/{table}_attempts/year=2024/month=05/day=01/hour=13/"
        attempts = {key[len(folder) :].split("/")[0] for key in keys_under(local_aws, SETTINGS.lake_bucket, folder)}
        assert len(attempts) == 1, (table, attempts)


def test_a_late_file_is_counted_when_its_hour_is_processed_again(two_hours, files, dagbag, local_aws):
    late = [f for f in files if f.late and f.key.startswith("web_hits/year=2024/month=05/day=01/hour=13/")]
    assert late
    for f in late:
        local_aws.client("s3").put_object(Bucket=SETTINGS.raw_bucket, Key=f.key, Body=f.body)
    assert run(dagbag, FIRST).state == DagRunState.SUCCESS
    with_late = expected_counts(list(lines_of([*on_time(files), *late])), FIRST)
    assert sum(with_late["hits_by_country"].values()) > sum(two_hours[1][FIRST]["hits_by_country"].values())
    assert published(local_aws, FIRST) == with_late


def test_an_hour_without_hits_succeeds_and_writes_no_partition(dagbag, local_aws):
    assert run(dagbag, "2019-01-01T00").state == DagRunState.SUCCESS
    for table in AGGREGATES:
        assert table_rows(local_aws, table, "2019-01-01T00") == []
        parts = local_aws.client("glue").get_partitions(DatabaseName=SETTINGS.aggregated_database, TableName=table)
        assert ["2019", "01", "01", "00"] not in [p["Values"] for p in parts["Partitions"]]


def test_a_failed_job_fails_the_run_and_publishes_one_event_with_the_jobs_error(files, dagbag, local_aws):
    s3 = local_aws.client("s3")
    script = s3.get_object(Bucket=SETTINGS.artifacts_bucket, Key=JOB.script_key)["Body"].read()
    s3.put_object(
        Bucket=SETTINGS.artifacts_bucket, Key=JOB.script_key, Body=b'raise RuntimeError("disk quota exceeded")\n'
    )
    try:
        result = run(dagbag, "2024-05-01T15")
    finally:
        s3.put_object(Bucket=SETTINGS.artifacts_bucket, Key=JOB.script_key, Body=script)
    assert result.state == DagRunState.FAILED
    states = {ti.task_id: ti.state for ti in result.get_task_instances()}
    assert states["aggregate_hour"] == "failed"
    assert states["publish_hour"] == "upstream_failed"
    assert states["publish_failure_event"] == "success"
    [event] = events_of(drain_failure_events(local_aws), result.run_id)
    assert (event["source"], event["detail-type"]) == ("pipelines.web_hits", "Web hits aggregation failed")
    detail = event["detail"]
    assert list(detail) == ["dag_id", "run_id", "target_hour", "failed_tasks", "error", "ledger"]
    assert detail["ledger"].startswith("failed: 0 rows published, 0 rejected, 0 read; Athena ")
    assert (detail["dag_id"], detail["target_hour"]) == ("web_hits_hourly", "2024-05-01T15")
    assert detail["failed_tasks"] == ["aggregate_hour"]
    assert "RuntimeError: disk quota exceeded" in detail["error"]


def test_a_successful_run_publishes_no_event(two_hours, local_aws):
    runs, _ = two_hours
    events = drain_failure_events(local_aws)
    assert [events_of(events, run.run_id) for run in runs] == [[], []]
