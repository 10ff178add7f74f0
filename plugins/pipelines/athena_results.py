"""Reading Athena's GetQueryResults answer in the DAGs' check tasks."""

from __future__ import annotations

from typing import Any


class ResultShapeError(Exception):
    """A check query did not return exactly one row."""


def _value(text: str | None) -> int | str | None:
    """A cell as the check reads it: counts as ints, NULL as 0, any other text as it is."""
    if text is None:
        return 0
    try:
        return int(text)
    except ValueError:
        return text


def first_row(results: dict[str, Any]) -> dict[str, Any]:
    """Athena's GetQueryResults (header row first) -> ``{column: int (or text)}`` of its single data row."""
    rows = results["ResultSet"]["Rows"]
    if len(rows) != 2:
        raise ResultShapeError(f"expected one result row, got {len(rows) - 1}")
    header = [cell["VarCharValue"] for cell in rows[0]["Data"]]
    values = [_value(cell.get("VarCharValue")) for cell in rows[1]["Data"]]
    return dict(zip(header, values, strict=True))


def all_rows(results: dict[str, Any]) -> list[dict[str, str | None]]:
    """Athena's GetQueryResults (header row first, one page) -> its data rows as ``{column: text}``."""
    rows = results["ResultSet"]["Rows"]
    if not rows:
        return []
    header = [cell["VarCharValue"] for cell in rows[0]["Data"]]
    return [dict(zip(header, (cell.get("VarCharValue") for cell in row["Data"]), strict=True)) for row in rows[1:]]
