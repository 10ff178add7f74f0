"""``make smoke ENV= REGION= [DAY=YYYY-MM-DD] [HOUR=YYYY-MM-DDTHH] [LOCAL=1]``: every pipeline
once on a deployed stack, and one failure event, with a PASS or FAIL line each.

It uploads sample inputs (a day of traffic, an hour of web hits, a raw Uber Movement file; the
vehicle pipeline downloads the day from the configured API), triggers each DAG for the day or
hour named as a person would from the UI's form (``conf`` = the DAG's params; a paused DAG is
unpaused for its run, which starts its schedule meanwhile, and paused again), waits, and checks
the output tables through Athena: rows for the target in every table, consistent across
tables, none duplicated. On AWS it reaches Airflow through MWAA's InvokeRestApi (your
credentials need ``airflow:InvokeRestApi``) and AWS with your session; with ``--local`` it uses
the stack ``make run`` started (its api-server and local AWS, from ``.local/ports.json``).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.config import Config

from deploy.airflow_api import AirflowApi, MwaaApi, RestApi, trigger, unpaused, wait_for_run
from local import athena_queries
from local.sources import traffic as feed
from local.sources import web_hits
from local.sources.s3_puts import put_objects
from local.sources.uber_movement.travel_times import rows as travel_time_rows
from pipelines.settings import Settings, load
from pipelines.traffic.tables import PROCESSED_TABLE, REJECTS_TABLE
from pipelines.uber_movement.tables import RAW_PREFIX as UBER_RAW_PREFIX
from pipelines.web_hits.tables import AGGREGATES

# The checks run side by side and put sample files 8 at a time: room for all their connections.
CLIENT_CONFIG = Config(max_pool_connections=64)
RUN_TIMEOUT = 1800  # seconds a run may take on AWS (Glue jobs and crawls start in a minute or more)
UBER_ROWS = 50


@dataclass(frozen=True)
class Target:
    api: AirflowApi
    client: Callable[[str], Any]  # boto3 client factory of the stack's account and region
    settings: Settings
    day: date
    hour: datetime
    tag: str  # this smoke run's id, in every run id and sample key


@dataclass(frozen=True)
class Outcome:
    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'} {self.name}: {self.detail}"


def athena(target: Target, sql: str, database: str) -> list[list[str | None]]:
    client = target.client("athena")
    execution = athena_queries.run(client, sql, database, target.settings.athena_workgroup, timeout=600)
    return athena_queries.result_rows(client, execution["QueryExecutionId"])[1]


def run_dag(target: Target, dag_id: str, conf: dict[str, Any], expect: str = "success") -> str:
    """A manual run with ``conf`` (``smoke`` has unpaused the DAG); its id once it ended in ``expect``."""
    run_id = f"smoke_{target.tag}"
    trigger(target.api, dag_id, run_id, conf)
    state = wait_for_run(target.api, dag_id, run_id, RUN_TIMEOUT)["state"]
    if state != expect:
        raise AssertionError(f"{dag_id} run {run_id} ended {state}, expected {expect}")
    return run_id


def traffic(target: Target) -> str:
    day, settings = target.day, target.settings
    deliveries = feed.generate(day - timedelta(days=1), day + timedelta(days=1), seed=7, detector_count=2)
    put_objects(target.client("s3"), settings.raw_bucket, feed.firehose_objects(deliveries, 7))
    run_dag(target, "traffic_batch", {"date": day.isoformat()})
    where = f"year = '{day:%Y}' AND month = '{day:%m}' AND day = '{day:%d}'"
    [[processed]] = athena(target, f"SELECT count(*) FROM {PROCESSED_TABLE} WHERE {where}", settings.lake_database)
    [[rejected]] = athena(target, f"SELECT count(*) FROM {REJECTS_TABLE} WHERE {where}", settings.lake_database)
    if not int(processed or 0):
        raise AssertionError(f"{PROCESSED_TABLE} has no rows for {day}")
    return f"{day}: {processed} rows in {PROCESSED_TABLE}, {rejected} in {REJECTS_TABLE}"


def web_hits_hour(target: Target) -> str:
    hour, settings = target.hour, target.settings
    files = list(web_hits.hour_files(f"{hour:%Y-%m-%dT%H}", 300, seed=7))
    put_objects(target.client("s3"), settings.raw_bucket, ((f.key, f.body) for f in files))
    run_dag(target, "web_hits_hourly", {"hour": f"{hour:%Y-%m-%dT%H}"})
    where = f"year = '{hour:%Y}' AND month = '{hour:%m}' AND day = '{hour:%d}' AND hour = '{hour:%H}'"
    totals = {
        table: int(
            athena(
                target, f"SELECT coalesce(sum(hit_count), 0) FROM {table} WHERE {where}", settings.aggregated_database
            )[0][0]
        )
        for table in AGGREGATES
    }
    if len(set(totals.values())) != 1 or not next(iter(totals.values())):
        raise AssertionError(f"hits per table differ or are none: {totals}")
    return f"{hour:%Y-%m-%dT%H}: {totals[AGGREGATES[0]]} hits in each of {', '.join(AGGREGATES)}"


def uber_movement(target: Target) -> str:
    hour, settings = target.hour, target.settings
    replay_id = f"smoke-{target.tag}.csv"
    body = "".join(
        json.dumps(dict(row, replay_id=f"{replay_id}:{n}")) + "\n"
        for n, row in enumerate(travel_time_rows(UBER_ROWS, 7), start=1)
    )
    key = f"{UBER_RAW_PREFIX}{hour:%Y/%m/%d/%H}/smoke-{target.tag}"  # Firehose's arrival-hour layout
    target.client("s3").put_object(Bucket=settings.raw_bucket, Key=key, Body=body.encode())
    run_dag(target, "uber_movement", {"hours": [f"{hour:%Y-%m-%dT%H}"]})
    [[rows, ids]] = athena(
        target,
        f"SELECT count(*), count(DISTINCT replay_id) FROM travel_times "
        f"WHERE arrival_hour = '{hour:%Y-%m-%d-%H}' AND replay_id LIKE '{replay_id}:%'",
        settings.lake_database,
    )
    if not int(rows or 0) or rows != ids or int(rows) > UBER_ROWS:
        raise AssertionError(f"{rows} rows for {ids} of the {UBER_ROWS} replayed rows")
    return f"{hour:%Y-%m-%d-%H}: {rows} of {UBER_ROWS} replayed rows typed in travel_times, none twice"


def vehicle_api(target: Target) -> str:
    day, settings = target.day, target.settings
    started = datetime.now(UTC)
    run_dag(target, "vehicle_api_download", {"date": day.isoformat()})
    # The processing run starts once both endpoints published the day (its assets' partition).
    processing = wait_for_asset_run(target, "vehicle_api_processing", day.isoformat(), started)
    if processing["state"] != "success":
        raise AssertionError(f"processing run {processing['dag_run_id']} {processing['state']}")
    [[readings]] = athena(target, f"SELECT count(*) FROM sensor_data WHERE days = DATE '{day}'", settings.lake_database)
    [[intervals]] = athena(
        target, f"SELECT count(*) FROM measurement_intervals WHERE processed_date = '{day}'", settings.lake_database
    )
    if not int(readings or 0) or not int(intervals or 0):
        raise AssertionError(f"{readings} sensor_data rows and {intervals} measurement_intervals rows for {day}")
    return f"{day}: {readings} rows in sensor_data, {intervals} in measurement_intervals"


def wait_for_asset_run(target: Target, dag_id: str, partition_key: str, after: datetime) -> dict:
    """The run the assets started for ``partition_key`` after ``after``, once it ended."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        runs = target.api.call("GET", f"/dags/{dag_id}/dagRuns", query={"limit": "100", "order_by": "-run_after"})
        for run in runs["dag_runs"]:
            created = datetime.fromisoformat(run["run_after"].replace("Z", "+00:00"))
            if run.get("partition_key") == partition_key and created >= after - timedelta(seconds=5):
                return wait_for_run(target.api, dag_id, run["dag_run_id"], max(1.0, deadline - time.monotonic()))
        time.sleep(5)
    raise TimeoutError(f"no {dag_id} run for {partition_key} in {RUN_TIMEOUT} s")


