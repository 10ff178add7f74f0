"""``make demo``: start the embedded local stack, let the scheduler run every pipeline for its
latest due day (hour), print what each produced, and stop what it started.

Each pipeline is a ``DemoRun``: how to start it (prepare its input, unpause, maybe trigger),
which runs to wait for, and how to show its results.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pendulum

from deploy.report import aligned, report
from local import athena_queries
from local.airflow_env import DEFAULT_HOME
from local.postgres import LocalPostgres
from local.sources import traffic as feed
from local.sources import web_hits
from local.sources.uber_movement import replay, travel_times
from local.stack import DevStack, free_port, wait_for_dag
from pipelines.settings import SETTINGS
from pipelines.timetables import PreviousDayTimetable, PreviousHourTimetable
from pipelines.traffic.tables import PROCESSED_TABLE
from pipelines.uber_movement.tables import RAW_PREFIX as UBER_RAW_PREFIX
from pipelines.uber_movement.tables import raw_hour
from pipelines.web_hits.tables import AGGREGATES

DEMO_HOME = DEFAULT_HOME / "demo"


def latest_due_day(delay: timedelta) -> date:
    """The day a PreviousDayTimetable with ``delay`` schedules when it is unpaused now."""
    interval = PreviousDayTimetable(delay).infer_manual_data_interval(run_after=pendulum.now("UTC"))
    return interval.start.date()


def latest_due_hour() -> pendulum.DateTime:
    """The hour web_hits_hourly's timetable schedules when it is unpaused now."""
    return PreviousHourTimetable().infer_manual_data_interval(run_after=pendulum.now("UTC")).start


def athena(stack: DevStack, sql: str, database: str = SETTINGS.lake_database) -> list[list[str]]:
    """The header row, then the data rows as text ("NULL" for NULL)."""
    client = stack.client("athena")
    execution = athena_queries.run(client, sql, database, SETTINGS.athena_workgroup)
    columns, rows = athena_queries.result_rows(client, execution["QueryExecutionId"])
    return [[name for name, _ in columns], *[["NULL" if v is None else v for v in row] for row in rows]]


def table(rows: list[list[str]]) -> list[str]:
    return ["  " + line for line in aligned(rows)]


@dataclass(frozen=True)
class DemoRun:
    title: str
    start: Callable[[DevStack], None]
    wait_for: tuple[str, ...]  # DAGs whose first run must succeed
    report: Callable[[DevStack], list[str]]


def start_healthcheck(stack: DevStack) -> None:
    stack.airflow("dags", "unpause", "healthcheck")


def report_healthcheck(stack: DevStack) -> list[str]:
    listing = stack.client("s3").list_objects_v2(Bucket=SETTINGS.artifacts_bucket, Prefix="healthcheck/")
    key = listing["Contents"][0]["Key"]
    body = stack.client("s3").get_object(Bucket=SETTINGS.artifacts_bucket, Key=key)["Body"].read()
    return [f"  s3://{SETTINGS.artifacts_bucket}/{key}: {body.decode()}"]


def start_vehicle_api(stack: DevStack) -> None:
    # Processing first, so the download's asset events find it listening.
    stack.airflow("dags", "unpause", "vehicle_api_processing")
    stack.airflow("dags", "unpause", "vehicle_api_download")


def report_vehicle_api(stack: DevStack) -> list[str]:
    day = latest_due_day(timedelta(hours=1))
    prefix = f"vehicle_api/sensor-data/creation_date={day}/"
    pages = stack.client("s3").list_objects_v2(Bucket=SETTINGS.raw_bucket, Prefix=prefix).get("KeyCount", 0)
    counts = athena(
        stack,
        f"SELECT (SELECT count(*) FROM vehicles) AS vehicles, "
        f"(SELECT count(*) FROM sensor_data WHERE days = DATE '{day}') AS measurements",
    )
    analysis = athena(
        stack,
        "SELECT vehicle_type, round(average_seconds_between_measurements, 1) AS avg_seconds, vehicles "
        f"FROM measurement_intervals WHERE processed_date = '{day}' ORDER BY vehicle_type",
    )
    return [
        f"  day {day}: {pages} raw pages in s3://{SETTINGS.raw_bucket}/{prefix}",
        f"  tables in {SETTINGS.lake_database}: vehicles={counts[1][0]}, sensor_data rows for the day={counts[1][1]}",
        "  measurement_intervals (analysis of seed 001):",
        *table(analysis),
    ]


