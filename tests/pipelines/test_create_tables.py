"""CreateTablesOperator against the local Athena and Glue catalog: only the tables the catalog
does not hold are created, one statement each, deferred or watched; their ids are returned for
the run ledger; a failing statement fails the task with Athena's reason."""

from __future__ import annotations

import uuid
from pathlib import Path
from unittest import mock

import pytest
from airflow.sdk.exceptions import AirflowException

from pipelines.create_tables import CREATED, CreateTablesOperator, created_table
from pipelines.settings import SETTINGS
from tests.support.dag_runner import returned_value, run_dag, tiny_dag

SQL_DIR = Path(__file__).resolve().parents[2] / "include" / "sql"
RAW_DDL = """CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.database }}`.`{{ params.raw }}` (line string)
LOCATION 's3://{{ params.bucket }}/{{ params.raw }}/'"""
FAMILY_DDL = """CREATE EXTERNAL TABLE IF NOT EXISTS `{{ params.database }}`.`{{ params.table }}` (n int)
PARTITIONED BY (`day` string{{ ", `attempt` string" if params.attempts else "" }})
STORED AS PARQUET
LOCATION 's3://{{ params.bucket }}/{{ params.table }}/'"""


def creates(deferrable: bool, defer_after: float, daily: str = "daily") -> CreateTablesOperator:
    return CreateTablesOperator(
        task_id="create_tables",
        ddl=[
            ("ct/create_raw.sql", {}),
            ("ct/create_family.sql", {"table": daily, "attempts": False}),
            ("ct/create_family.sql", {"table": f"{daily}_attempts", "attempts": True}),
        ],
        database=SETTINGS.lake_database,
        workgroup=SETTINGS.athena_workgroup,
        output_location=SETTINGS.athena_output_location,
        aws_conn_id=SETTINGS.aws_conn_id,
        deferrable=deferrable,
        defer_after=defer_after,
        sleep_time=1,
    )


def test_a_statement_names_the_table_it_creates():
    assert created_table("create external table if not exists `lake`.`daily` (n int)") == ("lake", "daily")
    with pytest.raises(ValueError, match="not a CREATE EXTERNAL TABLE IF NOT EXISTS"):
        created_table("CREATE TABLE lake.daily AS SELECT 1 AS n")


@pytest.mark.parametrize("ddl", sorted(SQL_DIR.glob("*/create_*.sql")), ids=lambda p: p.name)
def test_every_ddl_file_of_the_pipelines_names_the_table_it_creates(ddl: Path):
    assert CREATED.search(ddl.read_text()), f"{ddl}: create_tables could not ask the catalog for its table"


def test_only_the_missing_tables_are_created_and_their_statements_returned(local_aws, airflow_db, tmp_path):
    (tmp_path / "ct").mkdir()
    (tmp_path / "ct" / "create_raw.sql").write_text(RAW_DDL)
    (tmp_path / "ct" / "create_family.sql").write_text(FAMILY_DDL)
    suffix = uuid.uuid4().hex[:8]
    raw, daily = f"ct_raw_{suffix}", f"ct_daily_{suffix}"
    params = {"database": SETTINGS.lake_database, "bucket": SETTINGS.lake_bucket, "raw": raw}
    glue, athena = local_aws.client("glue"), local_aws.client("athena")

    def created_in(dag_id: str, deferrable: bool, defer_after: float) -> list[str]:
        """The statements the run's create_tables ran, as the tables they created."""
        with tiny_dag(dag_id, template_searchpath=[str(tmp_path)], params=params) as dag:
            creates(deferrable, defer_after, daily)
        assert run_dag(dag) == {"create_tables": "success"}
        ran = returned_value(dag_id, "create_tables")
        return [
            created_table(athena.get_query_execution(QueryExecutionId=q)["QueryExecution"]["Query"])[1] for q in ran
        ]

    # Deferred at once (a watch of 0): each statement through the trigger, the task going on after each.
    assert created_in(f"ct_first_{suffix}", deferrable=True, defer_after=0) == [raw, daily, f"{daily}_attempts"]
    attempts = glue.get_table(DatabaseName=SETTINGS.lake_database, Name=f"{daily}_attempts")["Table"]
    assert [c["Name"] for c in attempts["PartitionKeys"]] == ["day", "attempt"]

    glue.delete_table(DatabaseName=SETTINGS.lake_database, Name=f"{daily}_attempts")
    assert created_in(f"ct_again_{suffix}", deferrable=True, defer_after=5) == [f"{daily}_attempts"]  # watched
    assert created_in(f"ct_none_{suffix}", deferrable=False, defer_after=5) == []  # nothing missing: no statement
    assert glue.get_table(DatabaseName=SETTINGS.lake_database, Name=f"{daily}_attempts")["Table"]["PartitionKeys"]


def test_a_failing_statement_fails_the_task_naming_the_table_and_athenas_reason(local_aws):
    operator = creates(deferrable=True, defer_after=5)
    name = f"ct_broken_{uuid.uuid4().hex[:8]}"
    operator.statements = [f"CREATE EXTERNAL TABLE IF NOT EXISTS `{SETTINGS.lake_database}`.`{name}` (n no_such_type)"]
    with pytest.raises(
        AirflowException, match=rf"creating {SETTINGS.lake_database}\.{name}: statement \S+ ended FAILED: .+"
    ):
        operator.execute({"ti": mock.Mock()})
    with pytest.raises(local_aws.client("glue").exceptions.EntityNotFoundException):
        local_aws.client("glue").get_table(DatabaseName=SETTINGS.lake_database, Name=name)
