"""
### Vehicle API processing

Scheduled on both raw assets of `vehicle_api_download` (vehicles **and** sensor data). A run
processes every date carried by its triggering asset events (a backfill may deliver several
at once); a manual run processes the `dates` param instead, or else the day of its logical
date (`airflow dags test vehicle_api_processing 2020-07-14`). Only days whose download is
complete for both endpoints (their completion manifests exist) are processed: a day asked for
by hand that is not fails the run naming it; one from an event waits for the other endpoint.

Athena statements from `include/sql/vehicle_api/`, one per file and one task each, in order:
raw JSON tables and their day partitions; `vehicles` (new ids only); `sensor_data` (rows not
yet present, partitioned by `days` and `vehicle_type`); the `measurement_intervals` analysis
of seed 001, whose partitions for the processed dates are deleted and written anew. Finally
`check_results` queries the tables and fails on missing, duplicate or absent results, or raw
record counts other than the manifests'.

Re-running a date leaves every table exactly as one clean run would.
"""

from __future__ import annotations

import logging
from datetime import UTC

from airflow.providers.amazon.aws.hooks.athena import AthenaHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.s3 import S3DeleteObjectsOperator
from airflow.sdk import DAG, Param, chain, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from pipelines.dag_defaults import default_args
from pipelines.paths import include_dir
from pipelines.settings import SETTINGS
from pipelines.sql import MACROS
from pipelines.tasks import athena_statement
from pipelines.vehicle_api.assets import ASSETS
from pipelines.vehicle_api.checks import verify_results
from pipelines.vehicle_api.dates import dates_to_process
from pipelines.vehicle_api.manifests import complete_days, incomplete_message

STATEMENTS = (
    "01_create_raw_vehicles",
    "02_create_raw_sensor_data",
    "03_add_raw_vehicle_partitions",
    "04_add_raw_sensor_partitions",
    "05_create_vehicles",
    "06_insert_vehicles",
    "07_create_sensor_data",
    "08_insert_sensor_data",
    "09_create_measurement_intervals",
    "10_drop_measurement_interval_partitions",
    "11_insert_measurement_intervals",
)


log = logging.getLogger(__name__)


def read_raw(key: str) -> str | None:
    """An object of the raw bucket, or None (called in tasks only, never at parse time)."""
    s3 = S3Hook(aws_conn_id=SETTINGS.aws_conn_id)
    return s3.read_key(key, SETTINGS.raw_bucket) if s3.check_for_key(key, SETTINGS.raw_bucket) else None


def analysis_prefix(day: str) -> str:
    return f"vehicle_api/measurement_intervals/processed_date={day}/"


with DAG(
    dag_id="vehicle_api_processing",
    description="Triggered by the vehicle API assets (both endpoints): Athena SQL per downloaded date.",
    schedule=ASSETS["vehicles"] & ASSETS["sensor-data"],
    catchup=False,
    max_active_runs=1,  # runs write the same tables: one at a time keeps inserts exact
    tags=["vehicle_api", "athena"],
    doc_md=__doc__,
    default_args=default_args(),
    template_searchpath=[str(include_dir(__file__) / "sql")],
    user_defined_macros={"settings": SETTINGS, **MACROS},
    params={
        "dates": Param(
            None,
            type=["null", "array"],
            minItems=1,
            maxItems=366,
            items={"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$", "maxLength": 10},
            title="Dates to process (YYYY-MM-DD)",
            description="Used when the run has no triggering asset events, e.g. a manual run.",
        )
    },
):

    @task(inlets=list(ASSETS.values()))
    def resolve_dates(params: dict, dag_run, triggering_asset_events=None, inlet_events=None) -> list[str]:  # noqa: ANN001 - Airflow context
        triggering = [event.extra or {} for events in (triggering_asset_events or {}).values() for event in events]
        later = []
        if dag_run.run_type == "asset_triggered":
            after = dag_run.run_after.isoformat()
            later = [[event.extra or {} for event in inlet_events[asset].after(after)] for asset in ASSETS.values()]
        logical = dag_run.logical_date
        logical_day = logical.astimezone(UTC).date().isoformat() if logical is not None else None
        candidates = dates_to_process(triggering, later, params["dates"] or [], logical_day)
        complete, incomplete, _ = complete_days(candidates, read_raw)
        if incomplete and not triggering:  # asked for by hand: a deterministic error
            raise AirflowFailException(incomplete_message(incomplete))
        if incomplete:  # an endpoint's event came, the other's download failed: wait for it
            log.warning("%s; processing only %s", incomplete_message(incomplete), complete)
        if not complete:
            raise AirflowSkipException("no completely downloaded day to process")
        return complete

    dates = resolve_dates()
    statements = {name: athena_statement(name, f"vehicle_api/{name}.sql") for name in STATEMENTS}
    delete_analysis_files = S3DeleteObjectsOperator.partial(
        task_id="delete_analysis_files",
        bucket=SETTINGS.lake_bucket,
        aws_conn_id=SETTINGS.aws_conn_id,
    ).expand(prefix=dates.map(analysis_prefix))
    check_query = athena_statement("check_query", "vehicle_api/checks/results.sql")

    @task(multiple_outputs=False)
    def check_results(query_execution_id: str, days: list[str]) -> dict:
        # No operator returns a query's rows; the provider's hook reads them.
        rows = AthenaHook(aws_conn_id=SETTINGS.aws_conn_id).get_query_results(query_execution_id)
        _, _, figures = complete_days(days, read_raw)
        return verify_results(rows, downloaded=figures)

    ordered = list(statements.values())
    chain(dates, *ordered[:-1], delete_analysis_files, ordered[-1], check_query)
    check_results(check_query.output, dates)
