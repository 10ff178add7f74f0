"""
### Vehicle API processing

Scheduled on the partitions of both raw assets of `vehicle_api_download` (vehicles **and**
sensor data): the download publishes each endpoint's event with its day as partition key, and
Airflow creates one run per day once both endpoints have published it, with the day as the
run's partition key (a 3-day backfill of the download gives 3 runs; a rerun of a download day
one more run of that day). A manual run processes the `dates` param instead, or a partition
key given when triggering, or else the day of its logical date (`airflow dags test
vehicle_api_processing 2020-07-14`). Only days whose download is complete for both endpoints
(their completion manifests exist) are processed: a day that is not fails the run naming it.

A run first takes the writer lock of the three tables (**acquire_writer_lock**, an S3 lease:
`pipelines.writer_lock`), so runs started by the scheduler, by hand or by a backfill never
interleave; a waiting run holds no worker slot.

Athena statements from `include/sql/vehicle_api/`, one per file and one task each, in order:
raw JSON tables and their day partitions; every table's DDL and its attempts table's DDL; then
**check_partition_budget** counts the partitions each INSERT will write and fails fast, naming
how many dates fit, when one would exceed Athena's 100 per statement (a manual run takes at most
100 dates); then per table the INSERT of this try's attempt (`pipelines.partitions`): `vehicles` (the published ids plus
the new ones), the `sensor_data` partitions (`days`, `vehicle_type`) the new measurements fall
in, whole, and the `measurement_intervals` analysis of seed 001 for the processed dates. Then
`check_results` checks the attempts (missing or duplicate rows, dates without analysis, raw
record counts other than the manifests') and only then **publish** switches each changed
partition to its attempt, one Glue call each: readers see a table's old partition or the new
one, and a retried or killed INSERT never doubles a row. The lock is released whatever happens.

Re-running a date leaves every table exactly as one clean run would.

A failed run publishes one event on the project's EventBridge bus (**describe_failure**,
**publish_failure_event**: `pipelines.failure_events`, README "Failure events").
"""

from __future__ import annotations

from datetime import UTC

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.sdk import DAG, Param, PartitionedAssetTimetable, chain, task
from airflow.sdk.exceptions import AirflowFailException

from pipelines.athena_results import ResultShapeError
from pipelines.calendar_patterns import day_pattern
from pipelines.dag_defaults import default_args
from pipelines.failure_events import failure_event
from pipelines.partitions import attempt_id
from pipelines.paths import include_dir
from pipelines.settings import SETTINGS
from pipelines.sql import MACROS
from pipelines.tasks import (
    LEASE,
    acquire_writer_lock,
    athena_statement,
    fail_fast,
    find_attempt,
    publish_attempts,
    release_writer_lock,
    verify_writer_lock,
)
from pipelines.vehicle_api.assets import ASSETS
from pipelines.vehicle_api.checks import PartitionBudgetError, ResultCheckError, partition_budget, verify_results
from pipelines.vehicle_api.dates import dates_to_process
from pipelines.vehicle_api.manifests import complete_days, incomplete_message
from pipelines.vehicle_api.tables import sql_params

LOCK = "vehicle_api_lake"  # one writer of vehicles, sensor_data and measurement_intervals at a time
RAW_STATEMENTS = (
    "01_create_raw_vehicles",
    "02_create_raw_sensor_data",
    "03_add_raw_vehicle_partitions",
    "04_add_raw_sensor_partitions",
)
# Per published table: its DDL, its attempts table's DDL, the INSERT of this run's attempt.
TABLES = {
    "vehicles": ("05_create_vehicles", "06_create_vehicles_attempts", "07_insert_vehicles"),
    "sensor_data": ("08_create_sensor_data", "09_create_sensor_data_attempts", "10_insert_sensor_data"),
    "measurement_intervals": (
        "11_create_measurement_intervals",
        "12_create_measurement_intervals_attempts",
        "13_insert_measurement_intervals",
    ),
}


def athena(task_id: str, sql_file: str | None = None) -> AthenaOperator:
    """The statement of ``include/sql/vehicle_api/<sql_file or task_id>.sql``."""
    return athena_statement(task_id, f"vehicle_api/{sql_file or task_id}.sql", params=sql_params(SETTINGS))


