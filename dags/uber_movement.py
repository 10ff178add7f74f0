"""
### Uber Movement travel times (seed 004): arrivals to typed Parquet

Rows replayed onto the Kinesis stream (`python -m local.sources.uber_movement.replay`, or the
HTTP ingest endpoint) are landed by Firehose as JSON lines in
`s3://<raw bucket>/uber_movement/YYYY/MM/DD/HH/` by arrival hour. The raw bucket sends every
ObjectCreated event under `uber_movement/` to an SQS queue; this DAG's asset
`uber_movement_arrivals` is watched through that queue by the Amazon provider's
`SqsSensorTrigger` (an `AssetWatcher`, run by the triggerer), so a landing starts a run within
seconds. The trigger deletes a message before Airflow records its event (at most once), so the
DAG also runs every 30 minutes as a safety net, and a run never trusts the message: it decides
from S3 what to do.

1. **find_pending_hours**: the arrival hours of the last 48 whose raw files (key -> ETag) differ
   from the files their published partition was made of (`_processed/` in the lake bucket), or
   the `hours` param; none: the run ends here, skipped.
2. **wait_for_idle_crawler**, **configure_crawler**, **crawl_raw**: the crawler keeps the raw
   table `uber_movement` current (new folders only).
3. **type_hours**: the Glue 5 Spark job `include/glue/uber_movement_travel_times.py` types those
   hours into the spec's snake_case columns, keeps each `replay_id` once (Kinesis and Firehose
   deliver at least once; a CSV may be replayed twice), quarantines rows that cannot be typed
   (`s3://<raw>/uber_movement_quarantine/arrival_hour=H/`, with the reason) and writes each hour
   into this try's attempt partition of `travel_times_attempts`.
4. **check_query**, **check_hours**: each hour holds the rows the job wrote, no replay_id twice,
   none published in another hour; then **publish_hours** switches each hour's partition of
   `travel_times` (`arrival_hour=YYYY-MM-DD-HH`, Parquet) to the attempt and **mark_processed**
   records the files each hour was made of.

One run at a time: each run sees what the previous one published. A failed run publishes one
event on the project's EventBridge bus: source `pipelines.uber_movement`, detail-type `Uber
Movement processing failed`, detail `{dag_id, run_id, target_hours, failed_tasks, error}`.
"""

from __future__ import annotations

import logging

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.providers.amazon.aws.triggers.sqs import SqsSensorTrigger
from airflow.sdk import DAG, Asset, AssetOrTimeSchedule, AssetWatcher, CronTriggerTimetable, Param, chain, task

from pipelines.athena_results import all_rows
from pipelines.crawls import crawl_tasks
from pipelines.dag_defaults import default_args
from pipelines.failure_events import failure_event
from pipelines.glue_runs import job_error_lookup, latest_report
from pipelines.partitions import attempt_id
from pipelines.paths import include_dir
from pipelines.settings import SETTINGS
from pipelines.tasks import athena_statement, fail_fast, find_attempt, publish_attempts
from pipelines.uber_movement.checks import ArrivalCheckError, verify_hours
from pipelines.uber_movement.pending import mark_processed, pending_hours
from pipelines.uber_movement.tables import (
    HOUR_PATTERN,
    JOB_TIMEOUT_MINUTES,
    RAW_PREFIX,
    REPORTS_PREFIX,
    TABLE,
    crawler_config,
    job_config,
    job_name,
    sql_params,
)

JOB = job_name(SETTINGS)
LOOKBACK_HOURS = 48  # the safety net looks this far back; older hours by the `hours` param
MAX_HOURS_PER_RUN = 24  # a backlog is worked off over several runs, oldest first
ARRIVALS = Asset(
    name="uber_movement_arrivals",
    uri=f"s3://{SETTINGS.raw_bucket}/{RAW_PREFIX}",
    watchers=[
        AssetWatcher(
            name="uber_movement_arrivals_queue",
            trigger=SqsSensorTrigger(
                sqs_queue=SETTINGS.uber_movement_queue_url,
                aws_conn_id=SETTINGS.aws_conn_id,
                region_name=SETTINGS.region,
                max_messages=10,
                num_batches=1,
                wait_time_seconds=min(SETTINGS.poll_seconds, 20),  # long polling: SQS allows up to 20 s
                waiter_delay=SETTINGS.poll_seconds,
            ),
        )
    ],
)
log = logging.getLogger(__name__)


def athena(task_id: str, sql_file: str) -> AthenaOperator:
    return athena_statement(task_id, f"uber_movement/{sql_file}", params=sql_params(SETTINGS))


def job_report(dag_run) -> dict:  # noqa: ANN001 - Airflow's DagRun
    return latest_report(dag_run, REPORTS_PREFIX, ArrivalCheckError)


