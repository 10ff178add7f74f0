"""The run ledger as a test reads it: a run's rows through the local Athena, and the Athena
queries a run made, found apart from the ledger (by their submission time in the workgroup)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipelines.settings import SETTINGS
from tests.support.athena import athena_rows


def ledger_rows(aws: Any, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    """The run's rows: the run's first, then one per published table by name."""
    quoted = run_id.replace("'", "''")
    return athena_rows(
        aws,
        f"SELECT * FROM run_ledger WHERE dag_id = '{dag_id}' AND run_id = '{quoted}' ORDER BY table_name NULLS FIRST",
        database=SETTINGS.ledger_database,
    )


def rejected_by_reason(aws: Any, row: dict[str, Any]) -> dict[str, int]:
    """The run row's rejects per reason, as a user reads the map column (UNNEST)."""
    quoted = row["run_id"].replace("'", "''")
    found = athena_rows(
        aws,
        "SELECT r.reason, r.n FROM run_ledger CROSS JOIN UNNEST(rejected_by_reason) AS r (reason, n)"
        f" WHERE dag_id = '{row['dag_id']}' AND run_id = '{quoted}' AND table_name IS NULL",
        database=SETTINGS.ledger_database,
    )
    return {r["reason"]: r["n"] for r in found}


def queries_between(aws: Any, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every query execution of the project's workgroup submitted within [start, end]."""
    athena = aws.client("athena")
    ids = [q for page in athena.get_paginator("list_query_executions").paginate(WorkGroup=SETTINGS.athena_workgroup)
           for q in page["QueryExecutionIds"]]  # fmt: skip
    executions = []
    for at in range(0, len(ids), 50):
        executions += athena.batch_get_query_execution(QueryExecutionIds=ids[at : at + 50])["QueryExecutions"]
    return [e for e in executions if start <= e["Status"]["SubmissionDateTime"] <= end]


def scanned_by_run(aws: Any, dag_run: Any) -> tuple[int, int]:
    """(queries, bytes scanned) of the Athena queries submitted while ``dag_run`` ran (a test runs
    one DAG run at a time in its local AWS)."""
    found = queries_between(aws, dag_run.start_date, dag_run.end_date)
    return len(found), sum(e["Statistics"]["DataScannedInBytes"] for e in found)


def run_note(dag_run: Any) -> str | None:
    """The run's note, as the UI shows it (the metadata database's)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        return session.query(DagRun).filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id).one().note