def failure_event(target: Target) -> str:
    """A run that must fail (a day never downloaded) sends exactly one event to the bus's queue."""
    run_id = run_dag(target, "vehicle_api_processing", {"dates": ["1999-01-01"]}, expect="failed")
    sqs = target.client("sqs")
    queue = sqs.get_queue_url(QueueName=target.settings.failure_queue)["QueueUrl"]
    ours: list[dict] = []
    deadline, settle = time.monotonic() + 300, None
    while time.monotonic() < (settle or deadline):
        # VisibilityTimeout 0: events of other runs stay visible to whoever else reads the queue.
        answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=5, VisibilityTimeout=0)
        for message in answer.get("Messages", []):
            event = json.loads(message["Body"])
            if event.get("detail", {}).get("run_id") == run_id:
                ours.append(event)
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
                settle = settle or time.monotonic() + 20  # a second event would arrive by then
    if len(ours) != 1:
        raise AssertionError(f"{len(ours)} failure events for {run_id} on {target.settings.failure_queue}")
    return f"run {run_id} failed and sent one '{ours[0]['detail-type']}' event from {ours[0]['source']}"


CHECKS: dict[str, Callable[[Target], str]] = {
    "traffic_batch": traffic,
    "vehicle_api": vehicle_api,
    "web_hits_hourly": web_hits_hour,
    "uber_movement": uber_movement,
    "failure event": failure_event,
}


