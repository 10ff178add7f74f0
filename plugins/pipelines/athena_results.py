"""Reading Athena's GetQueryResults answer in the DAGs' check tasks."""

from __future__ import annotations

from typing import Any


class ResultShapeError(Exception):
    """A check query did not return exactly one row."""


def first_row(results: dict[str, Any]) -> dict[str, int]:
    """Athena's GetQueryResults (header row first) -> ``{column: int}`` of its single data row."""
    rows = results["ResultSet"]["Rows"]
    if len(rows) != 2:
        raise ResultShapeError(f"expected one result row, got {len(rows) - 1}")
    header = [cell["VarCharValue"] for cell in rows[0]["Data"]]
    values = [int(cell.get("VarCharValue", 0)) for cell in rows[1]["Data"]]
    return dict(zip(header, values, strict=True))


def all_rows(results: dict[str, Any]) -> list[dict[str, str | None]]:
    """Athena's GetQueryResults (header row first, one page) -> its data rows as ``{column: text}``."""
    rows = results["ResultSet"]["Rows"]
    if not rows:
        return []
    header = [cell["VarCharValue"] for cell in rows[0]["Data"]]
    return [dict(zip(header, (cell.get("VarCharValue") for cell in row["Data"]), strict=True)) for row in rows[1:]]
