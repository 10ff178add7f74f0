"""The names the SQL files under include/sql/vehicle_api/ read as ``params.*``."""

from __future__ import annotations

from pipelines.settings import Settings


def sql_params(settings: Settings) -> dict[str, str]:
    return {
        "raw_database": settings.raw_database,
        "raw_bucket": settings.raw_bucket,
        "lake_database": settings.lake_database,
        "lake_bucket": settings.lake_bucket,
    }