def client_factory(make: Callable[[str], Any]) -> Callable[[str], Any]:
    """One client per service, made once (a boto3 session must not make clients from several
    threads at a time; the clients themselves are thread-safe)."""
    made: dict[str, Any] = {}
    lock = threading.Lock()

    def client(service: str) -> Any:
        with lock:
            if service not in made:
                made[service] = make(service)
            return made[service]

    return client


# Every DAG the checks run: unpaused for the smoke (a paused DAG's runs never start), and
# paused again afterwards if they were.
DAGS = ("traffic_batch", "vehicle_api_download", "vehicle_api_processing", "web_hits_hourly", "uber_movement")


def smoke(target: Target) -> list[Outcome]:
    """Every check, side by side (each pipeline's runs are independent); one Outcome each."""

    def attempt(name: str) -> Outcome:
        try:
            return Outcome(name, True, CHECKS[name](target))
        except Exception as err:  # a check's failure is its FAIL line
            return Outcome(name, False, f"{type(err).__name__}: {err}")

    with ExitStack() as dags:
        for dag_id in DAGS:
            dags.enter_context(unpaused(target.api, dag_id))
        with ThreadPoolExecutor(len(CHECKS)) as pool:
            return list(pool.map(attempt, CHECKS))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.smoke", description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", required=True)
    parser.add_argument("--region", required=True)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    parser.add_argument("--day", type=date.fromisoformat, default=yesterday, help="default: yesterday (UTC)")
    parser.add_argument("--hour", help="YYYY-MM-DDTHH, default: 12:00 of the day")
    parser.add_argument("--local", action="store_true", help="the stack make run started, not AWS")
    args = parser.parse_args(argv)
    hour = datetime.strptime(args.hour, "%Y-%m-%dT%H").replace(tzinfo=UTC) if args.hour else (
        datetime(args.day.year, args.day.month, args.day.day, 12, tzinfo=UTC)
    )  # fmt: skip
    tag = f"{datetime.now(UTC):%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:6]}"
    if args.local:
        from local.airflow_env import DEFAULT_HOME, LOCAL_USER, recorded_ports
        from local.aws.credentials import local_client

        ports = recorded_ports(DEFAULT_HOME)
        endpoint = f"http://127.0.0.1:{ports.get('aws_port', 4566)}"
        settings = load({"PIPELINES_ENV": args.env, "PIPELINES_AWS_REGION": args.region})
        api: AirflowApi = RestApi(f"http://127.0.0.1:{ports.get('api_port', 8080)}", *LOCAL_USER)
        clients = client_factory(lambda service: local_client(service, endpoint, args.region, CLIENT_CONFIG))
        target = Target(api, clients, settings, args.day, hour, tag)
    else:
        import boto3

        session = boto3.Session(region_name=args.region)
        account = session.client("sts").get_caller_identity()["Account"]
        settings = load(
            {"PIPELINES_ENV": args.env, "PIPELINES_AWS_REGION": args.region, "PIPELINES_AWS_ACCOUNT_ID": account}
        )
        api = MwaaApi(session.client("mwaa"), f"pipelines-{args.env}")
        clients = client_factory(lambda service: session.client(service, config=CLIENT_CONFIG))
        target = Target(api, clients, settings, args.day, hour, tag)
    outcomes = smoke(target)
    for outcome in outcomes:
        print(outcome.line())
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