with DAG(
    dag_id="uber_movement",
    description="On arrival (SQS-watched asset) and every 30 min: new Uber Movement arrival hours to typed Parquet.",
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("*/30 * * * *", timezone="UTC"), assets=ARRIVALS),
    catchup=False,
    max_active_runs=1,
    tags=["uber_movement", "glue", "kinesis", "athena"],
    doc_md=__doc__,
    default_args=default_args(),
    template_searchpath=[str(include_dir(__file__) / "sql")],
    user_defined_macros={"attempt_id": attempt_id},
    params={
        "hours": Param(
            [],
            type="array",
            items={"type": "string", "pattern": HOUR_PATTERN},
            maxItems=MAX_HOURS_PER_RUN,
            title="Arrival hours to type again (YYYY-MM-DD-HH, UTC)",
            description="Empty: the hours whose raw files changed since they were published.",
        )
    },
) as dag:

    @task.short_circuit
    def find_pending_hours(params=None, dag_run=None) -> list[str]:  # noqa: ANN001 - Airflow context
        if params["hours"]:
            return sorted(set(params["hours"]))
        s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id).get_conn()
        hours = pending_hours(
            s3, SETTINGS.raw_bucket, SETTINGS.lake_bucket, dag_run.run_after, LOOKBACK_HOURS, MAX_HOURS_PER_RUN
        )
        log.info("arrival hours to type: %s", hours or "none")
        return hours

    pending = find_pending_hours()
    wait_for_idle_crawler, configure_crawler, crawl_raw = crawl_tasks(crawler_config(SETTINGS))
    creates = [athena("create_travel_times", "01_create_travel_times.sql"),
               athena("create_travel_times_attempts", "02_create_travel_times_attempts.sql")]  # fmt: skip
    type_hours = GlueJobOperator(
        task_id="type_hours",
        job_name=JOB,
        iam_role_arn=SETTINGS.glue_role,
        create_job_kwargs=job_config(SETTINGS),
        update_config=True,  # the job's definition follows this code
        script_args={
            "--hours": "{{ ti.xcom_pull(task_ids='find_pending_hours') | join(',') }}",
            "--attempt": "{{ attempt_id() }}",
        },
        aws_conn_id=SETTINGS.aws_conn_id,
        region_name=SETTINGS.region,
        verbose=True,
        deferrable=SETTINGS.deferrable,
        job_poll_interval=SETTINGS.poll_seconds,
        waiter_delay=SETTINGS.poll_seconds,
        waiter_max_attempts=JOB_TIMEOUT_MINUTES * 60 // SETTINGS.poll_seconds,
        wait_for_completion=True,
        stop_job_run_on_kill=True,
    )
    attempt = find_attempt(TABLE)
    check_query = athena("check_query", "checks/attempt.sql")

    @task(multiple_outputs=False)
    @fail_fast(ArrivalCheckError)
    def check_hours(query_execution_id: str, hours: list[str], ti=None, dag_run=None) -> dict:  # noqa: ANN001
        # No operator returns a query's rows; the provider's hook reads them.
        figures = all_rows(AthenaHook(aws_conn_id=SETTINGS.aws_conn_id).get_query_results(query_execution_id))
        found = ti.xcom_pull(task_ids=f"find_{TABLE}_attempt")["name"]
        checked = verify_hours(figures, job_report(dag_run), hours, found)
        for hour, figures in checked["hours"].items():
            log.info("arrival hour %s: %s", hour, figures)
        return checked

    @task(multiple_outputs=False)
    def publish_hours(hours: list[str], ti=None, dag_run=None) -> dict:  # noqa: ANN001 - Airflow context
        return publish_attempts([TABLE], {TABLE: [[hour] for hour in hours]}, ti, dag_run)

    @task
    def mark_hours_processed(checked: dict, dag_run=None) -> list[str]:  # noqa: ANN001 - Airflow context
        s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id).get_conn()
        files = job_report(dag_run)["files"]
        return [mark_processed(s3, SETTINGS.lake_bucket, hour, files[hour], checked["attempt"]) for hour in files]

    checked = check_hours(check_query.output, pending)
    published = publish_hours(pending)
    chain(pending, wait_for_idle_crawler, configure_crawler, crawl_raw, creates, type_hours, attempt, check_query)
    chain(checked, published, mark_hours_processed(checked))
    failure_event(
        dag,
        source="pipelines.uber_movement",
        detail_type="Uber Movement processing failed",
        target={"target_hours": "{{ (ti.xcom_pull(task_ids='find_pending_hours') or []) | join(',') }}"},
        error_lookup=job_error_lookup(JOB, "type_hours"),
    )
