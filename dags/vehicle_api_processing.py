"""
### Vehicle API processing

Scheduled on the partitions of both raw assets of `vehicle_api_download` (vehicles **and**
sensor data): the download publishes each endpoint's event with its day as partition key, and
Airflow creates one run per day once both endpoints have published it, with the day as the
run's partition key (a 3-day backfill of the download gives 3 runs; a rerun of a download day
one more run of that day). A manual run processes the `dates` param instead, or a partition
key given when triggering, or else the day its logical date names (`airflow dags test
vehicle_api_processing 2020-07-14`: `pipelines.run_targets`). Only days whose download is complete for both endpoints
(their completion manifests exist) are processed: a day that is not fails the run naming it.

A run first takes the writer lock of the three tables (**acquire_writer_lock**, an S3 lease:
`pipelines.writer_lock`), so runs started by the scheduler, by hand or by a backfill never
interleave; a waiting run holds no worker slot.

Athena statements from `include/sql/vehicle_api/`, in order: **create_tables** (the DDL of the
raw JSON tables, every table and its attempts table, for those the catalog does not hold yet);
the raw tables' day partitions; then
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
**publish_failure_event**: `pipelines.failure_events`). Composed from `pipelines.recipe`.
"""

from __future__ import annotations

from airflow.sdk import PartitionedAssetTimetable, chain, task

from pipelines.recipe import pipeline_dag
from pipelines.run_targets import DAYS_TARGET
from pipelines.tasks import LEASE, acquire_writer_lock, fail_fast, release_writer_lock
from pipelines.vehicle_api.assets import ASSETS
from pipelines.vehicle_api.checks import (
    PartitionBudgetError,
    ResultCheckError,
    check_partition_budget,
    check_results,
)
from pipelines.vehicle_api.dates import complete_dates
from pipelines.vehicle_api.raw_days import read_raw
from pipelines.vehicle_api.tables import LOCK, TABLES, covered

TARGET = DAYS_TARGET.asked(
    "Dates to process",
    resolved_by="resolve_dates",
    min_items=1,  # none at all: leave the param empty
    max_items=100,  # measurement_intervals: one partition per date, 100 per statement
    description="Used by a manual run without a partition key.",
)

with pipeline_dag(
    "vehicle_api_processing",
    pipeline="vehicle_api",
    target=TARGET,
    failure="Vehicle API processing failed",
    description="Triggered by the vehicle API assets (both endpoints): Athena SQL per downloaded date.",
    schedule=PartitionedAssetTimetable(assets=ASSETS["vehicles"] & ASSETS["sensor-data"]),
    max_active_runs=1,  # and a writer lock, which backfills respect too
    dagrun_timeout=LEASE,  # a run never outlives its lock's lease
    tags=["vehicle_api", "athena"],
    doc_md=__doc__,
) as processing:

    @task
    @fail_fast(ValueError)  # a partition key or a param that is not a day, a day not downloaded: no retry helps
    def resolve_dates(params: dict, dag_run, dag) -> list[str]:  # noqa: ANN001 - Airflow context
        own_day = TARGET.own(dag_run.logical_date, dag_run.data_interval_start, dag.timetable)
        return complete_dates(dag_run.partition_key, TARGET.requested(params), own_day, read_raw)

    dates = resolve_dates()
    lock = acquire_writer_lock(LOCK)
    # Every table (and its attempts table) exists before the budget is counted; no INSERT runs before it passes.
    creates = processing.create_tables(*TABLES, statements=["create_raw_vehicles", "create_raw_sensor_data"])
    raw_partitions = [processing.sql("add_raw_vehicle_partitions"), processing.sql("add_raw_sensor_partitions")]
    budget_query = processing.sql("partition_budget_query", "checks/partition_budget")
    budget = processing.check("check_partition_budget", budget_query, check_partition_budget,
                              errors=[PartitionBudgetError])  # fmt: skip
    insert_vehicles, insert_sensor_data, insert_intervals = (processing.sql(f"insert_{table}") for table in TABLES)
    vehicles, sensor_data, intervals = processing.find_attempts(TABLES)
    check_query = processing.sql("check_query", "checks/results")
    checked = processing.check("check_results", check_query, check_results, errors=[ResultCheckError])
    published = processing.publish(TABLES, covered, lock=LOCK)

    chain(dates, lock, creates, *raw_partitions, budget_query, budget)
    chain(budget, insert_vehicles, vehicles, insert_sensor_data, sensor_data, insert_intervals, intervals)
    chain(intervals, check_query, checked, published, release_writer_lock(LOCK).as_teardown(setups=lock))
