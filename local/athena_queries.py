"""Run a query on Athena (the local one or AWS's) and wait for it: for the demo, benchmarks and tests.

The DAGs use the Amazon provider's operators and hooks instead.
"""

from __future__ import annotations

import time
from typing import Any

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


class QueryError(RuntimeError):
    """A query that did not succeed; the message is its state and StateChangeReason."""


def start(athena: Any, sql: str, database: str, workgroup: str) -> str:
    return athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": database}, WorkGroup=workgroup
    )["QueryExecutionId"]


def wait(athena: Any, query_id: str, timeout: float = 120, poll: float = 0.01) -> dict[str, Any]:
    """The query's execution once it reached a final state (whichever)."""
    deadline = time.monotonic() + timeout
    while True:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] in TERMINAL:
            return execution
        if time.monotonic() > deadline:
            raise TimeoutError(f"query {query_id} did not finish in {timeout} s")
        time.sleep(poll)


def run(athena: Any, sql: str, database: str, workgroup: str, timeout: float = 120) -> dict[str, Any]:
    """Start ``sql`` and wait; the execution of a query that succeeded, else ``QueryError``."""
    execution = wait(athena, start(athena, sql, database, workgroup), timeout)
    status = execution["Status"]
    if status["State"] != "SUCCEEDED":
        raise QueryError(f"{status['State']}: {status.get('StateChangeReason')}")
    return execution


def result_rows(athena: Any, query_id: str) -> tuple[list[tuple[str, str]], list[list[str | None]]]:
    """(column name and type) and every data row as text (None for NULL), across result pages;
    the header row Athena puts first in a SELECT's results is left out."""
    columns: list[tuple[str, str]] = []
    rows: list[list[str | None]] = []
    for page in athena.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
        if not columns:
            columns = [(c["Name"], c["Type"]) for c in page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
        data = [[cell.get("VarCharValue") for cell in row["Data"]] for row in page["ResultSet"]["Rows"]]
        if not rows and data and data[0] == [name for name, _ in columns]:
            data = data[1:]
        rows.extend(data)
    return columns, rows