def read_raw(key: str) -> str | None:
    """An object of the raw bucket, or None (called in tasks only, never at parse time)."""
    s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id)
    return s3.read_key(key, SETTINGS.raw_bucket) if s3.check_for_key(key, SETTINGS.raw_bucket) else None


with DAG(
    dag_id="vehicle_api_processing",
    description="Triggered by the vehicle API assets (both endpoints): Athena SQL per downloaded date.",
    schedule=PartitionedAssetTimetable(assets=ASSETS["vehicles"] & ASSETS["sensor-data"]),
    catchup=False,
    max_active_runs=1,  # and a writer lock, which backfills respect too
    dagrun_timeout=LEASE,  # a run never outlives its lock's lease
    tags=["vehicle_api", "athena"],
    doc_md=__doc__,
    default_args=default_args(),
    template_searchpath=[str(include_dir(__file__) / "sql")],
    user_defined_macros={"attempt_id": attempt_id, **MACROS},
    params={
        "dates": Param(
            None,
            type=["null", "array"],
            minItems=1,
            maxItems=100,  # measurement_intervals: one partition per date, 100 per statement
            items={"type": "string", "format": "date", "pattern": day_pattern(), "maxLength": 10},
            title="Dates to process (YYYY-MM-DD)",
            description="Used by a manual run without a partition key.",
        )
    },
) as dag:

    @task
    @fail_fast(ValueError)  # a partition key or a param that is not a day: no retry helps
    def resolve_dates(params: dict, dag_run) -> list[str]:  # noqa: ANN001 - Airflow context
        logical = dag_run.logical_date
        logical_day = logical.astimezone(UTC).date().isoformat() if logical is not None else None
        days = dates_to_process(dag_run.partition_key, params["dates"] or [], logical_day)
        complete, incomplete, _ = complete_days(days, read_raw)
        if incomplete:  # both endpoints publish only after their manifest: asked for by hand
            raise AirflowFailException(incomplete_message(incomplete))
        return complete

    dates = resolve_dates()
    lock = acquire_writer_lock(LOCK)
    raw = [athena(name) for name in RAW_STATEMENTS]
    budget_query = athena("partition_budget_query", "checks/partition_budget")

    @task(multiple_outputs=False)
    @fail_fast(PartitionBudgetError)
    def check_partition_budget(query_execution_id: str, days: list[str]) -> dict:
        return partition_budget(
            AthenaHook(aws_conn_id=SETTINGS.aws_conn_id).get_query_results(query_execution_id), days
        )

    budget = check_partition_budget(budget_query.output, dates)
    # Every table (and its attempts table) exists before the budget is counted; no INSERT runs before it passes.
    creates = [athena(name) for statements in TABLES.values() for name in statements[:2]]
    chain(dates, lock, *raw, *creates, budget_query, budget)
    previous = budget
    for table, statements in TABLES.items():
        insert, found = athena(statements[2]), find_attempt(table)
        chain(previous, insert, found)
        previous = found
    check_query = athena("check_query", "checks/results")

    @task(multiple_outputs=False)
    @fail_fast(ResultCheckError, ResultShapeError)
    def check_results(query_execution_id: str, days: list[str]) -> dict:
        # No operator returns a query's rows; the provider's hook reads them.
        rows = AthenaHook(aws_conn_id=SETTINGS.aws_conn_id).get_query_results(query_execution_id)
        _, _, figures = complete_days(days, read_raw)
        return verify_results(rows, downloaded=figures)

    @task(multiple_outputs=False)
    def publish(days: list[str], ti=None, dag_run=None) -> dict:  # noqa: ANN001 - Airflow context
        verify_writer_lock(LOCK, dag_run)
        covered = {"measurement_intervals": [[day] for day in days]}  # a date without intervals: none
        return publish_attempts(TABLES, covered, ti, dag_run)

    checked = check_results(check_query.output, dates)
    published = publish(dates)
    chain(previous, check_query, checked, published, release_writer_lock(LOCK).as_teardown(setups=lock))
    failure_event(
        dag,
        source="pipelines.vehicle_api",
        detail_type="Vehicle API processing failed",
        target={"target_dates": "{{ (ti.xcom_pull(task_ids='resolve_dates') or []) | join(',') }}"},
    )
