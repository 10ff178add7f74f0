"""Arrival-driven runs through the real services: a CSV replayed onto Kinesis lands through
Firehose, S3 notifies the queue, the triggerer's asset watcher starts uber_movement, and the
rows are in Athena equal to the CSV typed by hand. A notification that never comes (the
bucket's notification removed while a second CSV lands) is caught up by the next run without a
message (the 30-minute safety net's code path, triggered here rather than waited for). Replaying
the first CSV again adds no row."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

import pytest

from local.sources.uber_movement import replay
from local.sources.uber_movement.travel_times import rows as travel_time_rows
from local.sources.uber_movement.travel_times import write_csv
from local.stack import wait_for_dag
from pipelines.settings import SETTINGS
from pipelines.uber_movement.tables import RAW_PREFIX, raw_hour
from tests.support.athena import athena_rows
from tests.support.kinesis import read_stream
from tests.support.services import dag_runs, rest, run_path, wait_for_run, wait_for_success, why_not_green
from tests.support.uber_movement_reference import typed_independently

pytestmark = pytest.mark.services
DAG_ID = "uber_movement"


def csv_file(folder, name: str, seed: int):
    path = folder / name
    with path.open("w", newline="") as out:
        write_csv(out, 400, seed=seed)
    return path


def raw_objects(stack) -> set[str]:
    pages = stack.client("s3").get_paginator("list_objects_v2").paginate(Bucket=SETTINGS.raw_bucket, Prefix=RAW_PREFIX)
    return {o["Key"] for page in pages for o in page.get("Contents", []) if raw_hour(o["Key"])}


def replay_and_wait_for_landing(stack, path) -> set[str]:
    """Replay ``path``; return the raw keys Firehose wrote for it, once none came for longer
    than the local stack's 5 s buffer."""
    before = raw_objects(stack)
    outcome = replay.replay(stack.client("kinesis"), SETTINGS.uber_movement_stream, replay.records(path))
    assert outcome.rows == 400
    deadline, landed, quiet_since = time.monotonic() + 60, set(), time.monotonic()
    while not landed or time.monotonic() - quiet_since < 8:
        assert time.monotonic() < deadline, f"Firehose landed {len(landed)} objects, still writing after 60 s"
        time.sleep(1)
        now = raw_objects(stack) - before
        if now != landed:
            landed, quiet_since = now, time.monotonic()
    return landed


def runs(stack) -> dict[str, dict]:
    return {r["dag_run_id"]: r for r in dag_runs(stack, DAG_ID)}


def wait_for_new_run(stack, known: set[str], prefix: str, timeout: float = 300) -> dict:
    """The first run started after ``known`` whose id starts with ``prefix``, once it ended."""
    deadline = time.monotonic() + timeout
    while True:
        new = [r for run_id, r in runs(stack).items() if run_id not in known and run_id.startswith(prefix)]
        if new:
            return wait_for_run(stack, DAG_ID, new[0]["dag_run_id"], timeout=timeout)
        assert time.monotonic() < deadline, f"no {prefix} run of {DAG_ID} in {timeout} s"
        time.sleep(2)


def notified_keys(stack, run_id: str) -> set[str]:
    """The S3 keys named by the queue messages whose asset events started ``run_id`` (S3's test
    event, which names none, counts for nothing)."""
    path = f"{run_path(DAG_ID, run_id)}/upstreamAssetEvents"
    keys = set()
    for event in rest(stack, path)["asset_events"]:
        for message in event["extra"]["payload"]["message_batch"]:
            for record in json.loads(message["Body"]).get("Records", []):
                keys.add(urllib.parse.unquote_plus(record["s3"]["object"]["key"]))
    return keys


def wait_for_runs_notified_of(stack, known: set[str], keys: set[str], timeout: float = 300) -> list[dict]:
    """The asset-triggered runs started after ``known`` once, between them, their messages named
    every one of ``keys`` and they all ended. Runs started by other messages (S3's test event
    when the notification was set) are not mistaken for the ones these files started."""
    deadline, unseen = time.monotonic() + timeout, set(keys)
    while True:
        new = [r for run_id, r in runs(stack).items() if run_id not in known and run_id.startswith("asset_triggered__")]
        for run in new:
            unseen -= notified_keys(stack, run["dag_run_id"])
        if not unseen:
            return [wait_for_run(stack, DAG_ID, r["dag_run_id"], timeout=timeout) for r in new]
        assert time.monotonic() < deadline, f"no run of {DAG_ID} was notified of {sorted(unseen)} in {timeout} s"
        time.sleep(2)


