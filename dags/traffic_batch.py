"""
### Traffic batch (Flanders traffic detectors)

For day D: the previous UTC day of a scheduled run, the logical date's day of a backfill or of a
manual run at a date (`airflow dags test traffic_batch 2020-07-14`), or the `date` param:

1. **wait_for_idle_crawler**, **configure_crawler** (then **create_crawler** or
   **update_crawler**: the config is kept in code), then **crawl_raw**: the Glue crawler
   registers the new arrival-hour folders of `s3://<raw bucket>/traffic/YYYY/MM/DD/HH/` in the
   raw table `traffic`.
2. **create_processed_table**, **create_attempts_table**, then **insert_day** (Athena): D's rows
   are written into this try's own partition of `traffic_processed_attempts` (a retry writes a
   new attempt, never adds to an old one). It reads only the arrival hours where D's records
   can be (D-1 23h for the 10-minute windows, all of D, D+1 00-06h for late records).
3. **find_attempt**, **check_query**, **check_day**: the attempt must have rows, no duplicate
   (uniqueid, recordtimestamp) and indicators within their domain; otherwise the run fails and
   the published day stays as it was.
4. **publish_day**: D's partition of `traffic_processed` is switched to the checked attempt in
   one Glue call (readers see the old day or the new one, never an empty or doubled one); the
   previous location and this run's earlier tries are deleted.

Runs at 07:30 UTC: records arrive up to 6 hours late (until 06:00 of D+1) and Firehose
buffers up to 15 minutes more. SQL: `include/sql/traffic/`; the mechanism: `pipelines.partitions`.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.hooks.glue_catalog import GlueCatalogHook
from airflow.providers.amazon.aws.hooks.glue_crawler import GlueCrawlerHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.providers.amazon.aws.operators.glue_crawler import (
    GlueCrawlerCreateOperator,
    GlueCrawlerRunOperator,
    GlueCrawlerUpdateOperator,
)
from airflow.sdk import DAG, chain, task

from pipelines.athena_results import first_row
from pipelines.crawler_errors import log_crawl_error
from pipelines.dag_defaults import DAILY_MACROS, RUN_DAY, default_args
from pipelines.partitions import Attempt, attempt_id, latest_attempt, publish, run_key
from pipelines.paths import include_dir
from pipelines.settings import SETTINGS
from pipelines.tasks import athena_statement, day_param
from pipelines.timetables import PreviousDayTimetable
from pipelines.traffic import ATTEMPTS_TABLE, PROCESSED_TABLE, crawler_config, day_values, sql_params, verify_day

CRAWLER = crawler_config(SETTINGS)


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
):
    # GlueCrawlerSensor fails on a crawler that does not exist yet and on an earlier failed
    # crawl; all this run needs is that no crawl is in progress before it starts its own.
    @task.sensor(poke_interval=15, timeout=3600, mode="reschedule")
    def wait_for_idle_crawler() -> bool:
        hook = GlueCrawlerHook(aws_conn_id=SETTINGS.aws_conn_id)
        return not hook.has_crawler(CRAWLER["Name"]) or hook.get_crawler(CRAWLER["Name"])["State"] == "READY"

    @task.branch
    def configure_crawler() -> str:
        hook = GlueCrawlerHook(aws_conn_id=SETTINGS.aws_conn_id)
        return "update_crawler" if hook.has_crawler(CRAWLER["Name"]) else "create_crawler"

    create_crawler = GlueCrawlerCreateOperator(
        task_id="create_crawler", config=CRAWLER, aws_conn_id=SETTINGS.aws_conn_id
    )
    update_crawler = GlueCrawlerUpdateOperator(
        task_id="update_crawler", config=CRAWLER, aws_conn_id=SETTINGS.aws_conn_id
    )
    crawl_raw = GlueCrawlerRunOperator(
        task_id="crawl_raw",
        crawler_name=CRAWLER["Name"],
        aws_conn_id=SETTINGS.aws_conn_id,
        poll_interval=5,
        wait_for_completion=True,
        # A crawl started meanwhile by another run is waited for, not failed on.
        fail_on_already_running=False,
        trigger_rule="none_failed_min_one_success",  # after whichever branch ran
        on_failure_callback=log_crawl_error,
        on_retry_callback=log_crawl_error,
    )
    create_processed_table = athena("create_processed_table", "00_create_processed_table.sql")
    create_attempts_table = athena("create_attempts_table", "01_create_attempts_table.sql")
    insert_day = athena("insert_day", "02_insert_day.sql")

    @task(multiple_outputs=False)
    def find_attempt(day: str, dag_run=None) -> dict:  # noqa: ANN001 - Airflow context
        glue = GlueCatalogHook(aws_conn_id=SETTINGS.aws_conn_id).get_conn()
        run = run_key(dag_run.dag_id, dag_run.run_id)
        found = latest_attempt(glue, SETTINGS.lake_database, ATTEMPTS_TABLE, day_values(day), run)
        return {"name": found.name, "location": found.location}

    check_query = athena("check_query", "checks/attempt_problems.sql")

    @task(multiple_outputs=False)
    def check_day(query_execution_id: str, day: str) -> dict:
        # No operator returns a query's rows; the provider's hook reads them.
        results = AthenaHook(aws_conn_id=SETTINGS.aws_conn_id).get_query_results(query_execution_id)
        return verify_day(first_row(results), day)

    @task(multiple_outputs=False)
    def publish_day(attempt: dict, day: str, dag_run=None) -> dict:  # noqa: ANN001 - Airflow context
        # No operator switches a partition's location; the provider's hooks give the clients.
        return publish(
            GlueCatalogHook(aws_conn_id=SETTINGS.aws_conn_id).get_conn(),
            S3Hook(aws_conn_id=SETTINGS.aws_conn_id).get_conn(),
            SETTINGS.lake_database,
            PROCESSED_TABLE,
            ATTEMPTS_TABLE,
            day_values(day),
            Attempt(attempt["name"], attempt["location"]),
            run_key(dag_run.dag_id, dag_run.run_id),
        )

    attempt = find_attempt(RUN_DAY)
    checked = check_day(check_query.output, RUN_DAY)
    chain(
        wait_for_idle_crawler(),
        configure_crawler(),
        [create_crawler, update_crawler],
        crawl_raw,
        create_processed_table,
        create_attempts_table,
        insert_day,
        attempt,
        check_query,
        checked,
        publish_day(attempt, RUN_DAY),
    )
