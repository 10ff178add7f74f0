"""Query the local Athena from a test as a user would: start, wait, read typed rows."""

from __future__ import annotations

from typing import Any

from local import athena_queries
from pipelines.settings import SETTINGS

CASTS = {"bigint": int, "integer": int, "smallint": int, "tinyint": int, "double": float, "real": float}


def wait_for_query(aws: Any, qid: str, timeout: float = 60) -> dict[str, Any]:
    """The query's execution once it reached a final state."""
    return athena_queries.wait(aws.client("athena"), qid, timeout)


def athena_rows(aws: Any, sql: str, database: str | None = None, timeout: float = 120) -> list[dict[str, Any]]:
    """The rows of ``sql`` as dicts of Python values (int / float / str / None); fails the test
    with the query's reason if it did not succeed."""
    athena = aws.client("athena")
    try:
        execution = athena_queries.run(
            athena, sql, database or SETTINGS.lake_database, SETTINGS.athena_workgroup, timeout
        )
    except athena_queries.QueryError as err:
        raise AssertionError(f"{err}\n{sql}") from None
    columns, rows = athena_queries.result_rows(athena, execution["QueryExecutionId"])
    return [
        {
            name: None if value is None else CASTS.get(kind, str)(value)
            for (name, kind), value in zip(columns, row, strict=True)
        }
        for row in rows
    ]