def lake_rows(stack, source: str) -> list[dict]:
    sql = f"SELECT * FROM travel_times WHERE replay_id LIKE '{source}:%' ORDER BY replay_id"
    return athena_rows(stack, sql, database=SETTINGS.lake_database)


def assert_lake_holds(stack, path) -> None:
    expected, _ = typed_independently(path)
    rows = lake_rows(stack, path.name)
    assert {r["replay_id"]: {k: v for k, v in r.items() if k != "arrival_hour"} for r in rows} == expected
    assert len(rows) == len(expected)  # each replay_id once


def wait_until_idle(stack) -> set[str]:
    deadline = time.monotonic() + 300
    while True:
        current = runs(stack)
        if all(r["state"] in ("success", "failed") for r in current.values()):
            return set(current)
        assert time.monotonic() < deadline, "uber_movement runs did not end"
        time.sleep(2)


def test_arrivals_start_runs_a_lost_notification_is_caught_up_and_a_second_replay_adds_nothing(stack, tmp_path):
    wait_for_dag(stack, DAG_ID)
    stack.airflow("dags", "unpause", DAG_ID)
    known = wait_until_idle(stack)

    first = csv_file(tmp_path, "arrivals_a.csv", seed=41)
    landed = replay_and_wait_for_landing(stack, first)
    notified = wait_for_runs_notified_of(stack, known, landed)
    assert {r["state"] for r in notified} == {"success"}, why_not_green(stack, DAG_ID, notified)
    wait_until_idle(stack)
    assert_lake_holds(stack, first)
    known = wait_until_idle(stack)

    s3 = stack.client("s3")
    notifications = s3.get_bucket_notification_configuration(Bucket=SETTINGS.raw_bucket)
    notifications.pop("ResponseMetadata")
    s3.put_bucket_notification_configuration(Bucket=SETTINGS.raw_bucket, NotificationConfiguration={})
    try:
        second = csv_file(tmp_path, "arrivals_b.csv", seed=42)
        replay_and_wait_for_landing(stack, second)  # no message: the watcher has nothing to see
        time.sleep(5)
        assert not [r for r in set(runs(stack)) - known if r.startswith("asset_triggered__")]
        stack.airflow("dags", "trigger", DAG_ID, "--run-id", "safety-net")  # a run without a message
        wait_for_success(stack, DAG_ID, "safety-net", timeout=300)
        assert_lake_holds(stack, second)
    finally:
        s3.put_bucket_notification_configuration(Bucket=SETTINGS.raw_bucket, NotificationConfiguration=notifications)
    # Setting a configuration makes S3 send a test event, as on AWS: one more run, with nothing to do.
    wait_for_new_run(stack, known, "asset_triggered__")
    known = wait_until_idle(stack)

    landed = replay_and_wait_for_landing(stack, first)  # the same rows again, new files
    notified = wait_for_runs_notified_of(stack, known, landed)
    assert {r["state"] for r in notified} == {"success"}, why_not_green(stack, DAG_ID, notified)
    wait_until_idle(stack)
    assert_lake_holds(stack, first)
    assert_lake_holds(stack, second)


def test_the_stacks_ingest_endpoint_puts_posted_rows_on_the_stream(stack):
    rows = [dict(row, replay_id=f"ingest.csv:{n}") for n, row in enumerate(travel_time_rows(3, seed=43), start=1)]
    request = urllib.request.Request(f"{stack.ingest_url}/rows", data=json.dumps(rows).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert json.load(answer) == {"written": 3, "replay_ids": ["ingest.csv:1", "ingest.csv:2", "ingest.csv:3"]}
    on_stream = [r for r in read_stream(stack.client("kinesis"), SETTINGS.uber_movement_stream) if r in rows]
    assert sorted(on_stream, key=lambda r: r["replay_id"]) == rows