def start_traffic(stack: DevStack) -> None:
    day = latest_due_day(timedelta(hours=7, minutes=30))
    deliveries = feed.generate(day - timedelta(days=1), day + timedelta(days=1), seed=1, detector_count=12)
    keys = feed.write_objects(stack.client("s3"), SETTINGS.raw_bucket, feed.firehose_objects(deliveries, seed=1))
    print(f"   wrote {len(keys)} Firehose-style objects of generated traffic around {day}")
    stack.airflow("dags", "unpause", "traffic_batch")


def report_traffic(stack: DevStack) -> list[str]:
    day = latest_due_day(timedelta(hours=7, minutes=30))
    where = f"year = '{day:%Y}' AND month = '{day:%m}' AND day = '{day:%d}'"
    total = athena(
        stack,
        f"SELECT count(*), sum(CASE WHEN trafficjamindicator = 1 THEN 1 ELSE 0 END) FROM {PROCESSED_TABLE} WHERE {where}",
    )
    sample = athena(
        stack,
        "SELECT uniqueid, recordtimestamp, currentspeed, previousspeed, trafficjamindicator, speeddiffindicator, "
        f"round(avgspeed2minutes, 2) AS avg2, round(avgspeed10minutes, 2) AS avg10 FROM {PROCESSED_TABLE} "
        f"WHERE {where} AND avgspeed2minutes IS NOT NULL ORDER BY avgspeed2minutes, uniqueid, recordtimestamp LIMIT 5",
    )
    return [
        f"  day {day}: {total[1][0]} rows in {SETTINGS.lake_database}.{PROCESSED_TABLE}, {total[1][1]} minutes with a jam",
        "  the five slowest minutes:",
        *table(sample),
    ]


def start_web_hits(stack: DevStack) -> None:
    hour = latest_due_hour()
    keys = web_hits.write_hours(
        stack.client("s3"), SETTINGS.raw_bucket, hour.subtract(hours=1), hour.add(hours=1), 2000, 1
    )
    print(f"   wrote {len(keys)} objects of generated web hits around {hour:%Y-%m-%dT%H}")
    stack.airflow("dags", "unpause", "web_hits_hourly")


def report_web_hits(stack: DevStack) -> list[str]:
    hour = latest_due_hour()
    where = f"year = '{hour:%Y}' AND month = '{hour:%m}' AND day = '{hour:%d}' AND hour = '{hour:%H}'"
    lines = [f"  hour {hour:%Y-%m-%dT%H} in {SETTINGS.aggregated_database}, top rows of each table:"]
    for name in AGGREGATES:
        rows = athena(
            stack,
            f"SELECT * FROM {name} WHERE {where} ORDER BY hit_count DESC LIMIT 3",
            SETTINGS.aggregated_database,
        )
        lines += [f"  {name}:", *table([[cell[:60] for cell in row] for row in rows])]
    return lines


UBER_ROWS = 500


def landed_uber_hours(stack: DevStack) -> list[str]:
    pages = (
        stack.client("s3").get_paginator("list_objects_v2").paginate(Bucket=SETTINGS.raw_bucket, Prefix=UBER_RAW_PREFIX)
    )
    return sorted({hour for page in pages for o in page.get("Contents", []) if (hour := raw_hour(o["Key"]))})


def start_uber_movement(stack: DevStack) -> None:
    path = DEMO_HOME / "travel_times.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        travel_times.write_csv(out, UBER_ROWS, seed=1)
    outcome = replay.replay(stack.client("kinesis"), SETTINGS.uber_movement_stream, replay.records(path))
    print(f"   replayed {outcome.rows} rows of {path.name} onto {SETTINGS.uber_movement_stream} "
          f"({outcome.requests} PutRecords, {outcome.refused} entries put again)")  # fmt: skip
    deadline = time.monotonic() + 60
    while not landed_uber_hours(stack):  # Firehose's buffer: a few seconds on the local stack
        if time.monotonic() > deadline:
            raise TimeoutError("Firehose landed nothing in 60 s")
        time.sleep(1)
    print(
        f"   Firehose landed them in s3://{SETTINGS.raw_bucket}/{UBER_RAW_PREFIX} (arrival hours {landed_uber_hours(stack)})"
    )
    stack.airflow("dags", "unpause", "uber_movement")  # the watcher now reads the queue's ObjectCreated events


