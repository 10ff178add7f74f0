"""The web hits aggregates as published, read through Athena for one hour."""

from __future__ import annotations

from typing import Any

from pipelines.settings import SETTINGS
from pipelines.web_hits.tables import AGGREGATES
from tests.support.athena import athena_rows
from tests.support.web_hits_reference import KEYS


def table_rows(aws: Any, table: str, hour: str) -> list[dict]:
    """``table``'s rows of ``hour`` (``YYYY-MM-DDTHH``), ordered by its keys."""
    where = f"year = '{hour[0:4]}' AND month = '{hour[5:7]}' AND day = '{hour[8:10]}' AND hour = '{hour[11:13]}'"
    rows = athena_rows(aws, f"SELECT * FROM {table} WHERE {where}", database=SETTINGS.aggregated_database)
    return sorted(rows, key=lambda row: [str(row[key]) for key in KEYS[table]])


def published(aws: Any, hour: str) -> dict[str, dict[tuple, int]]:
    """Each aggregate's hit counts of ``hour`` by its keys, as ``expected_counts`` gives them."""
    return {
        table: {tuple(row[key] for key in KEYS[table]): row["hit_count"] for row in table_rows(aws, table, hour)}
        for table in AGGREGATES
    }
