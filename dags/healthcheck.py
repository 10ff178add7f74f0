"""
### Health check

Proves the chain Airflow -> Amazon provider -> AWS (MWAA's or the local one) end to end:
writes a small JSON object for the run under its day (the logical date's, else the day it was
triggered) to the artifacts bucket with the provider's `S3CreateObjectOperator`, waits for it
with `S3KeySensor`, then reads it back and checks its content. A rerun overwrites its object.
"""

from __future__ import annotations

import json

from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.s3 import S3CreateObjectOperator
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor
from airflow.sdk import DAG, task
from airflow.timetables.trigger import CronTriggerTimetable

from pipelines.dag_defaults import default_args
from pipelines.settings import SETTINGS

# The run's day: its logical date's, or for a run triggered without one (`airflow dags trigger
# healthcheck`, Airflow 3's default) the day it was triggered, where `ds` is undefined.
DAY = "{{ (dag_run.logical_date or dag_run.run_after) | ds }}"
# One object per run, under its day: a manual run and the scheduled run of one day never read
# each other's object.
KEY = "healthcheck/" + DAY + "/{{ run_id }}.json"
PAYLOAD = json.dumps({"dag_id": "{{ dag.dag_id }}", "day": DAY, "run_id": "{{ run_id }}"})

with DAG(
    dag_id="healthcheck",
    description="Daily at 00:00 UTC: write, sense and read back one S3 object for the day.",
    # No start date (see pipelines.dag_defaults): run the latest due day as soon as unpaused.
    schedule=CronTriggerTimetable("0 0 * * *", timezone="UTC", run_immediately=True),
    catchup=False,
    tags=["healthcheck"],
    doc_md=__doc__,
    default_args=default_args(),
):
    write_object = S3CreateObjectOperator(
        task_id="write_object",
        aws_conn_id=SETTINGS.aws_conn_id,
        s3_bucket=SETTINGS.artifacts_bucket,
        s3_key=KEY,
        data=PAYLOAD,
        replace=True,
    )
    wait_for_object = S3KeySensor(
        task_id="wait_for_object",
        aws_conn_id=SETTINGS.aws_conn_id,
        bucket_name=SETTINGS.artifacts_bucket,
        bucket_key=KEY,
        deferrable=SETTINGS.deferrable,  # proves the triggerer's async S3 client too
        poke_interval=SETTINGS.poll_seconds,
        timeout=120,
    )

    @task(multiple_outputs=True)
    def read_back(key: str, expected: str) -> dict:
        # No operator returns an object's content; the hook is the provider's own reader.
        body = S3Hook(aws_conn_id=SETTINGS.aws_conn_id).read_key(key, SETTINGS.artifacts_bucket)
        if json.loads(body) != json.loads(expected):
            raise ValueError(f"s3://{SETTINGS.artifacts_bucket}/{key} holds {body!r}, expected {expected!r}")
        return {"uri": f"s3://{SETTINGS.artifacts_bucket}/{key}", "content": json.loads(body)}

    write_object >> wait_for_object >> read_back(KEY, PAYLOAD)
