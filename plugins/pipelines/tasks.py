"""Task and param builders the DAG files share, so each DAG file stays wiring only."""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.operators.athena import AthenaOperator
from airflow.sdk import Param

from pipelines.settings import SETTINGS


def athena_statement(task_id: str, sql_file: str, **kwargs: Any) -> AthenaOperator:
    """One Athena statement from a SQL file under include/sql/, in the project's workgroup."""
    return AthenaOperator(
        task_id=task_id,
        query=sql_file,
        database=SETTINGS.lake_database,
        workgroup=SETTINGS.athena_workgroup,
        output_location=SETTINGS.athena_output_location,
        aws_conn_id=SETTINGS.aws_conn_id,
        sleep_time=2,
        **kwargs,
    )


def day_param(title: str) -> Param:
    """An optional ``YYYY-MM-DD`` day; empty means the run's own day (its data interval start)."""
    return Param(
        None,
        type=["null", "string"],
        format="date",
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        title=title,
        description="Empty: the run's own day (the previous day of a scheduled run).",
    )
