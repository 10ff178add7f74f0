"""
### Web hits, hourly aggregates (seed 002)

Hourly, for the previous UTC hour H = [H:00, H+1:00), starting at H+1:10: the ten minutes
let the files of H that land late (a writer flushing its last buffer) arrive first. A manual
run processes the `hour` param (`YYYY-MM-DDTHH`, the seed's `target_datetime`), else the hour
of its logical date (`airflow dags test web_hits_hourly 2024-05-01T13:00:00+00:00`).

1. Athena DDL from `include/sql/web_hits/`: the raw table `web_hits` in the raw database and
   its hour partitions H-1, H, H+1; the three aggregates and their attempts tables in the
   aggregated database.
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

import logging

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.sdk import DAG, Param, chain, task

from pipelines.athena_results import ResultShapeError, first_row
from pipelines.dag_defaults import HOURLY_MACROS, RUN_HOUR, default_args
from pipelines.failure_events import failure_event
from pipelines.glue_runs import job_error_lookup, latest_report
from pipelines.partitions import attempt_id
from pipelines.paths import include_dir
from pipelines.settings import SETTINGS
from pipelines.tasks import athena_statement, fail_fast, find_attempt, publish_attempts
from pipelines.timetables import PreviousHourTimetable
from pipelines.web_hits.checks import HourCheckError, verify_hour
from pipelines.web_hits.tables import (
    AGGREGATES,
    HOUR_PATTERN,
    JOB_TIMEOUT_MINUTES,
    REPORTS_PREFIX,
    hour_values,
    job_config,
    job_name,
    sql_params,
)

JOB = job_name(SETTINGS)
MAX_HOURS_AT_ONCE = 4  # hours are independent: a backfill runs a few at once, each with its job run
log = logging.getLogger(__name__)


def athena(task_id: str, sql_file: str, **kwargs: object) -> AthenaOperator:
    return athena_statement(task_id, f"web_hits/{sql_file}", params=sql_params(SETTINGS), **kwargs)


def job_report(dag_run) -> dict:  # noqa: ANN001 - Airflow's DagRun
    return latest_report(dag_run, REPORTS_PREFIX, HourCheckError)


with DAG(
    dag_id="web_hits_hourly",
    description="Hourly at :10 for the previous UTC hour: Glue Spark job counting web hits three ways.",
    schedule=PreviousHourTimetable(),
    catchup=False,
    max_active_runs=MAX_HOURS_AT_ONCE,
    tags=["web_hits", "glue", "athena"],
    doc_md=__doc__,
    default_args=default_args(),
    template_searchpath=[str(include_dir(__file__) / "sql")],
    user_defined_macros={**HOURLY_MACROS, "attempt_id": attempt_id},
    params={
        "hour": Param(
            None,
            type=["null", "string"],
            pattern=HOUR_PATTERN,
            maxLength=13,
            title="Hour to process (YYYY-MM-DDTHH, UTC)",
            description="Empty: the run's own hour (the previous hour of a scheduled run).",
        )
    },
) as dag:
    ddl = [
        athena("create_raw_table", "01_create_raw_hits.sql", database=SETTINGS.raw_database),
        athena("add_raw_partitions", "02_add_raw_partitions.sql", database=SETTINGS.raw_database),
    ]
    creates = []
    for number, table in enumerate(AGGREGATES):
        creates += [
            athena(f"create_{table}", f"{3 + 2 * number:02d}_create_{table}.sql"),
            athena(f"create_{table}_attempts", f"{4 + 2 * number:02d}_create_{table}_attempts.sql"),
        ]
    aggregate_hour = GlueJobOperator(
        task_id="aggregate_hour",
        job_name=JOB,
        iam_role_arn=SETTINGS.glue_role,
        create_job_kwargs=job_config(SETTINGS),
        update_config=True,  # the job's definition follows this code
        script_args={"--hour": RUN_HOUR, "--attempt": "{{ attempt_id() }}"},
        aws_conn_id=SETTINGS.aws_conn_id,
        region_name=SETTINGS.region,
        concurrent_run_limit=MAX_HOURS_AT_ONCE,
        verbose=True,  # the job's log lines in the task's log (the triggerer's part when deferred)
        deferrable=SETTINGS.deferrable,
        job_poll_interval=SETTINGS.poll_seconds,
        waiter_delay=SETTINGS.poll_seconds,
        waiter_max_attempts=JOB_TIMEOUT_MINUTES * 60 // SETTINGS.poll_seconds,
        wait_for_completion=True,
        stop_job_run_on_kill=True,
    )
    attempts = [find_attempt(table, database=SETTINGS.aggregated_database) for table in AGGREGATES]
    check_query = athena("check_query", "checks/attempts.sql", database=SETTINGS.aggregated_database)

    @task(multiple_outputs=False)
    @fail_fast(HourCheckError, ResultShapeError)
    def check_hour(query_execution_id: str, ti=None, dag_run=None) -> dict:  # noqa: ANN001 - Airflow context
        # No operator returns a query's rows; the provider's hook reads them.
        figures = first_row(AthenaHook(aws_conn_id=SETTINGS.aws_conn_id).get_query_results(query_execution_id))
        found = {ti.xcom_pull(task_ids=f"find_{table}_attempt")["name"] for table in AGGREGATES}
        checked = verify_hour(figures, job_report(dag_run), found)
        log.info(
            "hour %s: %d hits counted, %d lines rejected %s, rows %s",
            checked["hour"], checked["hits_counted"], checked["rejected"], checked["rejected_by_reason"], checked["rows"],
        )  # fmt: skip
        return checked

    @task(multiple_outputs=False)
    def publish_hour(checked: dict, ti=None, dag_run=None) -> dict:  # noqa: ANN001 - Airflow context
        covered = {table: [hour_values(checked["hour"])] for table in AGGREGATES}  # no hits: no partition
        return publish_attempts(AGGREGATES, covered, ti, dag_run, database=SETTINGS.aggregated_database)

    checked = check_hour(check_query.output)
    published = publish_hour(checked)
    chain(ddl[0], ddl[1], creates, aggregate_hour, attempts, check_query, checked, published)
    failure_event(
        dag,
        source="pipelines.web_hits",
        detail_type="Web hits aggregation failed",
        target={"target_hour": RUN_HOUR},
        error_lookup=job_error_lookup(JOB, "aggregate_hour"),
    )