def report_uber_movement(stack: DevStack) -> list[str]:
    hours = ", ".join(f"'{h}'" for h in landed_uber_hours(stack))
    count = athena(
        stack, f"SELECT count(*), count(DISTINCT replay_id) FROM travel_times WHERE arrival_hour IN ({hours})"
    )
    sample = athena(
        stack,
        "SELECT origin_movement_id, destination_movement_id, range_start, range_end, mean_travel_time_seconds, "
        f"replay_id FROM travel_times WHERE arrival_hour IN ({hours}) ORDER BY mean_travel_time_seconds DESC LIMIT 5",
    )
    return [
        f"  {count[1][0]} rows ({count[1][1]} replay_ids) of {UBER_ROWS} replayed in {SETTINGS.lake_database}.travel_times;"
        f" the rest could not be typed (s3://{SETTINGS.raw_bucket}/uber_movement_quarantine/)",
        "  the five longest mean travel times:",
        *table(sample),
    ]


RUNS = [
    DemoRun("health check", start_healthcheck, ("healthcheck",), report_healthcheck),
    DemoRun("vehicle API", start_vehicle_api, ("vehicle_api_download", "vehicle_api_processing"), report_vehicle_api),
    DemoRun("traffic batch", start_traffic, ("traffic_batch",), report_traffic),
    DemoRun("web hits", start_web_hits, ("web_hits_hourly",), report_web_hits),
    DemoRun("Uber Movement", start_uber_movement, ("uber_movement",), report_uber_movement),
]


def first_finished_run(stack: DevStack, dag_id: str, timeout: float = 900) -> dict:
    """The DAG's first run once it has ended: its ``airflow dags list-runs`` row."""
    deadline = time.monotonic() + timeout
    wait_for_dag(stack, dag_id, timeout)
    while time.monotonic() < deadline:
        lines = stack.airflow("dags", "list-runs", dag_id, "-o", "json").stdout.strip().splitlines()
        runs = json.loads(lines[-1]) if lines else []
        if runs and runs[-1]["state"] in ("success", "failed"):
            return runs[-1]
        time.sleep(2)
    raise TimeoutError(f"{dag_id} did not finish in {timeout} s")


def main() -> None:
    # Small API pages, so the download visibly fans out into mapped Lambda tasks.
    os.environ.setdefault("PIPELINES_VEHICLE_API_PAGE_SIZE", "500")
    # Free ports and its own home, so the demo runs beside a `make run` stack; the home stays
    # afterwards for the task logs, and is emptied when the demo starts again: the runs and data
    # of an earlier demo must not count for this one (its database's files too: as root they are
    # outside the home, local.postgres).
    LocalPostgres(DEMO_HOME / "postgres", port=0).remove()
    shutil.rmtree(DEMO_HOME, ignore_errors=True)
    stack = DevStack(DEMO_HOME, aws_port=free_port(), api_port=free_port(), vehicle_api_port=free_port())
    print(f"starting the local stack (Airflow on {stack.ui_url}, local AWS on {stack.aws_endpoint}) ...")
    failures = []
    with stack:
        for run in RUNS:
            for dag_id in run.wait_for:
                wait_for_dag(stack, dag_id, timeout=900)
            started = time.monotonic()
            print(f"\n== {run.title}", flush=True)
            run.start(stack)
            states = {dag_id: first_finished_run(stack, dag_id)["state"] for dag_id in run.wait_for}
            print(f"   {', '.join(f'{d}: {s}' for d, s in states.items())} ({time.monotonic() - started:.0f} s)")
            if set(states.values()) == {"success"}:
                print("\n".join(run.report(stack)), flush=True)
            else:
                failures.append(run.title)
        # What every run above wrote to the run ledger (make report reads it the same way).
        print("\n== Run ledger (make report)", flush=True)
        print("\n".join(report(stack.client("athena"), SETTINGS, days=2, out=DEMO_HOME / "ledger-report.png")))
    print(f"\nstack stopped; task logs are in {DEMO_HOME / 'airflow' / 'logs'}")
    if failures:
        sys.exit(f"failed: {', '.join(failures)}")


if __name__ == "__main__":
    main()
