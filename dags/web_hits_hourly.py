"""
### Web hits, hourly aggregates (seed 002)

Hourly, for the previous UTC hour H = [H:00, H+1:00), starting at H+1:10: the ten minutes
let the files of H that land late (a writer flushing its last buffer) arrive first. A manual
run processes the `hour` param (`YYYY-MM-DDTHH`, the seed's `target_datetime`), else the hour
its logical date names (`pipelines.run_targets`) (`airflow dags test web_hits_hourly 2024-05-01T13:00:00+00:00`).

1. **create_tables** (Athena DDL from `include/sql/web_hits/` for the tables the catalog does not
   hold yet): the raw table `web_hits` in the raw database, the three aggregates and their
   attempts tables in the aggregated database; **add_raw_partitions**: the raw table's hour
   partitions H-1, H, H+1.
2. **aggregate_hour**: the Glue 5 Spark job `include/glue/web_hits_aggregates.py`, created or
   updated from this code (`GlueJobOperator`, its logs in the task log; waiting on it is
   deferred to the triggerer). It counts the hits of H by their UTC Timestamp three ways,
   writes each aggregate into this try's attempt partition, quarantines the lines that are no
   hit with their reason (`s3://<raw>/web_hits/_quarantine/year=/month=/day=/hour=/`) and
   reports its figures.
3. **check_hour**: through Athena, each attempt adds up to the hits the job counted, has the
   job's row count, and no key twice; only then **publish_hour** switches H's partition of
   each table to its attempt (one Glue call each): a rerun replaces H exactly, readers never
   see a half-written hour, an hour without hits has no partition.

When a task fails, **describe_failure** and **publish_failure_event** put one event on the
project's EventBridge bus: source `pipelines.web_hits`, detail-type `Web hits aggregation
failed`, detail `{dag_id, run_id, target_hour, failed_tasks, error}` (the Glue job's own error
message when the job failed). The run still ends failed.
"""

from __future__ import annotations

from airflow.sdk import chain

from pipelines.recipe import pipeline_dag
from pipelines.run_targets import HOUR_TARGET
from pipelines.settings import SETTINGS
from pipelines.timetables import PreviousHourTimetable
from pipelines.web_hits.checks import HourCheckError, check_hour
from pipelines.web_hits.tables import AGGREGATES, JOB, covered

MAX_HOURS_AT_ONCE = 4  # hours are independent: a backfill runs a few at once, each with its job run

with pipeline_dag(
    "web_hits_hourly",
    pipeline="web_hits",
    target=HOUR_TARGET.asked("Hour to process"),
    failure="Web hits aggregation failed",
    database=SETTINGS.aggregated_database,
    description="Hourly at :10 for the previous UTC hour: Glue Spark job counting web hits three ways.",
    schedule=PreviousHourTimetable(),
    max_active_runs=MAX_HOURS_AT_ONCE,
    tags=["web_hits", "glue", "athena"],
    doc_md=__doc__,
) as web_hits:
    raw_partitions = web_hits.sql("add_raw_partitions", database=SETTINGS.raw_database)
    creates = web_hits.create_tables(*AGGREGATES, template="create_aggregate", statements=["create_raw_table"])
    aggregate_hour = web_hits.glue_job(
        "aggregate_hour", JOB, {"--hour": "{{ run_target() }}"}, concurrent_run_limit=MAX_HOURS_AT_ONCE
    )
    attempts = web_hits.find_attempts(AGGREGATES)
    check_query = web_hits.sql("check_query", "checks/attempts")
    checked = web_hits.check("check_hour", check_query, check_hour, errors=[HourCheckError])
    published = web_hits.publish(AGGREGATES, covered, task_id="publish_hour")

    chain(creates, raw_partitions, aggregate_hour, attempts, check_query, checked, published)
