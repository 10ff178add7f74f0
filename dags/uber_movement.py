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
   the `hours` param (`YYYY-MM-DDTHH`); none: the run ends here, skipped.
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

from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.triggers.sqs import SqsSensorTrigger
from airflow.sdk import Asset, AssetOrTimeSchedule, AssetWatcher, CronTriggerTimetable, chain, task

from pipelines.recipe import pipeline_dag
from pipelines.run_targets import HOURS_TARGET
from pipelines.settings import SETTINGS
from pipelines.uber_movement.checks import ArrivalCheckError, check_hours
from pipelines.uber_movement.pending import mark_checked_hours, pending_hours
from pipelines.uber_movement.tables import JOB, RAW_PREFIX, TABLE, covered, crawler_config, run_hour

LOOKBACK_HOURS = 48  # the safety net looks this far back; older hours by the `hours` param
MAX_HOURS_PER_RUN = 24  # a backlog is worked off over several runs, oldest first
TARGET = HOURS_TARGET.asked(
    "Arrival hours to type again",
    resolved_by="find_pending_hours",
    max_items=MAX_HOURS_PER_RUN,
    description="Empty: the hours whose raw files changed since they were published.",
)
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

with pipeline_dag(
    "uber_movement",
    pipeline="uber_movement",
    target=TARGET,
    failure="Uber Movement processing failed",
    description="On arrival (SQS-watched asset) and every 30 min: new Uber Movement arrival hours to typed Parquet.",
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("*/30 * * * *", timezone="UTC"), assets=ARRIVALS),
    max_active_runs=1,
    tags=["uber_movement", "glue", "kinesis", "athena"],
    doc_md=__doc__,
) as uber_movement:

    @task.short_circuit
    def find_pending_hours(params=None, dag_run=None) -> list[str]:  # noqa: ANN001 - Airflow context
        if requested := TARGET.requested(params):
            return requested
        s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id).get_conn()
        pending = pending_hours(
            s3, SETTINGS.raw_bucket, SETTINGS.lake_bucket, dag_run.run_after, LOOKBACK_HOURS, MAX_HOURS_PER_RUN
        )
        log.info("arrival hours to type: %s", pending or "none")
        return [run_hour(hour) for hour in pending]

    @task
    def mark_hours_processed(checked: dict, dag_run=None) -> list[str]:  # noqa: ANN001 - Airflow context
        s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id).get_conn()
        return mark_checked_hours(s3, SETTINGS.lake_bucket, checked, JOB.report(dag_run))

    pending = find_pending_hours()
    crawl = uber_movement.crawl(crawler_config(SETTINGS))
    creates = uber_movement.create_tables(TABLE)
    type_hours = uber_movement.glue_job(
        "type_hours", JOB, {"--hours": "{{ run_target() | map('replace', 'T', '-') | join(',') }}"}
    )
    attempt = uber_movement.find_attempts([TABLE])
    check_query = uber_movement.sql("check_query", "checks/attempt")
    checked = uber_movement.check("check_hours", check_query, check_hours, errors=[ArrivalCheckError])
    published = uber_movement.publish([TABLE], covered, task_id="publish_hours")

    chain(pending, *crawl, creates, type_hours, attempt, check_query, checked, published, mark_hours_processed(checked))
