"""The processing DAG's published tables and the names its SQL files read (include/sql/vehicle_api/)."""

from __future__ import annotations

from pipelines.settings import Settings

TABLES = ("vehicles", "sensor_data", "measurement_intervals")  # in the order a run writes and publishes them
# The download publishes each endpoint's day into its raw table (include/sql/vehicle_api/create_raw_*.sql).
RAW_TABLES = {"vehicles": "vehicle_api_vehicles", "sensor-data": "vehicle_api_sensor_data"}
LOCK = "vehicle_api_lake"  # one writer of the three tables at a time (pipelines.writer_lock)


def sql_params(settings: Settings) -> dict[str, str]:
    """The names the SQL files read as ``params.*``."""
    return {
        "raw_database": settings.raw_database,
        "raw_bucket": settings.raw_bucket,
        "lake_database": settings.lake_database,
        "lake_bucket": settings.lake_bucket,
    }


def covered(days: list[str]) -> dict[str, list[list[str]]]:
    """The partitions a run of ``days`` answers for: each day's analysis (a date without
    measurement intervals has none). vehicles and sensor_data partitions are only added to."""
    return {"measurement_intervals": [[day] for day in days]}
