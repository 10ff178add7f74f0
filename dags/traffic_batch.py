"""
### Traffic batch (Flanders traffic detectors)

For day D: the previous UTC day of a scheduled run, the logical date's day of a backfill or of a
manual run at a date (`airflow dags test traffic_batch 2020-07-14`), or the `date` param:

1. **wait_for_idle_crawler**, **configure_crawler** (created or updated: the config is kept in
   code), then **crawl_raw**: the Glue crawler
   registers the new arrival-hour folders of `s3://<raw bucket>/traffic/YYYY/MM/DD/HH/` in the
   raw table `traffic`.
2. **create_...** (Athena DDL, once): the processed table, the quarantine `traffic_rejects`, their
   attempts tables, and `traffic_lines` (the raw files as text); **add_line_partitions**: the
   arrival hours D reads (D-1 23h for the 10-minute windows, all of D, D+1 00-06h for late
   records).
3. **insert_day** and **insert_rejects** (Athena): every raw line is judged on its own; D's rows
   are computed from the good records into this try's own partition of
   `traffic_processed_attempts`, and the records rejected (malformed JSON, a field missing, a
   value not an integer: nothing is rounded) are kept verbatim with the reason in this try's
   partition of `traffic_rejects_attempts`. A retry writes a new attempt, never adds to an old one.
4. **find_traffic_processed_attempt**, **find_traffic_rejects_attempt**, **check_query**,
   **check_day**: the attempt must have rows, no duplicate
   (uniqueid, recordtimestamp) and indicators within their domain; otherwise the run fails and
   the published day stays as it was. The rejected count is logged and returned.
5. **publish_day**: D's partitions of `traffic_rejects` and `traffic_processed` are switched to
   the checked attempts, one Glue call each (readers see the old day or the new one, never an
   empty or doubled one); the previous locations and this run's other tries are deleted.

Runs at 07:30 UTC: records arrive up to 6 hours late (until 06:00 of D+1) and Firehose
buffers up to 15 minutes more. SQL: `include/sql/traffic/`; the mechanism: `pipelines.partitions`.

A failed run publishes one event on the project's EventBridge bus (**describe_failure**,
**publish_failure_event**: `pipelines.failure_events`, README "Failure events").
"""

from __future__ import annotations

import logging
from datetime import timedelta

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.sdk import DAG, chain, task

from pipelines.athena_results import ResultShapeError, first_row
from pipelines.crawls import crawl_tasks
from pipelines.dag_defaults import DAILY_MACROS, RUN_DAY, default_args
from pipelines.failure_events import failure_event
from pipelines.partitions import attempt_id
from pipelines.paths import include_dir
from pipelines.settings import SETTINGS
from pipelines.tasks import athena_statement, day_param, fail_fast, find_attempt, publish_attempts
from pipelines.timetables import PreviousDayTimetable
from pipelines.traffic.checks import ProcessedDayError, verify_day
from pipelines.traffic.crawler import crawler_config
from pipelines.traffic.tables import PROCESSED_TABLE, REJECTS_TABLE, day_values, sql_params

CRAWLER = crawler_config(SETTINGS)
log = logging.getLogger(__name__)


def athena(task_id: str, sql_file: str) -> AthenaOperator:
    return athena_statement(task_id, f"traffic/{sql_file}", params=sql_params(SETTINGS))


with DAG(
    dag_id="traffic_batch",
    description="Daily at 07:30 UTC for the previous day: crawler, then Athena ETL repartitioned by event time.",
    schedule=PreviousDayTimetable(delay=timedelta(hours=7, minutes=30)),
    catchup=False,
    max_active_runs=1,  # one crawler and one writer of the processed table at a time
    tags=["traffic", "athena", "glue"],
    doc_md=__doc__,
    default_args=default_args(),
    template_searchpath=[str(include_dir(__file__) / "sql")],
    user_defined_macros={**DAILY_MACROS, "attempt_id": attempt_id},
    params={"date": day_param("Day to process (YYYY-MM-DD)")},
) as dag:
    wait_for_idle_crawler, configure_crawler, crawl_raw = crawl_tasks(CRAWLER)
    creates = [
        athena("create_processed_table", "00_create_processed_table.sql"),
        athena("create_attempts_table", "01_create_attempts_table.sql"),
        athena("create_rejects_table", "02_create_rejects_table.sql"),
        athena("create_rejects_attempts_table", "03_create_rejects_attempts_table.sql"),
        athena("create_lines_table", "04_create_lines_table.sql"),
    ]
    add_line_partitions = athena("add_line_partitions", "05_add_line_partitions.sql")
    inserts = [athena("insert_day", "06_insert_day.sql"), athena("insert_rejects", "07_insert_rejects.sql")]

    # A day without rejects writes no quarantine partition: an empty attempt.
    attempts = [find_attempt(PROCESSED_TABLE, required=True), find_attempt(REJECTS_TABLE)]

    check_query = athena("check_query", "checks/attempt_problems.sql")

    @task(multiple_outputs=False)
    @fail_fast(ProcessedDayError, ResultShapeError)
    def check_day(query_execution_id: str, day: str) -> dict:
        # No operator returns a query's rows; the provider's hook reads them.
        results = AthenaHook(aws_conn_id=SETTINGS.aws_conn_id).get_query_results(query_execution_id)
        figures = verify_day(first_row(results), day)
        log.info(
            "%s %s: %d rows checked; %d raw records of its arrival hours rejected, kept in %s.%s",
            PROCESSED_TABLE,
            day,
            figures["row_count"],
            figures["rejected_records"],
            SETTINGS.lake_database,
            REJECTS_TABLE,
        )
        return figures

    @task(multiple_outputs=False)
    def publish_day(day: str, ti=None, dag_run=None) -> dict:  # noqa: ANN001 - Airflow context
        published = [REJECTS_TABLE, PROCESSED_TABLE]
        return publish_attempts(published, {table: [day_values(day)] for table in published}, ti, dag_run)

    checked = check_day(check_query.output, RUN_DAY)
    chain(wait_for_idle_crawler, configure_crawler, crawl_raw)
    crawl_raw >> creates >> add_line_partitions >> inserts
    chain(inserts, attempts)  # pairwise: each INSERT, then the find of its attempt
    chain(attempts, check_query, checked, publish_day(RUN_DAY))
    failure_event(dag, source="pipelines.traffic", detail_type="Traffic batch failed", target={"target_day": RUN_DAY})
