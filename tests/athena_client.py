"""Query the local Athena from a test as a user would: start, wait, read typed rows."""

from __future__ import annotations

import time
from typing import Any

from pipelines.settings import SETTINGS

CASTS = {"bigint": int, "integer": int, "smallint": int, "tinyint": int, "double": float, "real": float}


def wait_for_query(aws: Any, qid: str, timeout: float = 60) -> dict[str, Any]:
    """The query's execution once it reached a final state."""
    athena = aws.client("athena")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        if execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return execution
        time.sleep(0.01)
    raise AssertionError(f"query {qid} did not finish in {timeout} s")


def athena_rows(aws: Any, sql: str, database: str | None = None, timeout: float = 120) -> list[dict[str, Any]]:
    athena = aws.client("athena")
    qid = athena.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": database or SETTINGS.lake_database},
        WorkGroup=SETTINGS.athena_workgroup,
    )["QueryExecutionId"]
    status = wait_for_query(aws, qid, timeout)["Status"]
    if status["State"] != "SUCCEEDED":
        raise AssertionError(f"{status['State']}: {status.get('StateChangeReason')}\n{sql}")
    rows: list[dict[str, Any]] = []
    columns: list[tuple[str, str]] = []
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=qid):
        columns = columns or [(c["Name"], c["Type"]) for c in page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
        data = page["ResultSet"]["Rows"]
        if not rows and data and [d.get("VarCharValue") for d in data[0]["Data"]] == [n for n, _ in columns]:
            data = data[1:]  # Athena's header row
        for row in data:
            values = [d.get("VarCharValue") for d in row["Data"]]
            rows.append(
                {
                    name: None if value is None else CASTS.get(kind, str)(value)
                    for (name, kind), value in zip(columns, values, strict=True)
                }
            )
    return rows
